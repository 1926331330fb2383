package zabsim_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMutantsApply: every mutant in mutants/ (make mutants) still applies to
// the tree and says what it breaks, so the mutation score is measured on the
// code as it is. A change that moves a mutant's lines must carry the
// mutant along.
func TestMutantsApply(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	patches, err := filepath.Glob("mutants/*.patch")
	if err != nil || len(patches) < 10 {
		t.Fatalf("mutants: %v (%d patches)", err, len(patches))
	}
	for _, p := range patches {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		desc, _, _ := bytes.Cut(b, []byte("\n"))
		if len(strings.TrimSpace(string(desc))) < 10 || bytes.HasPrefix(desc, []byte("diff ")) {
			t.Errorf("%s: the first line must say what the mutant breaks", p)
		}
		if out, err := exec.Command("git", "apply", "--check", p).CombinedOutput(); err != nil {
			t.Errorf("%s no longer applies: %v\n%s", p, err, out)
		}
	}
}

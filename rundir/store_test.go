package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreNeverOverwrites: two runs of one scenario and seed get two
// directories; latest links follow the newest; a hostile name stays inside
// the store.
func TestStoreNeverOverwrites(t *testing.T) {
	st := Store{Root: filepath.Join(t.TempDir(), "store")}
	a, err := st.RunDir("register-partition", 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.RunDir("register-partition", 7)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two runs share %s", a)
	}
	for _, d := range []string{a, b} {
		if !strings.HasSuffix(filepath.Base(d), "-seed-7") && !strings.Contains(filepath.Base(d), "-seed-7-") {
			t.Errorf("%s does not name its seed", d)
		}
		if filepath.Dir(d) != filepath.Join(st.Root, "runs", "register-partition") {
			t.Errorf("%s is not under runs/register-partition", d)
		}
	}
	if err := st.MarkLatest(a); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkLatest(b); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{filepath.Join(st.Root, LatestLink), filepath.Join(filepath.Dir(b), LatestLink)} {
		got, err := filepath.EvalSymlinks(link)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.EvalSymlinks(b)
		if got != want {
			t.Errorf("%s → %s, want the newest %s", link, got, want)
		}
	}
	s, err := st.SuiteDir("default", "3of8")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(s, "-shard-3of8") || filepath.Dir(s) != filepath.Join(st.Root, "suites", "default") {
		t.Errorf("suite directory %s", s)
	}
	for _, name := range []string{"../../evil", "..", "", "a/b", LatestLink} {
		d, err := st.LiveRunDir("zookeeper", name, 1)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(filepath.Join(st.Root, "live", "zookeeper"), d)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || strings.Count(rel, string(filepath.Separator)) != 1 ||
			strings.HasPrefix(rel, LatestLink+string(filepath.Separator)) {
			t.Errorf("scenario name %q gave %s, outside its place in the store", name, d)
		}
	}
}

// TestCheckOutRefusesResults: an explicit output directory that holds
// results is refused unless forced, and only zabsim's own directories are
// ever removed.
func TestCheckOutRefusesResults(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "run")
	other := filepath.Join(root, "home")
	for _, f := range []string{filepath.Join(run, SummaryFile), filepath.Join(other, "notes.txt")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(root, "absent"), empty} {
		if err := CheckOut(d, false); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	if err := CheckOut(run, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("an earlier run directory was accepted without --force: %v", err)
	}
	if err := PrepareOut(other, true); err == nil {
		t.Error("--force would remove a directory zabsim did not write")
	}
	if _, err := os.Stat(filepath.Join(other, "notes.txt")); err != nil {
		t.Errorf("a foreign directory lost its files: %v", err)
	}
	if err := PrepareOut(run, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run); err == nil {
		t.Error("--force left the earlier run in place")
	}
	if got := FreeDir(other); got != other+"-2" {
		t.Errorf("FreeDir(%s) = %s", other, got)
	}
}

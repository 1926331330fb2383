package campaign

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
)

// TestSuiteJSONValidIsABoolean: suite.json writes a run's verdict as
// summary.json does — true, false or "unknown" — and still reads the
// "true"/"false" strings older suite directories hold (merge and report
// read them).
func TestSuiteJSONValidIsABoolean(t *testing.T) {
	dir := t.TempDir()
	es := []rundir.SuiteEntry{
		{Scenario: "a", Seed: 1, Dir: "a/seed-1", Valid: checker.Valid},
		{Scenario: "a", Seed: 2, Dir: "a/seed-2", Valid: checker.Invalid},
		{Scenario: "a", Seed: 3, Dir: "a/seed-3", Valid: checker.Unknown},
	}
	if err := rundir.WriteSuite(dir, es); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, rundir.SuiteFile))
	for _, want := range []string{`"valid": true`, `"valid": false`, `"valid": "unknown"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("suite.json lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), `"valid": "true"`) {
		t.Errorf("suite.json writes the verdict as a string:\n%s", b)
	}
	back, err := rundir.ReadSuite(dir)
	if err != nil || len(back) != 3 || back[0].Failed() || !back[1].Failed() || !back[2].Failed() {
		t.Fatalf("read back %+v, %v", back, err)
	}
	old := `[{"scenario":"a","seed":1,"dir":"a/seed-1","valid":"true","sim_seconds":1,"wall_seconds":1,"repro":"x"},` +
		`{"scenario":"a","seed":2,"dir":"a/seed-2","valid":"false","sim_seconds":1,"wall_seconds":1,"repro":"x"},` +
		`{"scenario":"a","seed":3,"dir":"a/seed-3","valid":"unknown","sim_seconds":1,"wall_seconds":1,"repro":"x"}]`
	os.WriteFile(filepath.Join(dir, rundir.SuiteFile), []byte(old), 0o644)
	back, err = rundir.ReadSuite(dir)
	if err != nil || len(back) != 3 || back[0].Valid != checker.Valid || back[1].Valid != checker.Invalid || back[2].Valid != checker.Unknown {
		t.Fatalf("an old suite.json reads as %+v, %v", back, err)
	}
}

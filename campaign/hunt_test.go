package campaign

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// knownDetections are seeds at which each switch's hunting scenario fails
// with the switch on and passes with every switch off (measured; see
// docs/bugs.md). A change that moves them is worth a look, not a panic:
// re-measure with `zabsim hunt`.
var knownDetections = []struct {
	bug, scenario string
	seed          uint64
}{
	{"ack-before-fsync", "bug-ack-before-fsync", 1},
	{"zk-3911", "bug-zk-3911", 9},
	{"zk-3104", "bug-zk-3104", 1},
}

func TestBugScenariosFailOnlyWithTheirSwitch(t *testing.T) {
	for _, c := range knownDetections {
		t.Run(c.bug, func(t *testing.T) {
			s, err := scenario.ByName(c.scenario)
			if err != nil {
				t.Fatal(err)
			}
			on, err := simrun.Execute(s, c.seed, simrun.Options{Bugs: []string{c.bug}})
			if err != nil {
				t.Fatal(err)
			}
			if on.Check.Valid != checker.Invalid {
				t.Errorf("%s seed %d with %s: verdict %v, want a violation", c.scenario, c.seed, c.bug, on.Check.Valid)
			}
			off, err := simrun.Execute(s, c.seed, simrun.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !off.Valid() {
				t.Errorf("%s seed %d with every switch off: %v (failing %v): a false positive", c.scenario, c.seed,
					off.Check.Valid, rundir.FailingCheckers(off.Check))
			}
			if on.Result.TraceHash == off.Result.TraceHash {
				t.Errorf("the switch changed nothing in the run (trace %s)", on.Result.TraceHash)
			}
		})
	}
}

func TestEveryBugSwitchHasAHuntingScenario(t *testing.T) {
	for _, b := range []string{"ack-before-fsync", "sync-no-quorum", "zk-1154", "zk-1208", "zk-3104", "zk-3911"} {
		scs, err := scenario.BugScenarios(b)
		if err != nil || len(scs) == 0 {
			t.Errorf("%s: %v", b, err)
			continue
		}
		for _, s := range scs {
			if got, err := scenario.ByName(s.Name); err != nil || got.Name != s.Name {
				t.Errorf("ByName(%s): %v", s.Name, err)
			}
			if inSuite(t, "default", s.Name) {
				t.Errorf("%s is in the default suite; bug scenarios must stay out of it", s.Name)
			}
		}
	}
	// The per-layer catalogues (bugscenarios_zab.go, bugscenarios_server.go)
	// add switches: the list holds at least the first seven's, sorted.
	got := scenario.HuntableBugs()
	for _, b := range []string{"ack-before-fsync", "sync-no-quorum", "zk-1154", "zk-1208", "zk-3104", "zk-3911"} {
		if !slices.Contains(got, b) {
			t.Errorf("HuntableBugs() = %v lacks %s", got, b)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("HuntableBugs() = %v is not sorted", got)
	}
}

func TestHuntUnknownBug(t *testing.T) {
	if _, err := Hunt("zk-9999", HuntOptions{}); err == nil {
		t.Error("hunting an unknown switch did not fail")
	}
	if _, _, err := CleanSweep("nope", HuntOptions{}); err == nil {
		t.Error("sweeping an unknown switch did not fail")
	}
}

func TestHuntFindsAndShrinks(t *testing.T) {
	if testing.Short() {
		t.Skip("shrinking costs a dozen runs")
	}
	r, err := Hunt("ack-before-fsync", HuntOptions{MaxSeeds: 3, Shrink: true, ShrinkRuns: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Detected || r.Seed != 1 || r.SeedsToDetect != 1 || r.Scenario != "bug-ack-before-fsync" {
		t.Fatalf("hunt = %+v, want detection at seed 1", r)
	}
	if r.Command != "zabsim run --scenario bug-ack-before-fsync --seed 1 --bug ack-before-fsync" {
		t.Errorf("command %q", r.Command)
	}
	if r.SimSeconds <= 0 || r.WallSeconds <= 0 {
		t.Errorf("times not measured: sim %v wall %v", r.SimSeconds, r.WallSeconds)
	}
	if r.Shrunk == nil || r.Shrunk.Runs == 0 || r.Shrunk.Runs > 8 {
		t.Fatalf("shrink result %+v", r.Shrunk)
	}
	// The shrunk scenario reproduces on its own: it carries the switch.
	o, err := simrun.Execute(r.Shrunk.Scenario, r.Seed, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Valid() {
		t.Errorf("shrunk scenario passes: %s", r.Shrunk.Scenario.JSON())
	}
}

// A failure that also happens with the switch off is not a detection, and
// the result does not depend on how many worlds run at once.
func TestHuntAttributionAndParallelism(t *testing.T) {
	if testing.Short() {
		t.Skip("a dozen minute-long worlds")
	}
	var got []HuntResult
	for _, par := range []int{1, 3} {
		r, err := Hunt("zk-3911", HuntOptions{StartSeed: 2, MaxSeeds: 12, Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	for i, r := range got {
		if !r.Detected {
			t.Fatalf("run %d: not detected: %+v", i, r)
		}
		for _, u := range r.Unattributed {
			if u.Seed >= r.Seed {
				t.Errorf("unattributed seed %d after the detecting seed %d", u.Seed, r.Seed)
			}
		}
	}
	a, b := got[0], got[1]
	if a.Seed != b.Seed || a.SeedsToDetect != b.SeedsToDetect || len(a.Unattributed) != len(b.Unattributed) || a.SimSeconds != b.SimSeconds {
		t.Errorf("parallel 1: seed %d (%d seeds, %d unattributed, %.3fs); parallel 3: seed %d (%d seeds, %d unattributed, %.3fs)",
			a.Seed, a.SeedsToDetect, len(a.Unattributed), a.SimSeconds, b.Seed, b.SeedsToDetect, len(b.Unattributed), b.SimSeconds)
	}
	// Every run the hunt set aside fails with the switch off, as claimed.
	s, _ := scenario.ByName("bug-zk-3911")
	for _, u := range a.Unattributed {
		o, err := simrun.Execute(s, u.Seed, simrun.Options{})
		if err != nil || o.Valid() {
			t.Errorf("unattributed seed %d passes with every switch off (err %v)", u.Seed, err)
		}
	}
}

func TestCleanSweepCountsRuns(t *testing.T) {
	runs, fails, err := CleanSweep("ack-before-fsync", HuntOptions{MaxSeeds: 2, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 || len(fails) != 0 {
		t.Errorf("runs %d, failures %v; want 2 clean runs", runs, fails)
	}
}

func TestCatalogueMarkdown(t *testing.T) {
	rows := []CatalogueRow{
		{Bug: "zk-1154", JIRA: "ZOOKEEPER-1154", Scenario: "bug-zk-1154", Detected: true, SeedsToDetect: 3, PerOffset: []int{3, 1, 7},
			Median: 3, Command: "zabsim run --scenario bug-zk-1154 --seed 3 --bug zk-1154", Failing: []string{"zab-invariants"}, CleanRuns: 50},
		{Bug: "zk-1208", Scenario: "bug-zk-1208", SeedsToDetect: 200, PerOffset: []int{200}, Median: 200, CleanRuns: 10,
			CleanFailures: []CleanFailure{{Command: "zabsim run --scenario bug-zk-1208 --seed 9", Failing: []string{"lock"}}}},
	}
	md := CatalogueMarkdown(rows)
	for _, want := range []string{
		"| zk-1154 | ZOOKEEPER-1154 | bug-zk-1154 | yes | 3 | 3 | 3, 1, 7 | 50 (0) |",
		"| zk-1208 |  | bug-zk-1208 | no | 200 | 200 | 200 | 10 (1) |",
		"`zabsim run --scenario bug-zk-1154 --seed 3 --bug zk-1154` (failing: zab-invariants)",
		"`zabsim run --scenario bug-zk-1208 --seed 9` (failing: lock)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if got := median([]int{200, 1, 7, 3}); got != 3 {
		t.Errorf("median = %d, want 3 (the lower middle)", got)
	}
}

// TestHuntSweep measures every switch over several seed offsets and runs the
// false-positive sweep. It is the soak form of `make bugs`.
func TestHuntSweep(t *testing.T) {
	if os.Getenv("ZABSIM_SOAK") == "" && os.Getenv("ZABSIM_HUNT") == "" {
		t.Skip("set ZABSIM_SOAK=1 (or ZABSIM_HUNT=bug,bug) to measure seeds-to-detect")
	}
	bugs := scenario.HuntableBugs()
	if only := os.Getenv("ZABSIM_HUNT"); only != "" && only != "1" {
		bugs = strings.Split(only, ",")
	}
	clean := 50
	if os.Getenv("ZABSIM_SOAK") != "" {
		clean = 1000 // issue 8: 1,000 switch-off seeds of every hunting scenario
	}
	if v, err := strconv.Atoi(os.Getenv("ZABSIM_HUNT_CLEAN")); err == nil {
		clean = v
	}
	for _, bug := range bugs {
		var found []int
		offsets := []uint64{1, 1001, 2001, 3001, 4001}
		if n, err := strconv.Atoi(os.Getenv("ZABSIM_HUNT_OFFSETS")); err == nil && n < len(offsets) {
			offsets = offsets[:n]
		}
		for _, off := range offsets {
			r, err := Hunt(bug, HuntOptions{MaxSeeds: 200, StartSeed: off, Parallel: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s offset %d: detected=%v seeds=%d seed=%d failing=%v wall=%.1fs", bug, off, r.Detected, r.SeedsToDetect, r.Seed, r.Failing, r.WallSeconds)
			for _, u := range r.Unattributed {
				t.Errorf("fails with the switch off too: %s (%v)", u.Command, u.Failing)
			}
			if !r.Detected {
				t.Errorf("%s not detected in 200 seeds from %d", bug, off)
			}
			found = append(found, r.SeedsToDetect)
		}
		t.Logf("%s median seeds-to-detect %d", bug, median(found))
		if m := median(found); m > 20 {
			t.Errorf("%s: median seeds-to-detect %d over %d offsets, want <= 20", bug, m, len(found))
		}
		if clean == 0 {
			continue
		}
		runs, fails, err := CleanSweep(bug, HuntOptions{MaxSeeds: clean, StartSeed: 1, Parallel: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s switch off: %d runs, %d failures", bug, runs, len(fails))
		for _, f := range fails {
			t.Errorf("false positive: %s (%v)", f.Command, f.Failing)
		}
	}
}

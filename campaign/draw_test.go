package campaign

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// A drawn run replays byte for byte from its seed and from its run
// directory, whose scenario.json is the drawn configuration.
func TestDrawnRunReplays(t *testing.T) {
	explore, err := scenario.ByName("explore")
	if err != nil {
		t.Fatal(err)
	}
	const seed = 2
	a, err := simrun.Execute(explore, seed, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := simrun.Execute(explore, seed, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Result.TraceHash != b.Result.TraceHash {
		t.Fatalf("seed %d: trace %s then %s", seed, a.Result.TraceHash, b.Result.TraceHash)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := rundir.Write(dir, a, rundir.PlotsAll); err != nil {
		t.Fatal(err)
	}
	_, s, err := rundir.LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Draw || (s.Workload == "" && len(s.Mix) == 0) {
		t.Fatalf("the run directory's scenario is not the drawn configuration: %s", s.JSON())
	}
	r, err := Repro(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Matches() {
		t.Fatalf("repro from the run directory: trace %s, want %s", r.Got, r.Want)
	}
	again := filepath.Join(t.TempDir(), "again")
	if err := rundir.Write(again, r.Outcome, rundir.PlotsAll); err != nil {
		t.Fatal(err)
	}
	h1, _ := os.ReadFile(filepath.Join(dir, rundir.HistoryFile))
	h2, _ := os.ReadFile(filepath.Join(again, rundir.HistoryFile))
	if len(h1) == 0 || !bytes.Equal(h1, h2) {
		t.Fatalf("history of the replay differs (%d vs %d bytes)", len(h1), len(h2))
	}
}

// A mix runs several case studies on one ensemble; each is judged by its
// own checkers on its own workers' records.
func TestMixRunsEachWorkloadWithItsCheckers(t *testing.T) {
	s := scenario.Scenario{Name: "mix", Servers: 3, Duration: secs(8), Faults: []string{"kill"},
		Mix: []scenario.MixEntry{{Workload: "register", Clients: 2}, {Workload: "lock", Clients: 2}}}.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	o, err := simrun.Execute(s, 1, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range o.Check.Children {
		got[c.Name] = true
		if c.Valid != 1 { // checker.Valid
			t.Errorf("%s: %v", c.Name, c.Valid)
		}
	}
	for _, want := range []string{"register/linearizable", "register/zxid-order", "lock/lock", "sessions", "liveness"} {
		if !got[want] {
			t.Errorf("no %s verdict (have %v)", want, got)
		}
	}
	procs := map[string]map[int]bool{}
	for _, op := range o.Result.History {
		if op.IsClient() {
			g := "register"
			if op.Process >= scenario.GroupProcessStride {
				g = "lock"
			}
			if procs[g] == nil {
				procs[g] = map[int]bool{}
			}
			procs[g][op.Process] = true
			if (g == "lock") != (op.F == "acquire" || op.F == "release" || op.F == "lost") {
				t.Fatalf("op %d (%s) of process %d is in the %s group", op.Index, op.F, op.Process, g)
			}
		}
	}
	if len(procs["register"]) == 0 || len(procs["lock"]) == 0 {
		t.Fatalf("processes by group: %v", procs)
	}
	for name, bad := range map[string]scenario.Scenario{
		"twice":         {Name: "m", Servers: 3, Mix: []scenario.MixEntry{{Workload: "lock"}, {Workload: "lock"}}},
		"with workload": {Name: "m", Servers: 3, Workload: "lock", Mix: []scenario.MixEntry{{Workload: "lock"}, {Workload: "bank"}}},
		"unknown":       {Name: "m", Servers: 3, Mix: []scenario.MixEntry{{Workload: "lock"}, {Workload: "nope"}}},
		"one":           {Name: "m", Servers: 3, Mix: []scenario.MixEntry{{Workload: "lock"}}},
	} {
		if err := bad.Defaults().Validate(); err == nil {
			t.Errorf("%s: a bad mix validated", name)
		}
	}
}

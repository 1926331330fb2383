package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Every seed draws a valid configuration, the same one every time, and
// seeds draw different ones.
func TestDrawnConfigurationsAreValidAndStable(t *testing.T) {
	explore, err := ByName("explore")
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]bool{}
	for seed := uint64(1); seed <= 500; seed++ {
		d := explore.Drawn(seed).Defaults()
		if d.Draw || d.Name != "explore" {
			t.Fatalf("seed %d: drawn scenario %+v is still a recipe or renamed", seed, d)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("seed %d draws an invalid configuration: %v\n%s", seed, err, d.JSON())
		}
		if again := explore.Drawn(seed).Defaults(); !reflect.DeepEqual(d, again) {
			t.Fatalf("seed %d draws two configurations", seed)
		}
		if d.SessionTimeout.D().Milliseconds() < 10*d.TickTimeMS {
			t.Fatalf("seed %d: session timeout %v under 10 ticks of %d ms (the sessions checker's bound)", seed, d.SessionTimeout.D(), d.TickTimeMS)
		}
		shapes[d.summary()] = true
	}
	if len(shapes) < 490 {
		t.Fatalf("500 seeds drew only %d distinct configurations", len(shapes))
	}
}

// A drawn run replays byte for byte from its seed and from its run
// directory, whose scenario.json is the drawn configuration.
func TestDrawnRunReplays(t *testing.T) {
	explore, err := ByName("explore")
	if err != nil {
		t.Fatal(err)
	}
	const seed = 2
	a, err := Execute(explore, seed, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Execute(explore, seed, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Result.TraceHash != b.Result.TraceHash {
		t.Fatalf("seed %d: trace %s then %s", seed, a.Result.TraceHash, b.Result.TraceHash)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := WriteRun(dir, a, nil); err != nil {
		t.Fatal(err)
	}
	_, s, err := LoadRun(dir)
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
	if err := WriteRun(again, r.Outcome, nil); err != nil {
		t.Fatal(err)
	}
	h1, _ := os.ReadFile(filepath.Join(dir, HistoryFile))
	h2, _ := os.ReadFile(filepath.Join(again, HistoryFile))
	if len(h1) == 0 || !bytes.Equal(h1, h2) {
		t.Fatalf("history of the replay differs (%d vs %d bytes)", len(h1), len(h2))
	}
}

// A mix runs several case studies on one ensemble; each is judged by its
// own checkers on its own workers' records.
func TestMixRunsEachWorkloadWithItsCheckers(t *testing.T) {
	s := Scenario{Name: "mix", Servers: 3, Duration: secs(8), Faults: []string{"kill"},
		Mix: []MixEntry{{Workload: "register", Clients: 2}, {Workload: "lock", Clients: 2}}}.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	o, err := Execute(s, 1, Options{}, nil)
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
			if op.Process >= groupProcessStride {
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
	for name, bad := range map[string]Scenario{
		"twice":         {Name: "m", Servers: 3, Mix: []MixEntry{{Workload: "lock"}, {Workload: "lock"}}},
		"with workload": {Name: "m", Servers: 3, Workload: "lock", Mix: []MixEntry{{Workload: "lock"}, {Workload: "bank"}}},
		"unknown":       {Name: "m", Servers: 3, Mix: []MixEntry{{Workload: "lock"}, {Workload: "nope"}}},
		"one":           {Name: "m", Servers: 3, Mix: []MixEntry{{Workload: "lock"}}},
	} {
		if err := bad.Defaults().Validate(); err == nil {
			t.Errorf("%s: a bad mix validated", name)
		}
	}
}

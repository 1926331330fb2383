package simrun

import (
	"slices"
	"testing"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
)

// zabRepro is a shrunk reproduction of one replication-level bug switch:
// with the switch the run fails (want names a checker that must be among
// the failing ones), with every switch off it passes.
type zabRepro struct {
	bug        string
	scenario   scenario.Scenario
	catalogued string // instead of scenario: a catalogue scenario by name
	seed       uint64
	want       string
}

func dur(d time.Duration) scenario.Duration { return scenario.Duration(d) }

// zabRepros were found by `zabsim hunt --bug B` (its shrinker) and, where
// noted, shortened by hand; each is a few simulated seconds to a minute.
var zabRepros = []zabRepro{
	{bug: "zk-4646", seed: 1, want: "durability", scenario: scenario.Scenario{
		Name: "repro-zk-4646", Servers: 3, Workload: "durability", Clients: 1,
		Duration: secs(16), HealedTail: secs(8), SyncLatency: millis(250),
		// Shrunk from bug-zk-4646 (38 → 5 steps), moved earlier by hand.
		Schedule: "2s kill s1\n4s kill all\n4.5s restart s1,s2\n6s kill all\n6.0625s restart s1,s3\n7s heal"}},
	{bug: "zk-3642", seed: 1, want: "durability", scenario: scenario.Scenario{
		Name: "repro-zk-3642", Servers: 3, Workload: "durability",
		Duration: secs(20), HealedTail: secs(8), SnapCount: 200,
		// Shrunk from bug-zk-3642 (36 → 7 steps).
		Schedule: "2s kill s1\n7s kill s2,s3\n7.0375s restart s2,s3\n9.5s restart s1\n9.73s kill leader\n12s kill s1\n12.03125s restart all"}},
	{bug: "zk-2845", seed: 2, want: "zab-invariants", scenario: scenario.Scenario{
		Name: "repro-zk-2845", Servers: 3, Workload: "register",
		Duration: dur(12500 * time.Millisecond), HealedTail: dur(4166666666),
		// Shrunk from bug-zk-2845 (19 → 6 steps).
		Schedule: "3s start partition isolate-leader\n3.125s stop partition\n3.15s kill leader\n3.2s disk slow all 1.5s\n5s restart all\n8.333333334s heal"}},
	{bug: "zk-1549", seed: 2, want: "zab-invariants", scenario: scenario.Scenario{
		Name: "repro-zk-1549", Servers: 3, Workload: "register", Clients: 2,
		Duration: dur(12500 * time.Millisecond), HealedTail: dur(4166666666),
		// Shrunk from bug-zk-1549 (19 → 6 steps).
		Schedule: "3s start partition isolate-leader\n3.125s stop partition\n3.15s kill leader\n3.2s disk slow all 1.5s\n5s restart all\n7.1s disk reset"}},
	// Issue 5's bank case: the bank checker itself sees the phantom
	// transfer (the full bug-zk-1549-bank scenario, seed 3).
	{bug: "zk-1549", seed: 3, want: "bank", catalogued: "bug-zk-1549-bank"},
	{bug: "zk-1154", seed: 1, want: "zab-invariants", scenario: scenario.Scenario{
		Name: "repro-zk-1154", Servers: 3, Workload: "register", Clients: 1,
		Duration: dur(7500 * time.Millisecond), HealedTail: dur(2500 * time.Millisecond),
		// Shrunk from bug-zk-1154 (9 → 2 steps): the old leader returns
		// into the new epoch holding txns it logged alone.
		Schedule: "3s start partition isolate-leader\n3.875s stop partition"}},
	{bug: "zk-2355", seed: 1, want: "zab-invariants", scenario: scenario.Scenario{
		Name: "repro-zk-2355", Servers: 3, Workload: "register", Clients: 1,
		Duration: dur(3750 * time.Millisecond), HealedTail: dur(1250 * time.Millisecond),
		// Shrunk from bug-zk-2355 (7 → 2 steps): s1's link breaks with a
		// PROPOSAL in flight; it rejoins claiming it and the DIFF skips it.
		Schedule: "2.219s start partition isolate-node s1\n2.5s heal"}},
	{bug: "sync-no-quorum", seed: 3, want: "linearizable", scenario: scenario.Scenario{
		Name: "repro-sync-no-quorum", Servers: 3, Workload: "register", Clients: 3,
		Duration: secs(36), HealedTail: secs(8), SessionTimeout: secs(20),
		// Two rounds of bug-sync-no-quorum (the shrinker keeps most of
		// the 12); a sync+read at the resumed, slow-clocked old leader
		// returns a version older than a CAS the new leader acknowledged.
		Schedule: "3s clock rate leader 0.02\n3s pause leader\n3s start partition isolate-leader\n7.5s resume all\n12s stop partition\n12s clock reset\n" +
			"15s clock rate leader 0.02\n15s pause leader\n15s start partition isolate-leader\n19.5s resume all\n24s stop partition\n24s clock reset"}},
}

// Each shrunk repro fails, deterministically, with its switch and passes
// with every switch off: the switch, not the schedule, makes the failure.
func TestZabBugReprosFailOnlyWithTheirSwitch(t *testing.T) {
	for _, r := range zabRepros {
		t.Run(r.bug+"/"+r.want, func(t *testing.T) {
			on := executeRepro(t, r, []string{r.bug})
			if on.Check.Valid == checker.Valid {
				t.Fatalf("seed %d with %s: valid, want a violation", r.seed, r.bug)
			}
			failing := rundir.FailingCheckers(on.Check)
			if !slices.Contains(failing, r.want) {
				t.Fatalf("seed %d with %s: failing checkers %v, want %s among them", r.seed, r.bug, failing, r.want)
			}
			again := executeRepro(t, r, []string{r.bug})
			if again.Result.TraceHash != on.Result.TraceHash {
				t.Fatalf("the repro is not deterministic: trace hashes %s and %s", on.Result.TraceHash, again.Result.TraceHash)
			}
			off := executeRepro(t, r, nil)
			if off.Check.Valid != checker.Valid {
				t.Fatalf("seed %d with every switch off: %v failed (%v)", r.seed, rundir.FailingCheckers(off.Check), off.Check.Valid)
			}
		})
	}
}

func executeRepro(t *testing.T, r zabRepro, bugs []string) *rundir.Outcome {
	t.Helper()
	s := r.scenario
	if r.catalogued != "" {
		var err error
		if s, err = scenario.ByName(r.catalogued); err != nil {
			t.Fatal(err)
		}
	}
	o, err := Execute(s, r.seed, Options{Bugs: bugs})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Every replication-level switch added to the catalogue has a hunting
// scenario that names a workload and a nemesis schedule, and passes
// validation (the catalogue's init panics otherwise).
func TestZabBugScenariosAreHuntable(t *testing.T) {
	for _, bug := range []string{"zk-4646", "zk-3642", "zk-2845", "zk-1549", "zk-1154", "sync-no-quorum"} {
		scs, err := scenario.BugScenarios(bug)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scs {
			if s.Workload == "" || (s.Schedule == "" && len(s.Faults) == 0) {
				t.Fatalf("%s: scenario %s lacks a workload or a nemesis", bug, s.Name)
			}
		}
	}
}

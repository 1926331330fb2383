package simrun

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
)

// serverBugRepros are the shrunk repros of the server-level bug switches:
// each fails with its switch on (the named checker among the failing ones)
// and passes with every switch off. They pin the switches' triggers; the
// hunting scenarios in bugscenarios_server.go are their long forms, and
// docs/bugs.md quotes how fast `zabsim hunt` finds each.
var serverBugRepros = []struct {
	bug     string
	seed    uint64
	catches string // a checker that must fail with the switch on
	s       scenario.Scenario
}{
	// The lock repro is pinned at a seed that is clean with the switch off;
	// a fast leader clock can break the lock recipe by itself on other seeds
	// (see fastLeaderClock), so lock is not among the hunting scenarios.
	{bug: "zk-1208", seed: 1, catches: "lock", s: scenario.Scenario{Name: "repro-zk-1208-lock",
		Servers: 3, Workload: "lock", Clients: 3, Duration: secs(12), HealedTail: secs(5), SyncLatency: millis(100),
		Schedule: "1s clock rate leader 8\n6s clock reset\n7s heal"}},
	// Shrunk by `zabsim hunt --bug zk-1208` (10 runs) from bug-zk-1208;
	// seed 2 since learners revalidate sessions they do not know yet.
	{bug: "zk-1208", seed: 2, catches: "election", s: scenario.Scenario{Name: "repro-zk-1208-election",
		Servers: 3, Workload: "election", Clients: 1, Duration: scenario.Duration(7500 * time.Millisecond), HealedTail: millis(2500),
		SyncLatency: millis(100), Schedule: "2s clock rate leader 8\n5s heal"}},
	{bug: "zk-1208", seed: 1, catches: "liveness", s: scenario.Scenario{Name: "repro-zk-1208-registry",
		Servers: 3, Workload: "registry", Clients: 4, Duration: secs(12), HealedTail: secs(5), SyncLatency: millis(100),
		Schedule: "1s clock rate leader 8\n6s clock reset\n7s heal"}},
	// Shrunk by `zabsim hunt --bug zk-1367` (12 runs) from bug-zk-1367: one
	// broker, one whole-cluster restart.
	{bug: "zk-1367", seed: 1, catches: "liveness", s: scenario.Scenario{Name: "repro-zk-1367",
		Servers: 3, Workload: "registry", Clients: 1, Duration: secs(8), HealedTail: scenario.Duration(2666666666),
		Schedule: "4s kill all\n5333333334ns heal"}},
	// Shrunk by `zabsim hunt --bug zk-1046` (16 runs) from bug-zk-1046.
	{bug: "zk-1046", seed: 1, catches: "sequential", s: scenario.Scenario{Name: "repro-zk-1046",
		Servers: 3, Workload: "sequential", Clients: 1, Duration: secs(8), HealedTail: scenario.Duration(2666666666), SnapCount: 25,
		Schedule: "4s kill all\n4062500us restart all"}},
	// Shrunk by `zabsim hunt --bug zk-1366` (60 runs) from bug-zk-1366:
	// 66 clock steps down to the first 12. Seed 1 since learners
	// revalidate sessions they do not know yet.
	{bug: "zk-1366", seed: 1, catches: "lock", s: scenario.Scenario{Name: "repro-zk-1366",
		Servers: 3, Workload: "lock", Clients: 8, Duration: secs(30), HealedTail: secs(8),
		Schedule: clockSteps(2000, 5000, 250, "2200ms")}},
	// Shrunk by `zabsim hunt --bug setwatches-stale-zxid` (21 runs) from
	// bug-setwatches-stale-zxid: one kill of s1, whose watchers resume on
	// s2/s3 having missed a change of topic-0.
	{bug: "setwatches-stale-zxid", seed: 1, catches: "config", s: scenario.Scenario{Name: "repro-setwatches-stale-zxid",
		Servers: 3, Workload: "config", Clients: 6, Duration: scenario.Duration(3500 * time.Millisecond), HealedTail: scenario.Duration(1166666666),
		Schedule: "2s kill s1\n2333333334ns heal"}},
}

// clockSteps steps the leader's wall clock by delta every everyMS from
// fromMS (inclusive) to toMS (exclusive).
func clockSteps(fromMS, toMS, everyMS int, delta string) string {
	var b strings.Builder
	for at := fromMS; at < toMS; at += everyMS {
		fmt.Fprintf(&b, "%dms clock jump leader %s\n", at, delta)
	}
	return b.String()
}

func TestServerBugReprosFailOnlyWithTheirSwitch(t *testing.T) {
	for _, c := range serverBugRepros {
		t.Run(c.s.Name, func(t *testing.T) {
			s := c.s.Defaults()
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			on, err := Execute(s, c.seed, Options{Bugs: []string{c.bug}})
			if err != nil {
				t.Fatal(err)
			}
			if failing := rundir.FailingCheckers(on.Check); on.Check.Valid != checker.Invalid || !slices.Contains(failing, c.catches) {
				t.Errorf("seed %d with %s: verdict %v (failing %v), want %s to find a violation", c.seed, c.bug, on.Check.Valid, failing, c.catches)
			}
			off, err := Execute(s, c.seed, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !off.Valid() {
				t.Errorf("seed %d with every switch off: %v (failing %v): a false positive", c.seed, off.Check.Valid, rundir.FailingCheckers(off.Check))
			}
			if on.Result.TraceHash == off.Result.TraceHash {
				t.Errorf("the switch changed nothing in the run (trace %s)", on.Result.TraceHash)
			}
		})
	}
}

// TestServerBugScenariosAreCatalogued checks each server-level switch has
// hunting scenarios in the catalogue and out of the default suite.
func TestServerBugScenariosAreCatalogued(t *testing.T) {
	for _, b := range []string{"setwatches-stale-zxid", "zk-1046", "zk-1208", "zk-1366", "zk-1367"} {
		scs, err := scenario.BugScenarios(b)
		if err != nil || len(scs) == 0 {
			t.Fatalf("%s: no hunting scenario (%v)", b, err)
		}
		for _, s := range scs {
			if inSuite(t, "default", s.Name) {
				t.Errorf("%s is in the default suite", s.Name)
			}
		}
	}
}

package simrun

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/sim"
)

// The runner's own verdicts fail when they must and pass otherwise.
func TestRunnerVerdictsCanFail(t *testing.T) {
	if r := scenario.Liveness([]string{"c1"}, nil)(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with an unfinished worker: %+v", r)
	}
	if r := scenario.Liveness([]string{"c1", "c2"}, []string{"c2"})(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with one stuck and one cut-off worker: %+v", r)
	}
	if r := scenario.Liveness([]string{"c1"}, []string{"c1"})(nil); r.Valid != checker.Unknown || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with a cut-off worker only: %+v", r)
	}
	if r := scenario.Liveness(nil, nil)(nil); r.Valid != checker.Valid {
		t.Fatalf("liveness with every worker done: %+v", r)
	}
	if r := invariantChecker([]string{"node 1 committed 1:5 after 1:3: gap in epoch 1"})(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("zab invariants with a violation: %+v", r)
	}
	if r := invariantChecker(nil)(nil); r.Valid != checker.Valid {
		t.Fatalf("zab invariants without violations: %+v", r)
	}
	// End to end: a run whose workers cannot finish fails liveness.
	s := scenario.Scenario{Name: "stuck", Servers: 1, Workload: "register", Duration: secs(6),
		Schedule: "1s kill all\n"}.Defaults()
	o, err := Execute(s, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var live checker.Result
	for _, c := range o.Check.Children {
		if c.Name == "liveness" {
			live = c
		}
	}
	if live.Valid != checker.Invalid {
		t.Fatalf("a server killed for good must fail liveness: %+v", live)
	}
}

// TestLivenessCutOffIsUnknown: a final phase still completing reads when
// its time runs out is reported unknown (cut off), not a liveness failure;
// given the time — the default extension while workers progress, or the
// default final phase — the same run passes.
func TestLivenessCutOffIsUnknown(t *testing.T) {
	s := scenario.Scenario{Name: "cut-off", Servers: 3, Workload: "durability", Clients: 4, Duration: secs(8)}.Defaults()
	verdictExt := func(final, ext time.Duration) checker.Result {
		o, err := Execute(s, 1, Options{FinalTimeout: final, FinalExtension: ext})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range o.Check.Children {
			if c.Name == "liveness" {
				return c
			}
		}
		t.Fatal("no liveness verdict")
		return checker.Result{}
	}
	if r := verdictExt(20*time.Millisecond, -1); r.Valid != checker.Unknown || r.Counts["cut-off"] == 0 {
		t.Fatalf("a final phase cut off after 20 ms: %+v", r)
	}
	if r := verdictExt(20*time.Millisecond, 0); r.Valid != checker.Valid {
		t.Fatalf("the same final phase, extended while its workers progress: %+v", r)
	}
	if r := verdictExt(0, 0); r.Valid != checker.Valid {
		t.Fatalf("the same run with the default final phase: %+v", r)
	}
}

// TestKillOfADownServerIsANoOp: the supervisor may leave a corrupt member
// down; a later "kill all" must count it killed, not abort the run ("crash
// s2: not up" ended an exploration run), and "restart all" brings it back.
func TestKillOfADownServerIsANoOp(t *testing.T) {
	s := scenario.Scenario{Name: "down", Servers: 3, Workload: "register", Duration: secs(6)}.Defaults()
	c, err := scenario.Compile(s, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := build(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.w.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := r.w.Crash("s2", sim.CrashKeepAll); err != nil { // as the supervisor does
		t.Fatal(err)
	}
	if err := r.host.Kill("s2", nemesis.CrashLoseUnsynced); err != nil {
		t.Fatalf("kill of a server that is down: %v", err)
	}
	if err := r.host.Restart("s2"); err != nil || !r.w.Running("s2") {
		t.Fatalf("restart after it: %v (running %v)", err, r.w.Running("s2"))
	}
}

// TestCorruptMemberClearedOnlyUnderALeader: s1 is cut off while s2 and s3
// commit writes; s3's log is corrupt when it restarts and s2 is down. The
// supervisor must not clear s3 before a leader serves: cleared at once, its
// empty vote let the stale s1 lead and acknowledged writes were lost
// (durability and zab-invariants failed). It waits until s2 is back and a
// leader with every committed txn serves.
func TestCorruptMemberClearedOnlyUnderALeader(t *testing.T) {
	s := scenario.Scenario{Name: "wipe-under-leader", Servers: 3, Workload: "durability", Clients: 2, Duration: secs(20), HealedTail: secs(6),
		Schedule: "1s disk corrupt s3\n1s start partition isolate-node s1\n4s kill s3\n4s kill s2\n" +
			"4500ms restart s3\n4500ms stop partition\n10s restart s2\n12s heal"}.Defaults()
	o, err := Execute(s, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Valid() {
		t.Fatalf("invalid: %s", rundir.DescribeFailures(o.Check))
	}
	wiped := false
	for _, op := range o.Result.History {
		if op.IsNemesis() && op.F == "wipe" {
			wiped = true
			if op.Time < int64(10*time.Second) {
				t.Fatalf("s3 cleared at %v, before s2 was back and a leader served", time.Duration(op.Time))
			}
		}
	}
	if !wiped {
		t.Fatal("s3 was never cleared: the test no longer reaches the supervisor's remedy")
	}
}

// TestCorruptObserverIsCleared: after the supervisor cleared a voter (s2),
// a corrupt observer (s4) is cleared too — observers do not vote, so the
// bound on cleared members counts voters only. Left down, it failed the
// durability workload's final reads (liveness).
func TestCorruptObserverIsCleared(t *testing.T) {
	s := scenario.Scenario{Name: "observer-wipe", Servers: 3, Observers: 1, Workload: "durability", Clients: 2, Duration: secs(16), HealedTail: secs(5),
		Schedule: "2s disk corrupt s2\n2s kill s2\n2500ms restart s2\n7s disk corrupt s4\n7s kill s4\n7500ms restart s4\n11s heal"}.Defaults()
	o, err := Execute(s, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Valid() {
		t.Fatalf("invalid: %s", rundir.DescribeFailures(o.Check))
	}
	wiped := map[string]bool{}
	for _, op := range o.Result.History {
		if op.IsNemesis() && op.F == "wipe" {
			var v history.NemesisValue
			if err := json.Unmarshal(op.Value, &v); err != nil {
				t.Fatal(err)
			}
			for _, n := range v.Nodes {
				wiped[n] = true
			}
		}
	}
	if !wiped["s2"] || !wiped["s4"] {
		t.Fatalf("cleared %v, want s2 and then s4: the test no longer reaches the supervisor's remedy", wiped)
	}
}

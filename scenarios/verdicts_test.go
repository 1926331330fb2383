package scenarios

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/checker"
)

// The runner's own verdicts fail when they must and pass otherwise.
func TestRunnerVerdictsCanFail(t *testing.T) {
	if r := livenessChecker([]string{"c1"}, nil)(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with an unfinished worker: %+v", r)
	}
	if r := livenessChecker([]string{"c1", "c2"}, []string{"c2"})(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with one stuck and one cut-off worker: %+v", r)
	}
	if r := livenessChecker([]string{"c1"}, []string{"c1"})(nil); r.Valid != checker.Unknown || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with a cut-off worker only: %+v", r)
	}
	if r := livenessChecker(nil, nil)(nil); r.Valid != checker.Valid {
		t.Fatalf("liveness with every worker done: %+v", r)
	}
	if r := invariantChecker([]string{"node 1 committed 1:5 after 1:3: gap in epoch 1"})(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("zab invariants with a violation: %+v", r)
	}
	if r := invariantChecker(nil)(nil); r.Valid != checker.Valid {
		t.Fatalf("zab invariants without violations: %+v", r)
	}
	// End to end: a run whose workers cannot finish fails liveness.
	s := Scenario{Name: "stuck", Servers: 1, Workload: "register", Duration: secs(6),
		Schedule: "1s kill all\n"}.Defaults()
	o, err := Execute(s, 1, Options{}, nil)
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
// given the time, the same run passes.
func TestLivenessCutOffIsUnknown(t *testing.T) {
	s := Scenario{Name: "cut-off", Servers: 3, Workload: "durability", Clients: 4, Duration: secs(8)}.Defaults()
	verdict := func(final time.Duration) checker.Result {
		o, err := Execute(s, 1, Options{FinalTimeout: final}, nil)
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
	if r := verdict(20 * time.Millisecond); r.Valid != checker.Unknown || r.Counts["cut-off"] == 0 {
		t.Fatalf("a final phase cut off after 20 ms: %+v", r)
	}
	if r := verdict(0); r.Valid != checker.Valid {
		t.Fatalf("the same run with the default final phase: %+v", r)
	}
}

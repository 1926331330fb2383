package scenarios

import (
	"testing"

	"github.com/zabsim/zabsim/checker"
)

// The runner's own verdicts fail when they must and pass otherwise.
func TestRunnerVerdictsCanFail(t *testing.T) {
	if r := livenessChecker([]string{"c1"})(nil); r.Valid != checker.Invalid || len(r.Anomalies) != 1 {
		t.Fatalf("liveness with an unfinished worker: %+v", r)
	}
	if r := livenessChecker(nil)(nil); r.Valid != checker.Valid {
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

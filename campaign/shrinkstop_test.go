package campaign

import (
	"strings"
	"testing"

	"github.com/zabsim/zabsim/scenario"
)

// TestShrinkSaysWhyItStopped: a shrink that runs out of runs says so, one
// that is interrupted says so and still returns its smallest failing run,
// and either way the shrunk run comes with its timeline (the failing
// window of its linearizability failure).
func TestShrinkSaysWhyItStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shrinks")
	}
	s, err := scenario.ByName("bug-sync-no-quorum")
	if err != nil {
		t.Fatal(err)
	}
	bugs := []string{"sync-no-quorum"}
	spent, err := Shrink(s, 1, bugs, ShrinkOptions{MaxRuns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !spent.BudgetSpent || spent.Interrupted || spent.Runs != 2 {
		t.Errorf("2-run budget: spent=%v interrupted=%v runs=%d", spent.BudgetSpent, spent.Interrupted, spent.Runs)
	}
	if len(spent.Timeline) == 0 || strings.Contains(string(spent.Timeline), "skipped") {
		t.Errorf("the shrunk run has no timeline")
	}
	asked := 0
	stopped, err := Shrink(s, 1, bugs, ShrinkOptions{MaxRuns: 200, Stop: func() bool { asked++; return asked > 3 }})
	if err != nil {
		t.Fatal(err)
	}
	if !stopped.Interrupted || stopped.BudgetSpent || stopped.Runs != 3 {
		t.Errorf("stopped after 3 runs: interrupted=%v spent=%v runs=%d", stopped.Interrupted, stopped.BudgetSpent, stopped.Runs)
	}
	if stopped.Outcome == nil || stopped.Outcome.Valid() {
		t.Fatalf("an interrupted shrink lost its failing run")
	}
}

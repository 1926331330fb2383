package scenario

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/study"
)

// CheckerNames lists the known checkers, sorted: every study's (package
// studies).
func CheckerNames() []string { return studies.CheckerNames() }

// newChecker builds the named checker for a run of s.
func newChecker(name string, s Scenario, viz io.Writer) (checker.Checker, error) {
	c, err := studies.Checker(name)
	if err != nil {
		return nil, err
	}
	return c.New(study.Params{SessionTimeout: s.SessionTimeout.D(), Visualization: viz}), nil
}

// defaultCheckers names a workload's checkers: its study's, in order.
func defaultCheckers(workload string) []string {
	st, err := studies.ByName(workload)
	if err != nil {
		return nil
	}
	names := make([]string, len(st.Checkers))
	for i, c := range st.Checkers {
		names[i] = c.Name
	}
	return names
}

// needsTxns reports whether a study of the run asks the recorder for the
// quorum's committed txns.
func (s Scenario) NeedsTxns() bool {
	groups, err := s.Groups()
	if err != nil {
		return false
	}
	for _, g := range groups {
		if st, err := studies.ByName(g.Workload); err == nil && st.NeedsTxns {
			return true
		}
	}
	return false
}

// RunCheckerNames lists the checkers that judge every simulated run
// besides the scenario's own (a live run gets liveness only).
func RunCheckerNames() []string { return []string{"sessions", "zab-invariants", "liveness"} }

// Checkers returns the checker names a scenario uses.
func (s Scenario) CheckerList() ([]string, error) {
	names := s.Checkers
	if len(names) == 0 {
		names = defaultCheckers(s.Workload)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("workload %q has no default checkers; name them in the scenario", s.Workload)
	}
	for _, n := range names {
		if _, err := studies.Checker(n); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// Liveness fails a run whose workers did not finish their final phase
// after the faults healed. Workers that were still completing operations
// when the run's time ran out (progressing) were cut off, not stuck: if all
// unfinished workers were, the verdict is unknown (the final phase needed
// more time than the scenario gives it, e.g. under a high offered load).
func Liveness(unfinished, progressing []string) checker.Checker {
	return func([]history.Op) checker.Result {
		r := checker.Result{Name: "liveness", Valid: checker.Valid, Counts: map[string]int{"unfinished": len(unfinished), "cut-off": len(progressing)}}
		var stuck []string
		for _, w := range unfinished {
			if !slices.Contains(progressing, w) {
				stuck = append(stuck, w)
			}
		}
		switch {
		case len(stuck) > 0:
			r.Valid = checker.Invalid
			r.Anomalies = append(r.Anomalies, checker.Anomaly{Kind: "no-progress-after-heal",
				Explanation: fmt.Sprintf("workers %s did not finish their final phase after the faults healed", strings.Join(stuck, ", "))})
		case len(progressing) > 0:
			r.Valid = checker.Unknown
			r.Anomalies = append(r.Anomalies, checker.Anomaly{Kind: "final-phase-cut-off",
				Explanation: fmt.Sprintf("workers %s were still completing operations (the last within %v of the end) when the final phase's time ran out: cut off, not stuck; lower the load or lengthen the run", strings.Join(progressing, ", "), ProgressWindow)})
		}
		return r
	}
}

// ProgressWindow is how recently an unfinished worker must have completed
// an operation, at the end of a run, to count as cut off rather than stuck.
const ProgressWindow = time.Second

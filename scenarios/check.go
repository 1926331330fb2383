package scenarios

import (
	"fmt"
	"io"
	"slices"
	"strings"

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
func (s Scenario) needsTxns() bool {
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

// Check judges a run with the scenario's checkers plus the online Zab
// invariants the run recorded. viz, if not nil, receives Porcupine's HTML
// visualization.
func Check(s Scenario, res *Result, viz io.Writer) (checker.Result, error) {
	cs, err := workloadCheckers(s, viz)
	if err != nil {
		return checker.Result{}, err
	}
	// sessions judges every run: the recorder writes the quorum's session
	// closings into the history.
	cs = append(cs, checker.Sessions(), invariantChecker(res.Invariants), livenessChecker(res.Unfinished, res.Progressing))
	return checker.Compose(s.Name, res.History, cs...), nil
}

// invariantChecker reports the online Zab invariant violations as a checker.
func invariantChecker(violations []string) checker.Checker {
	return func([]history.Op) checker.Result {
		r := checker.Result{Name: "zab-invariants", Valid: checker.Valid, Counts: map[string]int{"violations": len(violations)}}
		for _, v := range violations {
			r.Valid = checker.Invalid
			r.Anomalies = append(r.Anomalies, checker.Anomaly{Kind: "zab-invariant", Explanation: v})
		}
		return r
	}
}

// livenessChecker fails a run whose workers did not finish their final phase
// after the faults healed. Workers that were still completing operations
// when the run's time ran out (progressing) were cut off, not stuck: if all
// unfinished workers were, the verdict is unknown (the final phase needed
// more time than the scenario gives it, e.g. under a high offered load).
func livenessChecker(unfinished, progressing []string) checker.Checker {
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
				Explanation: fmt.Sprintf("workers %s were still completing operations (the last within %v of the end) when the final phase's time ran out: cut off, not stuck; lower the load or lengthen the run", strings.Join(progressing, ", "), progressWindow)})
		}
		return r
	}
}

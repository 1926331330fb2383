package scenario

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// checkerFactory builds a named checker for a scenario; viz receives
// Porcupine's visualization where the checker has one.
type checkerFactory func(s Scenario, viz io.Writer) checker.Checker

// scenarioPorcupineTimeout bounds each per-key Porcupine search of a run.
const scenarioPorcupineTimeout = 90 * time.Second

var checkerCatalog = map[string]checkerFactory{
	"linearizable": func(s Scenario, viz io.Writer) checker.Checker {
		// Porcupine runs only on keys the zxid fast path cannot order; a
		// few heavy histories (bug-sync-no-quorum's, ~900 ops on a key with
		// many indeterminate writes) need 20-40 s on a loaded 2-core
		// machine, and a timeout is an unknown verdict, never a pass.
		return checker.Linearizable(checker.LinearOptions{Timeout: scenarioPorcupineTimeout, Visualization: viz})
	},
	"zxid-order": func(Scenario, io.Writer) checker.Checker { return checker.ZxidOrder() },
	"election":   func(Scenario, io.Writer) checker.Checker { return checker.Election() },
	"registry": func(s Scenario, _ io.Writer) checker.Checker {
		// A dead broker may linger for its session timeout plus the
		// expiry bucket and the watch round trip.
		return checker.Registry(checker.RegistryOptions{DetectionBound: 2*s.SessionTimeout.D() + 2*time.Second})
	},
	"config":     func(Scenario, io.Writer) checker.Checker { return checker.Config(checker.ConfigOptions{}) },
	"lock":       func(Scenario, io.Writer) checker.Checker { return checker.Lock() },
	"sequential": func(Scenario, io.Writer) checker.Checker { return checker.Sequential() },
	"bank":       func(Scenario, io.Writer) checker.Checker { return checker.Bank(checker.BankOptions{}) },
	"durability": func(Scenario, io.Writer) checker.Checker { return checker.Durability() },
	"stats":      func(Scenario, io.Writer) checker.Checker { return checker.Stats(checker.StatsOptions{}) },
	"api":        func(Scenario, io.Writer) checker.Checker { return checker.API() },
}

// defaultCheckers are each workload's checkers.
var defaultCheckers = map[string][]string{
	"api":        {"api", "zxid-order", "stats"},
	"register":   {"linearizable", "zxid-order", "stats"},
	"election":   {"election", "zxid-order", "stats"},
	"registry":   {"registry", "zxid-order", "stats"},
	"config":     {"config", "zxid-order", "stats"},
	"lock":       {"lock", "stats"},
	"sequential": {"sequential", "zxid-order", "stats"},
	"bank":       {"bank", "stats"},
	"durability": {"durability", "stats"},
}

// CheckerNames lists the known checkers, sorted.
func CheckerNames() []string {
	out := make([]string, 0, len(checkerCatalog))
	for k := range checkerCatalog {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// RunCheckerNames lists the checkers that judge every simulated run
// besides the scenario's own (a live run gets liveness only).
func RunCheckerNames() []string { return []string{"sessions", "zab-invariants", "liveness"} }

// Checkers returns the checker names a scenario uses.
func (s Scenario) CheckerList() ([]string, error) {
	names := s.Checkers
	if len(names) == 0 {
		names = defaultCheckers[s.Workload]
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("workload %q has no default checkers; name them in the scenario", s.Workload)
	}
	for _, n := range names {
		if _, ok := checkerCatalog[n]; !ok {
			return nil, fmt.Errorf("unknown checker %q (known: %s)", n, strings.Join(CheckerNames(), ", "))
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

package scenario

import (
	"fmt"
	"strings"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/studies"
)

// MixEntry is one case study of a mixed scenario: its workload and how
// many clients run it, all against the same ensemble.
type MixEntry struct {
	Workload string `json:"workload"`
	Clients  int    `json:"clients,omitempty"` // 0: the workload's default
}

// Group is one workload's share of a run's clients: workers c<First+1> to
// c<First+Clients>, whose history process numbers start at ProcessBase.
type Group struct {
	Workload    string
	Clients     int
	First       int // index of the group's first worker among all workers
	ProcessBase int
}

// GroupProcessStride separates the process numbers of a mix's groups: a
// worker's numbers are its group's base plus index plus incarnation strides
// (workloads.WorkerConfig.ProcessBase), far below a billion in any run.
const GroupProcessStride = 1_000_000_000

// Groups lists the run's workload groups: the scenario's one workload, or
// its mix in order.
func (s Scenario) Groups() ([]Group, error) {
	entries := s.Mix
	if len(entries) == 0 {
		entries = []MixEntry{{Workload: s.Workload, Clients: s.Clients}}
	}
	var out []Group
	first := 0
	for i, e := range entries {
		wl, err := studies.Workload(e.Workload)
		if err != nil {
			return nil, err
		}
		n := e.Clients
		if n == 0 {
			n = wl.Workers()
		}
		base := 0
		if len(s.Mix) > 0 {
			base = i * GroupProcessStride
		}
		out = append(out, Group{Workload: e.Workload, Clients: n, First: first, ProcessBase: base})
		first += n
	}
	return out, nil
}

// HasWorkload reports whether the scenario runs the named workload, alone
// or in its mix.
func (s Scenario) HasWorkload(name string) bool {
	if s.Workload == name {
		return true
	}
	for _, e := range s.Mix {
		if e.Workload == name {
			return true
		}
	}
	return false
}

// mixEntries names the scenario's workloads: its mix's, or its workload.
func (s Scenario) mixEntries() []string {
	if len(s.Mix) == 0 {
		return []string{s.Workload}
	}
	out := make([]string, len(s.Mix))
	for i, e := range s.Mix {
		out[i] = e.Workload
	}
	return out
}

// validateMix reports what is wrong with a mix.
func (s Scenario) validateMix(bad func(field, format string, args ...any)) {
	if len(s.Mix) == 0 {
		return
	}
	if s.Workload != "" || s.Clients != 0 || len(s.Checkers) > 0 {
		bad("mix", "replaces workload, clients and checkers: give either a mix or those")
	}
	if len(s.Mix) < 2 || len(s.Mix) > 8 {
		bad("mix", "must list 2 to 8 workloads, got %d", len(s.Mix))
	}
	seen := map[string]bool{}
	for i, e := range s.Mix {
		field := fmt.Sprintf("mix[%d]", i)
		if _, err := studies.ByName(e.Workload); err != nil {
			bad(field, "unknown workload %q (known: %s)", e.Workload, strings.Join(studies.Names(), ", "))
		}
		if seen[e.Workload] {
			bad(field, "workload %q appears twice (each case study uses its own znodes once)", e.Workload)
		}
		seen[e.Workload] = true
		if e.Clients < 0 || e.Clients > 50 {
			bad(field, "clients must be between 1 and 50, got %d", e.Clients)
		}
	}
}

// groupChecker runs a workload's checker on its group's part of the
// history (its workers' records, and every nemesis and cluster record),
// under the name "<workload>/<checker>".
func groupChecker(g Group, name string, c checker.Checker) checker.Checker {
	return func(ops []history.Op) checker.Result {
		part := history.Filter(ops, func(o history.Op) bool {
			return !o.IsClient() || (o.Process >= g.ProcessBase && o.Process < g.ProcessBase+GroupProcessStride)
		})
		r := c(part)
		r.Name = g.Workload + "/" + name
		return r
	}
}

// checkerNames lists each group's workload checkers by name: the
// scenario's list (or its workload's defaults) for a single workload, each
// group's defaults for a mix.
func (s Scenario) checkerNames(groups []Group) ([][]string, error) {
	if len(s.Mix) == 0 {
		names, err := s.CheckerList()
		if err != nil {
			return nil, err
		}
		return [][]string{names}, nil
	}
	out := make([][]string, 0, len(groups))
	for _, g := range groups {
		names := defaultCheckers(g.Workload)
		if len(names) == 0 {
			return nil, fmt.Errorf("workload %q has no default checkers", g.Workload)
		}
		out = append(out, names)
	}
	return out, nil
}

package scenario

import (
	"io"
	"slices"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/workloads"
)

// Compiled is a scenario turned into typed values once, for one seed: what
// a run builds its world, workers, nemesis and checkers from. Nothing in it
// is parsed again.
type Compiled struct {
	// Scenario is the configuration that runs: the seed's drawn one for a
	// recipe, defaults filled, Bugs the merged bug set.
	Scenario Scenario
	Seed     uint64
	// Bugs are the bug switches on in every server: validated names,
	// sorted, each once (the scenario's and the run's extra ones).
	Bugs []string
	// Groups are the workloads and their clients, in order.
	Groups []Group
	// Schedule is the explicit nemesis schedule (empty when Kinds are
	// planned from the seed, or the scenario has no faults).
	Schedule nemesis.Schedule
	// Kinds are the fault families planned from the seed.
	Kinds []nemesis.Kind
	// SkipOps are the api operations every worker draws but skips.
	SkipOps []workloads.OpRange
	// checkers are the workload checkers' names: the scenario's list for a
	// single workload, each group's defaults for a mix.
	checkers [][]string
}

// Compile draws the configuration seed gives s (when s is a recipe), fills
// its defaults, merges extraBugs into its bug switches, validates it and
// parses it, once: faults, schedule, skipped operations, workloads and
// checkers come back typed.
func Compile(s Scenario, seed uint64, extraBugs []string) (*Compiled, error) {
	s = s.Drawn(seed).Defaults()
	p, err := s.parse()
	if err != nil {
		return nil, err
	}
	bugs := MergeBugs(s.Bugs, extraBugs)
	if err := CheckBugs(bugs); err != nil {
		return nil, err
	}
	s.Bugs = bugs
	c := &Compiled{Scenario: s, Seed: seed, Bugs: bugs, Schedule: p.schedule, Kinds: p.kinds, SkipOps: p.skipOps}
	if c.Groups, err = s.Groups(); err != nil {
		return nil, err
	}
	if c.checkers, err = s.checkerNames(c.Groups); err != nil {
		return nil, err
	}
	return c, nil
}

// Nodes names the compiled scenario's servers: voters, then observers,
// then spares.
func (c *Compiled) Nodes() []string {
	return NodeNames(c.Scenario.Servers + c.Scenario.Observers + c.Scenario.Spares)
}

// Members names the servers of the initial config: voters, then observers
// (the spares are outside it).
func (c *Compiled) Members() []string { return NodeNames(c.Scenario.Servers + c.Scenario.Observers) }

// WorkloadCheckers builds the run's workload checkers; viz receives
// Porcupine's visualization where a checker draws one.
func (c *Compiled) WorkloadCheckers(viz io.Writer) []checker.Checker {
	var cs []checker.Checker
	mix := len(c.Scenario.Mix) > 0
	for i, names := range c.checkers {
		for _, n := range names {
			ch, err := newChecker(n, c.Scenario, viz)
			if err != nil {
				panic(err) // Compile checked every name
			}
			if mix {
				ch = groupChecker(c.Groups[i], n, ch)
			}
			cs = append(cs, ch)
		}
	}
	return cs
}

// HasFaults reports whether the run's nemesis has faults of kind k:
// planned from the seed, or steps of the explicit schedule.
func (c *Compiled) HasFaults(k nemesis.Kind) bool {
	if slices.Contains(c.Kinds, k) {
		return true
	}
	return slices.ContainsFunc(c.Schedule.Steps, func(st nemesis.Step) bool { return st.Action != nil && st.Action.Kind() == k })
}

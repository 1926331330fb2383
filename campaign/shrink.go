package campaign

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
	"github.com/zabsim/zabsim/studies"
)

// ShrinkOptions bound a shrink.
type ShrinkOptions struct {
	MaxRuns int // simulated runs at most (default 200)
	Log     func(format string, args ...any)
	// Stop, if set, is asked before every run; once it says true the
	// shrink tries nothing more and returns the smallest failing run found
	// so far, marked Interrupted (an interrupt must not throw it away).
	Stop func() bool
}

// ShrinkResult is the smallest failing run found.
type ShrinkResult struct {
	Outcome   *rundir.Outcome
	Runs      int
	Original  scenario.Scenario
	Scenario  scenario.Scenario
	Failing   []string
	StepsFrom int
	StepsTo   int
	// BudgetSpent says the shrink stopped at MaxRuns with candidates left
	// untried: more runs might shrink it further.
	BudgetSpent bool
	// Interrupted says Stop ended the shrink early.
	Interrupted bool
	// Timeline is Porcupine's HTML (timeline.html) of the smallest run.
	Timeline []byte
}

// Shrink reduces a failing run: it makes the nemesis schedule explicit,
// delta-debugs its steps (dropping each with its matching stop), shortens
// fault windows, cuts api operations (cutOps), then halves the client
// count and the duration, keeping
// every change after which the same checkers still fail.
func Shrink(s scenario.Scenario, seed uint64, bugs []string, opts ShrinkOptions) (*ShrinkResult, error) {
	if opts.MaxRuns == 0 {
		opts.MaxRuns = 200
	}
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	first, err := simrun.Execute(s, seed, simrun.Options{Bugs: bugs})
	if err != nil {
		return nil, err
	}
	if first.Valid() {
		return nil, fmt.Errorf("scenario %s seed %d passes: nothing to shrink", s.Name, seed)
	}
	sh := &shrinker{seed: seed, bugs: bugs, want: rundir.FailingCheckers(first.Check), max: opts.MaxRuns, logf: logf, stop: opts.Stop}
	cur := s.Defaults()
	cur.Bugs = first.Result.Scenario.Bugs
	cur.Schedule, cur.Faults = first.Result.Schedule.String(), nil
	best := first
	res := &ShrinkResult{Original: s, Failing: sh.want, StepsFrom: len(first.Result.Schedule.Steps)}
	cur, best = sh.dropSteps(cur, best)
	cur, best = sh.shortenFaults(cur, best)
	cur, best = sh.cutOps(cur, best)
	cur, best = sh.halve(cur, best)
	res.Outcome, res.Scenario, res.Runs = best, cur, sh.runs
	res.BudgetSpent, res.Interrupted = sh.exhausted && !sh.interrupted, sh.interrupted
	sched, _ := nemesis.Parse(cur.Schedule)
	res.StepsTo = len(sched.Steps)
	// The smallest run again, drawing its timeline (the runs that tried
	// candidates did not: Porcupine's drawing costs more than the run).
	// Same scenario and seed: the same run.
	if o, err := simrun.Execute(cur, seed, simrun.Options{Timeline: true}); err == nil && o.Result.TraceHash == best.Result.TraceHash {
		res.Timeline = o.Timeline
	}
	return res, nil
}

type shrinker struct {
	seed uint64
	bugs []string
	want []string
	runs int
	max  int
	logf func(string, ...any)
	stop func() bool
	// exhausted: a candidate went untried for want of runs; interrupted:
	// stop said so.
	exhausted, interrupted bool
}

// fails runs a candidate and reports whether every originally failing
// checker still fails.
func (sh *shrinker) fails(s scenario.Scenario) (*rundir.Outcome, bool) {
	if sh.interrupted || (sh.stop != nil && sh.stop()) {
		sh.interrupted = true
		return nil, false
	}
	if sh.runs >= sh.max {
		sh.exhausted = true
		return nil, false
	}
	sh.runs++
	if s.Validate() != nil {
		return nil, false
	}
	o, err := simrun.Execute(s, sh.seed, simrun.Options{})
	if err != nil {
		return nil, false
	}
	got := map[string]bool{}
	for _, f := range rundir.FailingCheckers(o.Check) {
		got[f] = true
	}
	for _, w := range sh.want {
		if !got[w] {
			return nil, false
		}
	}
	return o, true
}

func (sh *shrinker) dropSteps(cur scenario.Scenario, best *rundir.Outcome) (scenario.Scenario, *rundir.Outcome) {
	for changed := true; changed; {
		changed = false
		sched, err := nemesis.Parse(cur.Schedule)
		if err != nil {
			return cur, best
		}
		for i := len(sched.Steps) - 1; i >= 0; i-- {
			cand := sched.Drop(i)
			if len(cand.Steps) == len(sched.Steps) {
				continue
			}
			c := cur
			c.Schedule = cand.String()
			if o, ok := sh.fails(c); ok {
				sh.logf("dropped step %d (%s): still fails", i, sched.Steps[i])
				cur, best, changed = c, o, true
				break
			}
		}
	}
	return cur, best
}

func (sh *shrinker) shortenFaults(cur scenario.Scenario, best *rundir.Outcome) (scenario.Scenario, *rundir.Outcome) {
	sched, err := nemesis.Parse(cur.Schedule)
	if err != nil {
		return cur, best
	}
	for i := range sched.Steps {
		for k := 0; k < 4; k++ {
			cand, ok := sched.ShortenFault(i)
			if !ok {
				break
			}
			c := cur
			c.Schedule = cand.String()
			o, fails := sh.fails(c)
			if !fails {
				break
			}
			sh.logf("shortened fault at step %d: still fails", i)
			cur, best, sched = c, o, cand
		}
	}
	return cur, best
}

// halve tries fewer clients and a shorter run.
func (sh *shrinker) halve(cur scenario.Scenario, best *rundir.Outcome) (scenario.Scenario, *rundir.Outcome) {
	for len(cur.Mix) == 0 && (cur.Clients == 0 || cur.Clients > 1) {
		c := cur
		n := cur.Clients
		if n == 0 {
			n = defaultClients(cur.Workload)
		}
		if n <= 1 {
			break
		}
		c.Clients = n / 2
		o, ok := sh.fails(c)
		if !ok {
			break
		}
		sh.logf("clients %d → %d: still fails", n, c.Clients)
		cur, best = c, o
	}
	for cur.Duration.D() > 4*time.Second {
		c := cur
		c.Duration = scenario.Duration(cur.Duration.D() / 2)
		c.HealedTail = scenario.Duration(min(cur.HealedTail.D(), c.Duration.D()/3))
		sched, err := nemesis.Parse(cur.Schedule)
		if err != nil {
			break
		}
		c.Schedule = sched.Truncate(c.Duration.D() - c.HealedTail.D()).String()
		o, ok := sh.fails(c)
		if !ok {
			break
		}
		sh.logf("duration %v → %v: still fails", cur.Duration.D(), c.Duration.D())
		cur, best = c, o
	}
	return cur, best
}

func defaultClients(workload string) int {
	wl, err := studies.Workload(workload)
	if err != nil {
		return 0
	}
	return wl.Workers()
}

// ShrunkDir is where the shrunk run of run directory src goes by default:
// beside it (a latest link resolved to its timestamped directory), as
// SRC-shrunk, or SRC-shrunk-2, ... when that is taken.
func ShrunkDir(src string) string {
	src = filepath.Clean(src)
	if real, err := filepath.EvalSymlinks(src); err == nil {
		src = real // store/runs/S/latest → its timestamped directory
	}
	return rundir.FreeDir(src + "-shrunk")
}

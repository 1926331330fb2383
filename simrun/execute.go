package simrun

import (
	"bytes"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
)

// Execute compiles, runs and checks one scenario with one seed: the
// outcome a run directory is written from (rundir.Write). With
// opts.Timeline it also draws timeline.html.
func Execute(s scenario.Scenario, seed uint64, opts Options) (*rundir.Outcome, error) {
	start := time.Now()
	c, err := scenario.Compile(s, seed, opts.Bugs)
	if err != nil {
		return nil, err
	}
	res, err := run(c, opts)
	if err != nil {
		return nil, err
	}
	var viz *bytes.Buffer
	if opts.Timeline {
		viz = &bytes.Buffer{}
	}
	chk := check(c, res, viz)
	o := &rundir.Outcome{Result: res, Check: chk}
	if viz != nil {
		if viz.Len() == 0 {
			// No linearizability checker drew one: draw the plain timeline.
			if err := rundir.HistoryTimeline(res.History, viz); err != nil {
				return nil, err
			}
		}
		o.Timeline = viz.Bytes()
	}
	o.Summary = rundir.Summarize(res, chk, time.Since(start))
	return o, nil
}

// check judges a run with the scenario's checkers, the sessions checker
// (the recorder writes the quorum's session closings into the history),
// the online Zab invariants the run recorded and liveness. viz, if not
// nil, receives Porcupine's HTML visualization.
func check(c *scenario.Compiled, res *rundir.Result, viz *bytes.Buffer) checker.Result {
	var cs []checker.Checker
	if viz != nil {
		cs = c.WorkloadCheckers(viz)
	} else {
		cs = c.WorkloadCheckers(nil)
	}
	cs = append(cs, checker.Sessions(), invariantChecker(res.Invariants), scenario.Liveness(res.Unfinished, res.Progressing))
	return checker.Compose(c.Scenario.Name, res.History, cs...)
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

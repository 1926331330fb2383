package liverun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/reports"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/server/bugs"
)

// Options configure Run.
type Options struct {
	Target cluster.Target
	// Nodes is the ensemble size; 0 means the scenario's servers.
	Nodes int
	// Duration replaces the scenario's duration; the healed tail and an
	// explicit schedule's step times scale with it, a planned schedule is
	// planned for it. 0 keeps the scenario's.
	Duration time.Duration
	// Seed plans the nemesis schedule (the simulator's plan for the same
	// scenario, seed and duration) and seeds the workers' choices. The run
	// itself follows the wall clock and is not reproducible.
	Seed uint64
	// Dir is the run directory; the cluster's data, configs and server
	// logs go to Dir/cluster, the workers' logs to Dir/workers.log. It
	// must not exist or be empty (a live run never starts its servers on
	// an earlier run's data); a run that ends without a verdict (an error,
	// cancellation) removes it again.
	Dir string
	// ZabsimBin is the zabsim binary (cluster.TargetZabsim).
	ZabsimBin string
	// Bugs are zabsim bug switches added to the scenario's (cluster.TargetZabsim).
	Bugs []string
	// StartTimeout bounds the cluster's start (default: the cluster's).
	StartTimeout time.Duration
	// BasePort gives the nodes fixed ports from it on (cluster.Options.BasePort).
	BasePort int
	// Logf receives progress lines; nil discards.
	Logf func(format string, args ...any)
	// OnCluster, if set, is called once the cluster serves, before any
	// worker starts (tests watch its process groups).
	OnCluster func(*cluster.Cluster)
	// Command is how to run this again, for the summary and report;
	// empty means a zabsim live command line built from the options.
	Command string
	// Invocation is the full command line that started the run, for the
	// summary (empty for a library call).
	Invocation string

	_ struct{}
}

// ErrBadInput marks errors in the scenario or options (exit 2), as
// opposed to a run that could not be carried out.
var ErrBadInput = errors.New("live: bad input")

// Note is the summary's and report's statement that a live run is not
// reproducible.
const Note = "live run against real processes on the wall clock: the seed fixes the nemesis schedule and " +
	"the workers' choices, not the interleaving, so the history cannot be reproduced by seed (no trace hash)"

// Run runs scenario s against a real cluster: it starts the cluster,
// runs the scenario's workers in this process over go-zookeeper/zk, applies
// the nemesis schedule at wall-clock times, finishes with the healed final
// phase, stops every process and checks the history with the scenario's
// checkers. It writes the run directory (summary.json, history.jsonl,
// nemesis.txt, plots, timeline.html, index.html) and returns the outcome.
// Every process it started is stopped when it returns, also on error and
// when ctx is cancelled (cancellation returns ctx's error and no verdict).
func Run(ctx context.Context, s scenario.Scenario, opts Options) (*rundir.Outcome, error) {
	c, err := liveScenario(s, opts)
	if err != nil {
		return nil, err
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Dir == "" {
		return nil, fmt.Errorf("%w: Options.Dir is required", ErrBadInput)
	}
	// The server processes run in their own directories: they are handed
	// absolute paths only.
	if opts.Dir, err = filepath.Abs(opts.Dir); err != nil {
		return nil, fmt.Errorf("%w: run directory: %v", ErrBadInput, err)
	}
	if err := rundir.CheckFreshDir(opts.Dir); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	sched, rng, err := c.PlanSchedule(c.Nodes()) // observers follow the voters, as in the simulator
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	exec, err := nemesis.NewExecutor(sched, rng)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	d, err := newDriver(c, opts, sched)
	if err != nil {
		return nil, err
	}
	wallStart := time.Now()
	runErr := func() error {
		defer d.stop() // every process and session, whatever happened
		return d.run(ctx, exec)
	}()
	var o *rundir.Outcome
	if runErr == nil {
		o, runErr = d.judge(time.Since(wallStart))
	}
	if runErr != nil {
		// No verdict: leave no half-written run directory (the error
		// carries the servers' log tails when they would not start).
		if err := os.RemoveAll(opts.Dir); err != nil {
			opts.Logf("live: remove the unfinished run directory: %v", err)
		}
		return nil, runErr
	}
	return o, nil
}

// liveScenario applies the options to the scenario, checks what the live
// tier supports and compiles it.
func liveScenario(s scenario.Scenario, opts Options) (*scenario.Compiled, error) {
	s = s.Drawn(opts.Seed).Defaults()
	if _, err := cluster.ParseTarget(string(opts.Target)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	if opts.Nodes != 0 {
		s.Servers = opts.Nodes
	}
	if err := cluster.CheckSize(s.Servers, s.Observers); err != nil {
		return nil, fmt.Errorf("%w: scenario %s: %v", ErrBadInput, s.Name, err)
	}
	if s.Reconfig || s.Spares > 0 {
		// Live clusters start without reconfigEnabled, spares or the
		// operator's super user (issue 19's live half).
		return nil, fmt.Errorf("%w: scenario %s runs with dynamic reconfiguration, which the live tier does not start yet", ErrBadInput, s.Name)
	}
	if opts.Duration < 0 {
		return nil, fmt.Errorf("%w: negative duration", ErrBadInput)
	}
	if opts.Duration != 0 && opts.Duration != s.Duration.D() {
		var err error
		if s, err = scaleScenario(s, opts.Duration); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
		}
	}
	s.Bugs = scenario.MergeBugs(s.Bugs, opts.Bugs)
	if opts.Target == cluster.TargetZooKeeper && len(s.Bugs) > 0 {
		return nil, fmt.Errorf("%w: bug switches (%s) exist only in zabsim servers", ErrBadInput, strings.Join(s.Bugs, ", "))
	}
	for _, b := range s.Bugs {
		if !slices.Contains(bugs.Names(), b) {
			return nil, fmt.Errorf("%w: unknown bug switch %q (see zabsim list)", ErrBadInput, b)
		}
	}
	c, err := scenario.Compile(s, opts.Seed, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	return c, nil
}

// scaleScenario stretches s to duration d: the healed tail and an explicit
// schedule's step times scale by the same factor; planned faults keep
// their gap and length bounds (a fault window means the same at any run
// length) and are planned over the new duration.
func scaleScenario(s scenario.Scenario, d time.Duration) (scenario.Scenario, error) {
	f := float64(d) / float64(s.Duration.D())
	s.HealedTail = scenario.Duration(float64(s.HealedTail.D()) * f)
	s.Duration = scenario.Duration(d)
	if s.Schedule == "" {
		return s, nil
	}
	sched, err := nemesis.Parse(s.Schedule)
	if err != nil {
		return s, err
	}
	for i := range sched.Steps {
		sched.Steps[i].At = time.Duration(float64(sched.Steps[i].At) * f).Round(time.Millisecond)
	}
	s.Schedule = sched.String()
	return s, nil
}

// judge checks the history with the scenario's workload checkers and
// liveness, and writes the run directory. There are no online Zab
// invariants: the servers are other processes (another implementation, for
// ZooKeeper), so the run is judged by its history alone.
func (d *driver) judge(wall time.Duration) (*rundir.Outcome, error) {
	ops, roles := d.rec.finish()
	var viz bytes.Buffer
	chk := check(d.c, ops, d.unfinished, &viz)
	if viz.Len() == 0 {
		if err := rundir.HistoryTimeline(ops, &viz); err != nil {
			return nil, err
		}
	}
	span := float64(d.end) / 1e9
	res := &rundir.Result{Scenario: d.s, Seed: d.opts.Seed, Bugs: d.s.Bugs, History: ops, Schedule: d.sched,
		Roles: roles, SimNS: int64(d.end), Unfinished: d.unfinished}
	cmd := d.command()
	o := &rundir.Outcome{Result: res, Check: chk, Timeline: viz.Bytes(), Summary: rundir.Summary{
		RunSummary: reports.RunSummary{Scenario: d.s.Name, Seed: d.opts.Seed, Bugs: d.s.Bugs,
			TraceHash: "none (live run)", Valid: chk.Valid, Checkers: chk.Children, Ops: reports.CountOps(ops),
			SimSeconds: span, WallSeconds: wall.Seconds(),
			Repro: "not reproducible by seed (" + Note + "); to run it again: " + cmd},
		Command: cmd, Invocation: d.opts.Invocation,
		Live: &rundir.LiveInfo{Target: string(d.opts.Target), Nodes: d.s.Servers, Observers: d.s.Observers,
			Note: Note},
	}}
	if err := rundir.Write(d.opts.Dir, o, rundir.PlotsAll); err != nil {
		return nil, err
	}
	return o, nil
}

// check judges a live history with the scenario's workload checkers and
// liveness; viz receives Porcupine's visualization where a checker draws
// one.
func check(c *scenario.Compiled, ops []history.Op, unfinished []string, viz io.Writer) checker.Result {
	cs := append(c.WorkloadCheckers(viz), scenario.Liveness(unfinished, nil))
	return checker.Compose(c.Scenario.Name, ops, cs...)
}

// command is the zabsim live command line for this run.
func (d *driver) command() string {
	if d.opts.Command != "" {
		return d.opts.Command
	}
	parts := []string{"zabsim live", "--target", string(d.opts.Target), "--servers", fmt.Sprint(d.s.Servers),
		"--scenario", d.s.Name, "--duration", d.s.Duration.D().String(), "--seed", fmt.Sprint(d.opts.Seed)}
	for _, b := range d.opts.Bugs {
		parts = append(parts, "--bug", b)
	}
	return strings.Join(parts, " ")
}

// clusterDir is where the cluster's files go inside a run directory.
func clusterDir(runDir string) string { return filepath.Join(runDir, "cluster") }

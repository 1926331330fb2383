package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/crosscheck"
	"github.com/zabsim/zabsim/liverun"
	"github.com/zabsim/zabsim/rundir"
)

// liveFlags are `zabsim live`'s flags.
type liveFlags struct {
	target, scenario, file string
	of                     outFlags
	nodes                  int
	duration               time.Duration
	seed                   uint64
	bugs                   []string
	quiet                  bool
	crosscheck             bool // instead of a scenario: the cross-check
	crossOps               int
	basePort               int
}

func newLiveCmd() *cobra.Command {
	var f liveFlags
	cmd := &cobra.Command{
		Use:   "live",
		Short: "Run a scenario's workload, nemesis schedule and checkers against real processes",
		Long: `live starts a real ensemble on 127.0.0.1 — zabsim server processes or Apache
ZooKeeper 3.8 JVMs (Debian's zookeeper package) — runs the scenario's workers
in this process over go-zookeeper/zk, applies the nemesis schedule planned from
the seed with real faults (SIGKILL, SIGSTOP, TCP proxies, libfaketime), and
checks the history with the scenario's checkers. The run directory has the
same files as a simulated run, plus the servers' files under cluster/; it goes
into the results store (store/live/TARGET/SCENARIO/TIMESTAMP-seed-N, a new one
every run, store/latest links to the newest) or exactly to --out, which must not
exist or be empty (--force replaces an earlier run there). The servers always
start empty. A live history follows the wall clock: the seed fixes the schedule
and the workers' choices, not the interleaving, so it cannot be reproduced by
seed. Every process is stopped on exit, also on Ctrl-C.

With --crosscheck, live instead sends one seeded op sequence (--ops, --seed)
to a standalone zabsim server and a standalone Apache ZooKeeper and diffs every
reply (the same as zabsim crosscheck).

Exit codes: 0 valid, 1 a checker found a violation (or could not decide, or
the run was interrupted), 2 bad usage or input (or the cluster could not run).`,
		Example: `  zabsim live --target zabsim --servers 3 --scenario register-partition --duration 60s
  zabsim live --target zookeeper --scenario lock-pause --duration 30s --seed 7 --out out/live/lock
  zabsim live --crosscheck --ops 10000 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.crosscheck {
				if f.scenario != "" || f.file != "" {
					return usagef("--crosscheck takes no scenario")
				}
				return runCrossCheck(cmd, crosscheck.Options{Ops: f.crossOps, Seed: f.seed}, !f.quiet)
			}
			return runLive(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "zabsim", "servers to test: zabsim or zookeeper")
	fl.IntVar(&f.nodes, "servers", 0, "voting servers, 1..7, as a scenario's servers: field (default the scenario's)")
	alias(fl, "nodes", "servers")
	fl.StringVar(&f.scenario, "scenario", "", "built-in scenario name (see zabsim list)")
	fl.StringVar(&f.file, "scenario-file", "", "scenario file (.json, .yaml; its fields: docs/scenario-files.md)")
	fl.DurationVar(&f.duration, "duration", 0, "run length, as a scenario's duration: field; the schedule is planned (or scaled) for it (default the scenario's)")
	alias(fl, "time", "duration")
	fl.Uint64Var(&f.seed, "seed", 1, "seed that plans the nemesis schedule and the workers' choices")
	fl.StringArrayVar(&f.bugs, "bug", nil, "turn a zabsim bug switch on in every server (repeatable; zabsim target only)")
	f.of.register(fl, "run")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr")
	fl.BoolVar(&f.crosscheck, "crosscheck", false, "cross-check zabsim against Apache ZooKeeper instead of running a scenario")
	fl.IntVar(&f.crossOps, "ops", 10000, "with --crosscheck: length of the op sequence")
	fl.IntVar(&f.basePort, "base-port", 0, "give the servers the ports from this one on, 3 per server (client, quorum, election), for a firewall's fixed range (default: free ports)")
	return cmd
}

func runLive(cmd *cobra.Command, f liveFlags) error {
	target, err := cluster.ParseTarget(f.target)
	if err != nil {
		return usageError{err}
	}
	if f.nodes < 0 || f.nodes > 7 {
		return usagef("--servers must be between 1 and 7, got %d", f.nodes)
	}
	if f.duration < 0 {
		return usagef("--duration must be positive, got %v", f.duration)
	}
	if f.basePort != 0 && (f.basePort < 1024 || f.basePort > 65535-3*7) {
		return usagef("--base-port must be between 1024 and %d, got %d", 65535-3*7, f.basePort)
	}
	s, err := loadScenario(f.scenario, f.file)
	if err != nil {
		return err
	}
	if err := checkBugs(f.bugs); err != nil {
		return err
	}
	if target == cluster.TargetZooKeeper {
		if err := cluster.ZooKeeperAvailable(); err != nil {
			return usagef("--target zookeeper: %v", err)
		}
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	if err := f.of.check(); err != nil {
		return err
	}
	out, err := f.of.dir(func(st rundir.Store) (string, error) { return st.LiveRunDir(string(target), s.Name, f.seed) })
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf := func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...) }
	if f.quiet {
		logf = nil
	}
	o, err := liverun.Run(ctx, s, liverun.Options{Target: target, Nodes: f.nodes, Duration: f.duration, Seed: f.seed,
		Dir: out, ZabsimBin: bin, Bugs: f.bugs, Logf: logf, Command: invocation(), Invocation: invocation(), BasePort: f.basePort})
	if err != nil {
		_ = os.Remove(out) // the store's new directory, if the run stopped before using it
	}
	switch {
	case errors.Is(err, liverun.ErrBadInput):
		return usageError{err}
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return violationError{"interrupted: every process stopped, no verdict"}
	case err != nil:
		return usageError{err}
	}
	f.of.markLatest(cmd, out)
	printLiveOutcome(cmd, out, o)
	if !o.Valid() {
		return violationError{fmt.Sprintf("live %s %s seed %d: %s", target, o.Summary.Scenario, f.seed, rundir.DescribeFailures(o.Check))}
	}
	return nil
}

func printLiveOutcome(cmd *cobra.Command, dir string, o *rundir.Outcome) {
	w := cmd.OutOrStdout()
	s := o.Summary
	size := fmt.Sprint(s.Live.Nodes)
	if s.Live.Observers > 0 {
		size += fmt.Sprintf("+%d observers", s.Live.Observers)
	}
	fmt.Fprintf(w, "live %s×%s %s seed %d: %s, ops: %d invoked, %d ok, %d fail, %d info; %d faults; %.1fs\n",
		s.Live.Target, size, s.Scenario, s.Seed, rundir.VerdictWord(s.Valid), s.Ops.Invoked, s.Ops.OK, s.Ops.Fail, s.Ops.Info,
		s.Ops.Nemesis, s.WallSeconds)
	for _, c := range s.Checkers {
		fmt.Fprintf(w, "  %-14s %s", c.Name, rundir.VerdictWord(c.Valid))
		if len(c.Anomalies) > 0 {
			fmt.Fprintf(w, " (%d anomalies; first: %s)", len(c.Anomalies), c.Anomalies[0].Explanation)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "run directory: %s\nnot reproducible by seed (wall clock, real processes); run again: %s\n", dir, s.Command)
}

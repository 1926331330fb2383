package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/campaign"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/simrun"
	"golang.org/x/term"
)

func newListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List scenarios, suites, workloads, checkers and bug switches",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, "Scenarios (zabsim run --scenario NAME):")
			for _, s := range scenario.All() {
				fmt.Fprintf(w, "  %-26s %-32s %s\n", s.Name, s.Shape(), s.Description)
			}
			fmt.Fprintln(w, "Bug-hunting scenarios (each re-creates a bug switch's trigger; with --bug SWITCH a checker fails, without it the run passes):")
			for _, s := range scenario.BugCatalog() {
				fmt.Fprintf(w, "  %-26s %-32s hunts %s: %s\n", s.Name, s.Shape(), strings.Join(scenario.BugsHuntedBy(s.Name), ", "), s.Description)
			}
			fmt.Fprintf(w, "Suites (zabsim suite --suite NAME): %s\n", strings.Join(scenario.SuiteNames(), ", "))
			printStudies(w)
			fmt.Fprintf(w, "Checkers (a scenario file's checkers:): %s\n", strings.Join(scenario.CheckerNames(), ", "))
			printCheckers(w)
			fmt.Fprintf(w, "Checkers of every run (besides the scenario's): %s\n", strings.Join(scenario.RunCheckerNames(), ", "))
			fmt.Fprintln(w, "Bug switches (--bug NAME):")
			for _, b := range bugs.All() {
				fmt.Fprintf(w, "  %-16s %s: %s → %s\n", b.Name, b.JIRA, b.Trigger, b.Symptom)
			}
			return nil
		},
	}
}

// loadScenario resolves --scenario or --scenario-file.
func loadScenario(name, file string) (scenario.Scenario, error) {
	if name != "" && file != "" {
		return scenario.Scenario{}, usagef("give --scenario or --scenario-file, not both")
	}
	if name == "" && file == "" {
		return scenario.Scenario{}, usagef("--scenario or --scenario-file is required (see `zabsim list`)")
	}
	s, err := scenario.Load(name, file)
	if err != nil {
		return s, usageError{err}
	}
	return s, nil
}

func newRunCmd() *cobra.Command {
	var name, file, logFile string
	var of outFlags
	var seed uint64
	var bugs []string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one scenario with one seed and check it",
		Long: `run runs one scenario with one seed in the simulator and checks it. The run
directory goes into the results store, as Jepsen's does: a new directory
store/runs/SCENARIO/TIMESTAMP-seed-N for every run (store/latest links to the
newest), never overwritten. --out DIR writes exactly DIR instead, which must not
exist or be empty; --force replaces an earlier run or suite directory there.

Exit codes: 0 valid, 1 a checker found a violation (or could not decide), 2 bad usage or input.`,
		Example: `  zabsim run --scenario register-partition --seed 7
  zabsim run --scenario-file my.yaml --seed 3 --bug zk-1208 --out out/mine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadScenario(name, file)
			if err != nil {
				return err
			}
			if err := checkBugs(bugs); err != nil {
				return err
			}
			if err := of.check(); err != nil {
				return err
			}
			opts := simrun.Options{Bugs: bugs, Timeline: true}
			if logFile != "" {
				f, err := os.Create(logFile)
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				opts.Log = f
			}
			o, err := simrun.Execute(s, seed, opts)
			if err != nil {
				return usageError{err}
			}
			out, err := of.dir(func(st rundir.Store) (string, error) { return st.RunDir(s.Name, seed) })
			if err != nil {
				return err
			}
			o.Summary.Invocation = invocation()
			if err := rundir.Write(out, o, rundir.PlotsAll); err != nil {
				return err
			}
			of.markLatest(cmd, out)
			printOutcome(cmd, out, o)
			if !o.Valid() {
				return violationError{fmt.Sprintf("%s seed %d: %s", s.Name, seed, rundir.DescribeFailures(o.Check))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "scenario", "", "built-in scenario name")
	cmd.Flags().StringVar(&file, "scenario-file", "", "scenario file (.json, .yaml; its fields: docs/scenario-files.md)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed that builds the whole run")
	cmd.Flags().StringArrayVar(&bugs, "bug", nil, "turn a bug switch on (repeatable)")
	of.register(cmd.Flags(), "run")
	cmd.Flags().StringVar(&logFile, "log", "", "write every simulated process's log lines and the servers' logs (elections, syncs, role changes, faults; with sim time) to this file")
	return cmd
}

func printOutcome(cmd *cobra.Command, dir string, o *rundir.Outcome) {
	w := cmd.OutOrStdout()
	s := o.Summary
	fmt.Fprintf(w, "%s seed %d: %s, trace %s, ops: %d invoked, %d ok, %d fail, %d info; %d faults; sim=%.1fs wall=%.2fs\n",
		s.Scenario, s.Seed, rundir.VerdictWord(s.Valid), s.TraceHash, s.Ops.Invoked, s.Ops.OK, s.Ops.Fail, s.Ops.Info, s.Ops.Nemesis, s.SimSeconds, s.WallSeconds)
	for _, c := range s.Checkers {
		fmt.Fprintf(w, "  %-14s %s", c.Name, rundir.VerdictWord(c.Valid))
		if len(c.Anomalies) > 0 {
			fmt.Fprintf(w, " (%d anomalies; first: %s)", len(c.Anomalies), c.Anomalies[0].Explanation)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "run directory: %s\nreproduce: zabsim repro %s   (or: %s)\n", dir, dir, s.Command)
}

func newSuiteCmd() *cobra.Command {
	var suite, seeds, shard, junit, plots, resume string
	var only []string
	var of outFlags
	var parallel int
	var bugs []string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "suite",
		Short: "Run a scenario suite over a seed range, in parallel across worlds",
		Long: `suite runs every scenario of a suite with every seed, several worlds at once,
and writes a suite directory: one run directory per run, suite.json, index.html
and, with --junit, JUnit XML. The suite directory goes into the results store: a
new directory store/suites/SUITE/TIMESTAMP for every suite (store/latest links
to the newest), never overwritten. --out DIR writes exactly DIR instead, which
must not exist or be empty; --force replaces an earlier suite directory there.

An interrupt (Ctrl-C, SIGTERM) starts no new run and lets the worlds in flight
finish (a second one discards them); suite.json, index.html and --junit are
written for the runs that finished, and zabsim exits 130. --resume DIR, with the
flags the suite was started with, continues it in DIR: the runs that finished
are kept, the rest are run, and the index, suite.json and --junit list them all.

Exit codes: 0 every run valid, 1 a run failed (or could not decide), 2 bad usage or input,
130 interrupted.`,
		Example: `  zabsim suite --suite default --seeds 1-100
  zabsim suite --scenario api-chaos --seeds 1-200 --reports failures   # one scenario over many seeds
  zabsim suite --suite default --seeds 1-100 --resume store/suites/default/latest   # after Ctrl-C
  zabsim suite --suite default --seeds 1-1000 --shard 3/8 --out out/shard-3   # one CI matrix job
  zabsim merge --out out/all out/shard-*                                       # then merge`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(only) > 0 && cmd.Flags().Changed("suite") {
				return usagef("give --suite or --scenario, not both")
			}
			scs, err := scenario.Select(suite, only)
			if err != nil {
				return usageError{err}
			}
			if len(only) > 0 {
				suite = strings.Join(only, "+")
			}
			seedList, err := campaign.ParseSeeds(seeds)
			if err != nil {
				return usageError{err}
			}
			i, n := 0, 1
			if shard != "" {
				if i, n, err = campaign.ParseShard(shard); err != nil {
					return usageError{err}
				}
			}
			if parallel < 1 {
				return usagef("--parallel must be at least 1, got %d", parallel)
			}
			if err := checkBugs(bugs); err != nil {
				return err
			}
			if plots != "all" && plots != "failures" {
				return usagef("--reports must be all or failures, not %q", plots)
			}
			out := resume
			if resume != "" {
				if out, err = checkResume(resume, of); err != nil {
					return err
				}
			} else {
				if err := of.check(); err != nil {
					return err
				}
				shardName := ""
				if n > 1 {
					shardName = fmt.Sprintf("%dof%d", i, n)
				}
				if out, err = of.dir(func(st rundir.Store) (string, error) { return st.SuiteDir(suite, shardName) }); err != nil {
					return err
				}
			}
			opts := campaign.SuiteOptions{Seeds: seedList, Parallel: parallel, Shard: i, Shards: n, Out: out, Bugs: bugs,
				PlotFailuresOnly: plots == "failures", Invocation: invocation(), Resume: resume != "",
				Resumed: func(kept, total int) {
					fmt.Fprintf(cmd.ErrOrStderr(), "zabsim: resuming %s: %d of %d runs finished before and are kept; running %d\n",
						out, kept, total, total-kept)
				}}
			total := campaign.ShardRuns(len(scs)*len(seedList), i, n)
			if !quiet {
				opts.Progress = progress(cmd, total)
			}
			stopSignals := interruptible(cmd, &opts)
			defer stopSignals()
			start := time.Now()
			entries, err := campaign.RunSuite(scs, opts)
			interrupted := errors.Is(err, campaign.ErrInterrupted)
			if errors.Is(err, campaign.ErrResumeMismatch) {
				return usageError{err}
			}
			if err != nil && !interrupted {
				return err
			}
			if err := writeSuiteReport(out, entries, junit); err != nil {
				return err
			}
			if resume != "" {
				// A suite of the store is its newest again; one elsewhere has no links.
				_ = rundir.Store{Root: of.store}.MarkLatest(out)
			} else {
				of.markLatest(cmd, out)
			}
			verdict := suiteVerdict(cmd, out, entries, time.Since(start))
			if interrupted {
				msg := fmt.Sprintf("interrupted: %d of %d runs finished; suite.json, index.html", len(entries), total)
				if junit != "" {
					msg += " and the JUnit XML"
				}
				return interruptedError{msg + " list them: " + filepath.Join(out, "index.html") +
					"\ncontinue it: " + resumeCommand(cliArgs, out)}
			}
			return verdict
		},
	}
	cmd.Flags().StringVar(&suite, "suite", "default", "suite name")
	cmd.Flags().StringArrayVar(&only, "scenario", nil, "run this scenario (built-in or bug-*) instead of a suite (repeatable)")
	cmd.Flags().StringVar(&seeds, "seeds", "1-10", "seeds: 1-100, 7, or 1,5,9-12")
	cmd.Flags().IntVar(&parallel, "parallel", defaultParallel(), "worlds to run at once")
	cmd.Flags().StringVar(&shard, "shard", "", "run only shard i of n (i/n), for CI matrices and indexed jobs")
	cmd.Flags().StringVar(&junit, "junit", "", "also write JUnit XML here")
	of.register(cmd.Flags(), "suite")
	cmd.Flags().StringArrayVar(&bugs, "bug", nil, "turn a bug switch on in every run (repeatable)")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	cmd.Flags().StringVar(&resume, "resume", "", "continue the interrupted suite in this directory (give the flags it was started with): finished runs are kept, the rest run")
	cmd.Flags().StringVar(&plots, "reports", "all", "plots for all runs, or only for failures (passing runs get a page without plots): all|failures")
	return cmd
}

// checkResume accepts --resume DIR: an existing suite directory
// (campaign.ResumeDir), and no --out or --force (the suite goes on where
// it is).
func checkResume(dir string, of outFlags) (string, error) {
	if of.out != "" || of.force {
		return "", usagef("--resume continues the suite in its own directory: give --resume DIR without --out or --force")
	}
	real, err := campaign.ResumeDir(dir)
	if err != nil {
		return "", usageError{err}
	}
	return real, nil
}

// resumeCommand is the suite's command line with --out, --force, --store
// and --resume replaced by --resume dir: what continues it.
func resumeCommand(args []string, dir string) string {
	var keep []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(a, "=")
		switch name {
		case "--out", "--store", "--resume":
			if !hasValue {
				i++ // the value is the next argument
			}
			continue
		case "--force":
			continue
		}
		keep = append(keep, a)
	}
	return "zabsim " + rundir.CommandLine(append(keep, "--resume", dir))
}

// interruptible makes Ctrl-C (or SIGTERM) end a suite cleanly: the first
// starts no new run and lets the worlds in flight finish, a second discards
// them; either way RunSuite returns the runs that finished. It returns the
// function that restores the default signal handling.
func interruptible(cmd *cobra.Command, opts *campaign.SuiteOptions) func() {
	stop, discard := make(chan struct{}), make(chan struct{})
	opts.Stop, opts.Discard = stop, discard
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "\nzabsim: interrupted: no new run starts; the worlds in flight finish (interrupt again to discard them)")
		close(stop)
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "zabsim: interrupted again: the worlds in flight are discarded")
		close(discard)
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// progress returns a progress callback: a bar with ETA on a terminal,
// plain lines otherwise.
func progress(cmd *cobra.Command, total int) func(done, total, failures int, e rundir.SuiteEntry) {
	w := cmd.ErrOrStderr()
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetDescription("runs"), progressbar.OptionClearOnFinish())
		return func(done, _ int, failures int, e rundir.SuiteEntry) {
			bar.Describe(fmt.Sprintf("runs (%d failing)", failures))
			_ = bar.Add(1)
		}
	}
	return func(done, total, failures int, e rundir.SuiteEntry) {
		status := "ok"
		if e.Error != "" {
			status = "error: " + e.Error
		} else if e.Failed() {
			status = "FAIL " + e.Failing
		}
		fmt.Fprintf(w, "[%d/%d, %d failing] %s seed %d: %s\n", done, total, failures, e.Scenario, e.Seed, status)
	}
}

func suiteVerdict(cmd *cobra.Command, out string, entries []rundir.SuiteEntry, wall time.Duration) error {
	w := cmd.OutOrStdout()
	var failed []rundir.SuiteEntry
	sim := 0.0
	for _, e := range entries {
		sim += e.SimSeconds
		if e.Failed() {
			failed = append(failed, e)
		}
	}
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].Scenario < failed[j].Scenario })
	if wall > 0 {
		fmt.Fprintf(w, "%d runs, %d failing, %.1f simulated s in %.1f wall s (%.0fx)\nreport: %s\n",
			len(entries), len(failed), sim, wall.Seconds(), sim/max(wall.Seconds(), 1e-9), filepath.Join(out, "index.html"))
	} else { // merge: the shards' own wall time is not known; the runs' is
		runWall := 0.0
		for _, e := range entries {
			runWall += e.WallSeconds
		}
		fmt.Fprintf(w, "%d runs, %d failing, %.1f simulated s in %.1f wall s of the runs themselves (%s per world)\nreport: %s\n",
			len(entries), len(failed), sim, runWall, speedText(sim, runWall), filepath.Join(out, "index.html"))
	}
	for _, e := range failed {
		msg := e.Failing
		if e.Error != "" {
			msg = "error: " + e.Error
		}
		fmt.Fprintf(w, "  FAIL %s seed %d: %s\n       %s\n", e.Scenario, e.Seed, msg, e.Repro)
	}
	if len(failed) > 0 {
		return violationError{fmt.Sprintf("%d of %d runs failed", len(failed), len(entries))}
	}
	return nil
}

// speedText is simulated seconds per wall second, or "?" when the wall
// time is too small to divide by.
func speedText(sim, wall float64) string {
	if wall < 1e-3 {
		return "?"
	}
	return fmt.Sprintf("%.0fx", sim/wall)
}

func newReproCmd() *cobra.Command {
	var logFile string
	cmd := &cobra.Command{
		Use:   "repro DIR",
		Short: "Re-run a run directory and require the same trace hash",
		Example: `  zabsim repro store/runs/register-partition/latest
  zabsim repro store/runs/register-partition/latest --log run.log   # every process's and server's log lines`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var log io.Writer
			if logFile != "" {
				f, err := os.Create(logFile)
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				log = f
			}
			r, err := campaign.ReproWith(args[0], log)
			if err != nil {
				return usageError{err}
			}
			w := cmd.OutOrStdout()
			if !r.Matches() {
				fmt.Fprintf(w, "REPRODUCTION FAILED: trace hash %s, the run directory recorded %s\n", r.Got, r.Want)
				return violationError{"trace hash differs: the run is not deterministic"}
			}
			fmt.Fprintf(w, "reproduced trace %s\n", r.Got)
			printOutcome(cmd, args[0], r.Outcome)
			if !r.Outcome.Valid() {
				return violationError{"the reproduced run fails its checkers"}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&logFile, "log", "", "write every simulated process's log lines and the servers' logs (elections, syncs, role changes, faults; with sim time) to this file")
	return cmd
}

func newShrinkCmd() *cobra.Command {
	var out string
	var force bool
	var maxRuns int
	cmd := &cobra.Command{
		Use:     "shrink DIR",
		Short:   "Reduce a failing run (schedule, clients, duration) and write a minimal run directory",
		Example: "  zabsim shrink store/runs/registry-crash/latest --out out/min",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sum, s, err := rundir.LoadRun(args[0])
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				out = campaign.ShrunkDir(args[0])
			} else if err := rundir.CheckOut(out, force); err != nil {
				return usageError{err}
			}
			// An interrupt stops the shrink between runs; the smallest
			// failing run found so far is still written.
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := campaign.Shrink(s, sum.Seed, nil, campaign.ShrinkOptions{MaxRuns: maxRuns,
				Log:  func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), f+"\n", a...) },
				Stop: func() bool { return ctx.Err() != nil }})
			if err != nil {
				return usageError{err}
			}
			if err := rundir.PrepareOut(out, force); err != nil {
				return usageError{err}
			}
			res.Outcome.Summary.Invocation = invocation()
			res.Outcome.Timeline = res.Timeline
			if err := rundir.Write(out, res.Outcome, rundir.PlotsAll); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			what := "shrunk"
			switch {
			case res.Interrupted:
				what = "interrupted: kept the smallest failing run found"
			case res.BudgetSpent:
				what = fmt.Sprintf("budget spent (--max-runs %d) with candidates left untried; more runs may shrink it further:", maxRuns)
			}
			fmt.Fprintf(w, "%s in %d runs: nemesis steps %d → %d, still failing: %s\nminimal run: %s\nreproduce: zabsim repro %s\n",
				what, res.Runs, res.StepsFrom, res.StepsTo, strings.Join(res.Failing, ","), out, out)
			if res.Interrupted {
				return interruptedError{"shrink interrupted; the smallest failing run so far is in " + out}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the shrunk run; it must not exist or be empty (default DIR-shrunk, or DIR-shrunk-2, ... if taken)")
	cmd.Flags().BoolVar(&force, "force", false, "with --out: replace the run directory already there")
	cmd.Flags().IntVar(&maxRuns, "max-runs", 200, "simulated runs at most")
	return cmd
}

func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "(Re)write plots and index pages of a run or suite directory",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if _, err := rundir.ReadSuite(dir); err == nil {
				entries, err := campaign.RescanSuite(dir) // runs added since are listed too
				if err != nil {
					return err
				}
				return writeSuiteReport(dir, entries, "")
			}
			if _, _, err := rundir.LoadRun(dir); err != nil {
				return usageError{err}
			}
			if err := rundir.Rewrite(dir, true); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), filepath.Join(dir, "index.html"))
			return nil
		},
	}
}

func newMergeCmd() *cobra.Command {
	var out, junit string
	var force bool
	cmd := &cobra.Command{
		Use:     "merge --out DIR SHARD_DIRS...",
		Short:   "Merge suite shard directories into one report",
		Example: "  zabsim merge --out out/all out/shard-0 out/shard-1",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out is required")
			}
			if err := rundir.PrepareOut(out, force); err != nil {
				return usageError{err}
			}
			entries, err := campaign.Merge(out, args)
			if err != nil {
				return usageError{err}
			}
			if err := writeSuiteReport(out, entries, junit); err != nil {
				return err
			}
			return suiteVerdict(cmd, out, entries, 0)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "merged suite directory; it must not exist or be empty")
	cmd.Flags().BoolVar(&force, "force", false, "replace the suite directory already at --out")
	cmd.Flags().StringVar(&junit, "junit", "", "also write JUnit XML here")
	return cmd
}

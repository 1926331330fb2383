package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/campaign"
	"github.com/zabsim/zabsim/rundir"
)

// newHuntCmd builds `zabsim hunt`: run a bug switch's scenarios over seeds
// until a checker fails, then shrink the failing run.
func newHuntCmd() *cobra.Command {
	var bug []string
	var of outFlags
	var opts campaign.HuntOptions
	var noShrink bool
	var report string
	var offsets, cleanSeeds int
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Hunt a bug switch: run its scenarios over seeds until a checker fails, then shrink",
		Example: `  zabsim hunt --bug zk-1154
  zabsim hunt --bug zk-1154 --bug zk-3911
  zabsim hunt --bug all --max-seeds 200 --parallel 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bugs, err := huntTargets(bug)
			if err != nil {
				return err
			}
			if report != "" {
				return runCatalogue(cmd.OutOrStdout(), report, bugs, offsets, cleanSeeds, opts)
			}
			if err := of.check(); err != nil {
				return err
			}
			opts.Shrink = !noShrink
			w := cmd.OutOrStdout()
			out, missed, err := campaign.HuntEach(bugs, opts,
				func() (string, error) { return of.dir(func(st rundir.Store) (string, error) { return st.HuntDir() }) },
				invocation(), func(r campaign.HuntResult, file string) { printHunt(w, r, file) })
			if err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(w, "hunt directory: %s\n", out)
			}
			if len(missed) > 0 {
				return violationError{fmt.Sprintf("%d of %d bug switches not detected", len(missed), len(bugs))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&bug, "bug", nil, "bug switch to hunt (repeatable), or all")
	f.IntVar(&opts.MaxSeeds, "max-seeds", 200, "seeds to try at most")
	f.Uint64Var(&opts.StartSeed, "start-seed", 1, "first seed")
	f.IntVar(&opts.Parallel, "parallel", defaultParallel(), "worlds to run at once (the result does not depend on it)")
	f.IntVar(&opts.ShrinkRuns, "shrink-runs", 60, "simulated runs the shrinker may spend")
	f.BoolVar(&noShrink, "no-shrink", false, "report the first failing seed without shrinking it")
	of.register(f, "hunt (the shrunk scenario file and shrunk run of each bug switch caught)")
	f.StringVar(&report, "report", "", "catalogue mode: hunt from several seed offsets, run the switch-off sweep, write bugs.json and bugs.md here")
	f.IntVar(&offsets, "offsets", 5, "catalogue mode: seed offsets (1, 1001, 2001, ...) to take the median over")
	f.IntVar(&cleanSeeds, "clean-seeds", 50, "catalogue mode: seeds per scenario of the switch-off (false-positive) sweep")
	return cmd
}

// huntTargets resolves --bug (campaign.HuntTargets) as a usage error.
func huntTargets(bugs []string) ([]string, error) {
	out, err := campaign.HuntTargets(bugs)
	if err != nil {
		return nil, usageError{err}
	}
	return out, nil
}

func printHunt(w io.Writer, r campaign.HuntResult, shrunkFile string) {
	if !r.Detected {
		fmt.Fprintf(w, "%-16s not detected in %d seeds (sim %.0fs, wall %.1fs)\n", r.Bug, r.SeedsToDetect, r.SimSeconds, r.WallSeconds)
	} else {
		fmt.Fprintf(w, "%-16s detected by %s at seed %d after %d seeds (failing: %s; sim %.0fs, wall %.1fs)\n",
			r.Bug, r.Scenario, r.Seed, r.SeedsToDetect, strings.Join(r.Failing, ", "), r.SimSeconds, r.WallSeconds)
		fmt.Fprintf(w, "  reproduce: %s\n", r.Command)
	}
	for _, u := range r.Unattributed {
		fmt.Fprintf(w, "  fails with every switch off too (a zabsim defect): %s (failing: %s)\n", u.Command, strings.Join(u.Failing, ", "))
	}
	if r.Shrunk != nil {
		spent := ""
		if r.Shrunk.BudgetSpent {
			spent = " (its budget ran out with candidates untried: --shrink-runs more may shrink it further)"
		}
		fmt.Fprintf(w, "  shrunk in %d runs: %d → %d nemesis steps, %s, %v%s\n", r.Shrunk.Runs, r.Shrunk.StepsFrom, r.Shrunk.StepsTo,
			clientsText(r.Shrunk.Scenario.Clients), r.Shrunk.Scenario.Duration.D(), spent)
		fmt.Fprintf(w, "  shrunk repro: %s\n", rundir.FileRunCommand(shrunkFile, r.Seed, []string{r.Bug}))
	}
}

// runCatalogue is `hunt --report DIR`: the bug catalogue table.
func runCatalogue(w io.Writer, dir string, bugs []string, offsets, cleanSeeds int, opts campaign.HuntOptions) error {
	if offsets < 1 || offsets > 100 {
		return usagef("--offsets must be in [1, 100], got %d", offsets)
	}
	copts := campaign.CatalogueOptions{MaxSeeds: opts.MaxSeeds, Parallel: opts.Parallel, CleanSeeds: cleanSeeds, Bugs: bugs,
		Progress: func(r campaign.CatalogueRow) {
			fmt.Fprintf(w, "%-16s detected=%-3s seeds=%d median=%d per-offset=%s switch-off %d runs, %d failures (%.1fs)\n", r.Bug,
				map[bool]string{true: "yes", false: "no"}[r.Detected], r.SeedsToDetect, r.Median, joinInts(r.PerOffset), r.CleanRuns,
				len(r.CleanFailures)+len(r.Unattributed), r.WallSeconds)
		}}
	if cleanSeeds == 0 {
		copts.CleanSeeds = -1
	}
	copts.Offsets = campaign.CatalogueOffsets(opts.StartSeed, offsets)
	rows, err := campaign.Catalogue(campaign.BugDocs(), copts)
	if err != nil {
		return err
	}
	if err := campaign.WriteCatalogue(dir, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\nwritten: %s, %s\n", campaign.CatalogueMarkdown(rows), filepath.Join(dir, "bugs.json"), filepath.Join(dir, "bugs.md"))
	for _, r := range rows {
		if !r.Detected {
			return violationError{fmt.Sprintf("bug switch %s not detected from every offset", r.Bug)}
		}
	}
	return nil
}

func clientsText(n int) string {
	if n == 0 {
		return "the workload's default clients"
	}
	return fmt.Sprintf("%d clients", n)
}

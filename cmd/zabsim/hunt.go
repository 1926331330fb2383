package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/server/bugs"
)

// newHuntCmd builds `zabsim hunt`: run a bug switch's scenarios over seeds
// until a checker fails, then shrink the failing run.
func newHuntCmd() *cobra.Command {
	var bug []string
	var of outFlags
	var opts scenarios.HuntOptions
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
			missed := 0
			// The hunt directory is made when there is a first result to
			// keep: a hunt that finds nothing leaves nothing behind.
			out := ""
			var results []scenarios.HuntResult
			for _, b := range bugs {
				r, err := scenarios.Hunt(b, opts)
				if err != nil {
					return err
				}
				if r.Shrunk != nil && out == "" {
					if out, err = of.dir(func(st scenarios.Store) (string, error) { return st.HuntDir() }); err != nil {
						return err
					}
				}
				file, err := writeShrunk(out, r)
				if err != nil {
					return err
				}
				printHunt(cmd.OutOrStdout(), r, file)
				if !r.Detected {
					missed++
				}
				results = append(results, r)
				if out != "" {
					if err := writeHuntSummary(out, results); err != nil {
						return err
					}
				}
			}
			if out != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "hunt directory: %s\n", out)
			}
			if missed > 0 {
				return violationError{fmt.Sprintf("%d of %d bug switches not detected", missed, len(bugs))}
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

// huntTargets resolves --bug: the switches named, in order, or every
// huntable one for "all".
func huntTargets(bugs []string) ([]string, error) {
	known := scenarios.HuntableBugs()
	if len(bugs) == 0 {
		return nil, usagef("--bug is required (one of %s, or all)", strings.Join(known, ", "))
	}
	if slices.Contains(bugs, "all") {
		return known, nil
	}
	var out []string
	for _, b := range bugs {
		if !slices.Contains(known, b) {
			return nil, usagef("--bug: unknown bug switch %q (known: %s, or all)", b, strings.Join(known, ", "))
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out, nil
}

// writeShrunk saves the shrunk scenario as a scenario file, so the printed
// command reproduces it, and the shrunk run as the run directory DIR/BUG
// (its report and plots, for zabsim serve); it returns the file's path (""
// when not shrunk).
func writeShrunk(dir string, r scenarios.HuntResult) (string, error) {
	if r.Shrunk == nil {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	s := r.Shrunk.Scenario
	s.Name = r.Scenario + "-shrunk"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, r.Bug+".json")
	if err := scenarios.WriteFileAtomic(file, append(b, '\n')); err != nil {
		return "", err
	}
	if o := r.Shrunk.Outcome; o != nil {
		o.Summary.Invocation = invocation()
		if err := writeRun(filepath.Join(dir, r.Bug), o, nil); err != nil {
			return "", err
		}
	}
	return file, nil
}

// writeHuntSummary writes hunt.json: every bug switch hunted so far.
func writeHuntSummary(dir string, rs []scenarios.HuntResult) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	return scenarios.WriteFileAtomic(filepath.Join(dir, scenarios.HuntFile), append(b, '\n'))
}

func printHunt(w io.Writer, r scenarios.HuntResult, shrunkFile string) {
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
		fmt.Fprintf(w, "  shrunk repro: zabsim run --scenario-file %s --seed %d --bug %s\n", shrunkFile, r.Seed, r.Bug)
	}
}

// runCatalogue is `hunt --report DIR`: the bug catalogue table.
func runCatalogue(w io.Writer, dir string, names []string, offsets, cleanSeeds int, opts scenarios.HuntOptions) error {
	if offsets < 1 || offsets > 100 {
		return usagef("--offsets must be in [1, 100], got %d", offsets)
	}
	var docs []scenarios.BugDoc
	for _, b := range bugs.All() {
		docs = append(docs, scenarios.BugDoc{Name: b.Name, JIRA: b.JIRA, Trigger: b.Trigger, Symptom: b.Symptom})
	}
	copts := scenarios.CatalogueOptions{MaxSeeds: opts.MaxSeeds, Parallel: opts.Parallel, CleanSeeds: cleanSeeds, Bugs: names,
		Progress: func(r scenarios.CatalogueRow) {
			fmt.Fprintf(w, "%-16s detected=%-3s seeds=%d median=%d per-offset=%s switch-off %d runs, %d failures (%.1fs)\n", r.Bug,
				map[bool]string{true: "yes", false: "no"}[r.Detected], r.SeedsToDetect, r.Median, joinInts(r.PerOffset), r.CleanRuns,
				len(r.CleanFailures)+len(r.Unattributed), r.WallSeconds)
		}}
	if cleanSeeds == 0 {
		copts.CleanSeeds = -1
	}
	for i := 0; i < offsets; i++ {
		copts.Offsets = append(copts.Offsets, opts.StartSeed+uint64(i)*1000)
	}
	rows, err := scenarios.Catalogue(docs, copts)
	if err != nil {
		return err
	}
	if err := scenarios.WriteCatalogue(dir, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\nwritten: %s, %s\n", scenarios.CatalogueMarkdown(rows), filepath.Join(dir, "bugs.json"), filepath.Join(dir, "bugs.md"))
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

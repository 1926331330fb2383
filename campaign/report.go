package campaign

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/zabsim/zabsim/reports"
	"github.com/zabsim/zabsim/rundir"
)

// WriteSuiteReport renders a suite directory's index.html and, if junit is
// set, JUnit XML. Runs that errored get a summary carrying the error.
func WriteSuiteReport(dir string, entries []rundir.SuiteEntry, junit string) error {
	runs := make([]reports.SuiteRun, 0, len(entries))
	for _, e := range entries {
		rs := reports.RunSummary{Scenario: e.Scenario, Seed: e.Seed, TraceHash: e.TraceHash, Repro: e.Repro,
			SimSeconds: e.SimSeconds, WallSeconds: e.WallSeconds, Error: e.Error}
		if sum, _, err := rundir.LoadRun(filepath.Join(dir, e.Dir)); err == nil {
			rs = sum.RunSummary
			rs.Repro = e.Repro
		}
		runs = append(runs, reports.SuiteRun{Dir: e.Dir, Summary: rs})
	}
	if err := reports.WriteSuitePage(dir, "zabsim suite", runs); err != nil {
		return err
	}
	if junit != "" {
		if err := os.MkdirAll(filepath.Dir(junit), 0o755); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
		return reports.WriteJUnit(junit, "zabsim", runs)
	}
	return nil
}

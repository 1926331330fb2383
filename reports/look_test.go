package reports

import (
	"os"
	"testing"
)

// TestLook writes the synthetic run's plots to $ZABSIM_REPORTS_LOOK for a
// person to inspect; it is skipped unless that variable names a directory.
func TestLook(t *testing.T) {
	dir := os.Getenv("ZABSIM_REPORTS_LOOK")
	if dir == "" {
		t.Skip("set ZABSIM_REPORTS_LOOK=DIR to write sample plots")
	}
	opts := PlotOptions{Scenario: "register-partition", Seed: 42}
	if _, err := WritePlots(dir, faultyHistory(t), faultySpans(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := WritePlots(dir+"/empty", nil, nil, opts); err != nil {
		t.Fatal(err)
	}
	busy := PlotOptions{Scenario: "busy", Seed: 7, MaxPoints: 5000}
	if _, err := WritePlots(dir+"/busy", busyHistory(t, 40), nil, busy); err != nil {
		t.Fatal(err)
	}
	runs := suiteRuns(t, dir+"/suite")
	if err := WriteSuitePage(dir+"/suite", "nightly", runs); err != nil {
		t.Fatal(err)
	}
}

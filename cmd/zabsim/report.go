package main

import (
	"runtime"

	"github.com/zabsim/zabsim/scenarios"
)

func defaultParallel() int { return runtime.NumCPU() }

// writeRunReport renders a run directory's plots and index.html.
func writeRunReport(dir string) error { return scenarios.WriteRunReport(dir) }

// writeSuiteReport renders a suite directory's index.html and JUnit XML.
func writeSuiteReport(dir string, entries []scenarios.SuiteEntry, junit string) error {
	return scenarios.WriteSuiteReport(dir, entries, junit)
}

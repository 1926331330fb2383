package main

import (
	"os"
	"runtime"

	"github.com/zabsim/zabsim/scenarios"
)

func defaultParallel() int { return runtime.NumCPU() }

// writeRunReport renders a run directory's plots and index.html.
func writeRunReport(dir string) error { return scenarios.WriteRunReport(dir) }

// writeRun writes a complete run directory (files, plots, index.html); on
// failure it removes it, so no half-written run directory stays.
func writeRun(dir string, o *scenarios.Outcome, viz []byte) error {
	err := scenarios.WriteRun(dir, o, viz)
	if err == nil {
		err = writeRunReport(dir)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
	}
	return err
}

// writeSuiteReport renders a suite directory's index.html and JUnit XML.
func writeSuiteReport(dir string, entries []scenarios.SuiteEntry, junit string) error {
	return scenarios.WriteSuiteReport(dir, entries, junit)
}

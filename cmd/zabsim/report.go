package main

import (
	"runtime"

	"github.com/zabsim/zabsim/rundir"

	"github.com/zabsim/zabsim/campaign"
)

func defaultParallel() int { return runtime.NumCPU() }

// writeSuiteReport renders a suite directory's index.html and JUnit XML.
func writeSuiteReport(dir string, entries []rundir.SuiteEntry, junit string) error {
	return campaign.WriteSuiteReport(dir, entries, junit)
}

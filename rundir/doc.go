// Package rundir owns run directories and the results store: what a run
// directory holds (Result, Outcome, Summary, role changes, server logs),
// Write, which writes a run directory and renders its report from the
// outcome in memory in one call, Rewrite, which renders it again from the
// files, LoadRun, the commands that re-run a run (ReproCommand, RunCommand,
// Summary.Place: built here and nowhere else), the plain history timeline,
// the results store (store.go: timestamped directories, latest links,
// --out/--force rules) and provenance (the version and command line every
// summary records).
//
// rundir serves the simulated and the live tier alike, so it must not
// import sim, simrun, server, live, liverun, campaign or cmd.
package rundir

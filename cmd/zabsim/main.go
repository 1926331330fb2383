// Command zabsim tests ZooKeeper-style coordination services the way Jepsen
// and FoundationDB's simulator do. This file only wires flags to library
// calls; see ARCHITECTURE.md for where the logic lives.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/rundir"
)

// Exit codes of the CLI contract.
const (
	exitValid     = 0
	exitViolation = 1
	exitUsage     = 2
	// exitInterrupted is 128+SIGINT, what a shell reports for a process
	// Ctrl-C killed: a suite that stopped early on an interrupt exits so
	// after writing its index.
	exitInterrupted = 130
)

// usageError marks an error as bad usage or bad input (exit 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// violationError marks a run whose checkers found a violation or could not
// decide (exit 1).
type violationError struct{ msg string }

func (v violationError) Error() string { return v.msg }

// interruptedError marks a command an interrupt ended early (exit 130).
type interruptedError struct{ msg string }

func (i interruptedError) Error() string { return i.msg }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "zabsim",
		Short: "Deterministic simulation and Jepsen-style testing of ZooKeeper-style coordination",
		Long: `zabsim runs a ZooKeeper-compatible server as deterministic state machines in a
simulated network, clock and disk, injects faults, drives workloads taken from
how ZooKeeper is used, and checks the recorded histories.

Results go to a results store (store/ by default, --store): every run and
suite gets a new timestamped directory there, never overwritten, and
store/latest links the newest. --out DIR writes exactly DIR instead (it must not
exist or be empty; --force replaces an earlier run or suite there).

Exit codes: 0 valid, 1 a checker found a violation (or could not decide), 2 bad usage or input,
130 a suite interrupted (Ctrl-C) after writing the index of the runs that finished.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	root.Version = rundir.VersionLine()
	root.SetVersionTemplate("zabsim {{.Version}}\n")
	addCommands(root)
	return root
}

// cliArgs are the arguments being run (tests that run commands in this
// process set them), for the invocation every summary records.
var cliArgs = os.Args[1:]

// invocation is the full command line being run.
func invocation() string {
	return strings.TrimSpace("zabsim " + rundir.CommandLine(cliArgs))
}

// defaultGCPercent trades memory for speed: a run allocates heavily (the
// checkers more than the simulation, since the simulator's allocation cuts)
// but keeps a small live heap, so a less eager collector cuts 20-30% of a
// suite's CPU (`zabsim suite --suite default --seeds 1-4 --parallel 1`: 3.5-3.9
// user-s against 4.7-5.1 with GOGC=100). GOGC, when set, wins.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	root := newRoot()
	err := root.Execute()
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	if err == nil {
		return exitValid
	}
	fmt.Fprintln(os.Stderr, "zabsim:", err)
	var v violationError
	if errors.As(err, &v) {
		return exitViolation
	}
	var i interruptedError
	if errors.As(err, &i) {
		return exitInterrupted
	}
	return exitUsage
}

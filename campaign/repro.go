package campaign

import (
	"errors"
	"fmt"
	"io"

	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/simrun"
)

// ErrLiveRun is returned by Repro for a live run directory.
var ErrLiveRun = errors.New("a live run (wall clock, real processes) cannot be reproduced by seed; run zabsim live again")

// ReproResult is what Repro found.
type ReproResult struct {
	Want, Got string
	Outcome   *rundir.Outcome
}

// Matches reports whether the trace hash reproduced.
func (r ReproResult) Matches() bool { return r.Want == r.Got }

// Repro re-runs a run directory's scenario and seed and compares trace
// hashes.
func Repro(dir string) (ReproResult, error) { return ReproWith(dir, nil) }

// ReproWith is Repro with log receiving every simulated process's log
// lines and the servers' logs (as zabsim run --log does); nil discards them.
func ReproWith(dir string, log io.Writer) (ReproResult, error) {
	sum, s, err := rundir.LoadRun(dir)
	if err != nil {
		return ReproResult{}, err
	}
	if sum.Live != nil {
		return ReproResult{}, fmt.Errorf("%s: %w", dir, ErrLiveRun)
	}
	// The scenario file already carries the run's bugs merged in.
	o, err := simrun.Execute(s, sum.Seed, simrun.Options{Bugs: extraBugs(s.Bugs, sum.Bugs), Log: log})
	if err != nil {
		return ReproResult{}, err
	}
	o.Summary.Place(dir, "")
	return ReproResult{Want: sum.TraceHash, Got: o.Result.TraceHash, Outcome: o}, nil
}

func extraBugs(have, want []string) []string {
	in := map[string]bool{}
	for _, b := range have {
		in[b] = true
	}
	var out []string
	for _, b := range want {
		if !in[b] {
			out = append(out, b)
		}
	}
	return out
}

package scenario

import (
	"errors"
	"io"
	"math/rand/v2"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/sim"
)

// What the live tier (zabsim live) reuses of a simulated run: the same
// schedule for the same seed, the same nemesis records, the same checkers
// and run directory.

// LiveInfo describes a run against real processes in its summary.
type LiveInfo struct {
	Target    string `json:"target"` // "zabsim" or "zookeeper"
	Nodes     int    `json:"nodes"`  // voting servers
	Observers int    `json:"observers,omitempty"`
	// Note says why the run cannot be reproduced by its seed.
	Note string `json:"note"`
}

// ErrLiveRun is returned by Repro for a live run directory.
var ErrLiveRun = errors.New("a live run (wall clock, real processes) cannot be reproduced by seed; run zabsim live again")

// PlanSchedule returns the nemesis schedule a simulated run of s with seed
// applies to servers, and the random stream its executor draws targets
// from: the same streams the simulator splits from the seed.
func PlanSchedule(s Scenario, seed uint64, servers []string) (nemesis.Schedule, *rand.Rand, error) {
	sched, err := planSchedule(s, servers, sim.NewStream(seed, "user/nemesis-plan"))
	return sched, sim.NewStream(seed, "user/nemesis"), err
}

// NemesisOp is the history record of an applied nemesis step.
func NemesisOp(ev nemesis.Event) history.Op { return nemesisOp(ev) }

// CheckLive judges a live history with the scenario's checkers and the
// liveness checker. There are no online Zab invariants: the servers are
// other processes (another implementation, for ZooKeeper), so the run is
// judged by its history alone. viz receives Porcupine's visualization, or
// the plain history timeline when no checker drew one.
func CheckLive(s Scenario, ops []history.Op, unfinished []string, viz io.Writer) (checker.Result, error) {
	cs, err := workloadCheckers(s, viz)
	if err != nil {
		return checker.Result{}, err
	}
	cs = append(cs, livenessChecker(unfinished, nil))
	return checker.Compose(s.Name, ops, cs...), nil
}

// HistoryTimeline writes the plain history timeline (timeline.html when no
// linearizability checker drew Porcupine's).
func HistoryTimeline(ops []history.Op, w io.Writer) error { return historyTimeline(ops, w) }

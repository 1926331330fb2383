package study

import (
	"time"

	"github.com/zabsim/zabsim/checker"
)

// PorcupineTimeout bounds each per-key Porcupine search of a run.
// Porcupine runs only on keys the zxid fast path cannot order; a few heavy
// histories (bug-sync-no-quorum's, ~900 ops on a key with many
// indeterminate writes) need 20-40 s on a loaded 2-core machine, and a
// timeout is an unknown verdict, never a pass.
const PorcupineTimeout = 90 * time.Second

// The checkers several studies share.
var (
	// Linearizable checks register histories (history.RegisterValue).
	Linearizable = &Checker{
		Name: "linearizable",
		Doc: `writes, and sync+reads, of every register key are linearizable
A zxid-guided fast path orders most keys in O(n log n); Porcupine decides
the rest (a timeout is unknown, never a pass), and a failing key is cut
to a window that proves the violation on its own.`,
		New: func(p Params) checker.Checker {
			return checker.Linearizable(checker.LinearOptions{Timeout: PorcupineTimeout, Visualization: p.Visualization})
		},
	}
	// ZxidOrder checks ZooKeeper's ordering guarantees for reads.
	ZxidOrder = &Checker{
		Name: "zxid-order",
		Doc: `each session's view moves forward in zxid and equals committed state
Plain reads are served locally and need not be linearizable, but a
session's replies never go back in zxid, a read equals the committed state
at its zxid, and a watch event arrives before any data reflecting it.`,
		New: func(Params) checker.Checker { return checker.ZxidOrder() },
	}
	// Stats summarizes latencies and availability.
	Stats = &Checker{
		Name: "stats",
		Doc: `latency quantiles and throughput per op; operations succeed once faults heal
Fails a run whose healed phase invoked operations and completed none.`,
		New: func(Params) checker.Checker { return checker.Stats(checker.StatsOptions{}) },
	}
)

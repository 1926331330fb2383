package checker

import (
	"runtime/metrics"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Porcupine bounds a search by time only, and its memo table grows with
// the states it visits: a hard key of a long history (a drawn explore run,
// seed 362 of the default suite, grew past 13 GB within the 90 s a scenario
// allows) can exhaust the machine long before the timeout. boundedSearch
// keeps it under a memory budget: it searches for a short while first,
// measures how far the heap grew, and gives the full search only as long as
// that growth rate fits the budget. A search cut short is Unknown, as a
// timeout is.

// PorcupineMemoryBudget is how much heap one Porcupine search may add.
var PorcupineMemoryBudget uint64 = 3 << 30

// probeTime is the first, measured part of a search.
const probeTime = 2 * time.Second

// searchMu lets one search run at a time per process: parallel suite
// workers would otherwise each take a budget.
var searchMu sync.Mutex

// boundedSearch is porcupine.CheckOperationsVerbose(m, ops, timeout) under
// PorcupineMemoryBudget. It reports the time it allowed the last attempt.
func boundedSearch(m porcupine.Model, ops []porcupine.Operation, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo, time.Duration) {
	searchMu.Lock()
	defer searchMu.Unlock()
	first := min(timeout, probeTime)
	res, info, grew := measuredSearch(m, ops, first)
	if res != porcupine.Unknown || first >= timeout {
		return res, info, first
	}
	allowed := timeout
	if grew > 0 {
		// The memo table grows about linearly with search time.
		allowed = min(timeout, time.Duration(float64(first)*float64(PorcupineMemoryBudget)/float64(grew)))
	}
	if allowed <= first {
		return res, info, first
	}
	res, info, _ = measuredSearch(m, ops, allowed)
	return res, info, allowed
}

// measuredSearch runs one search and samples the heap meanwhile; it returns
// how far the heap grew above where it started.
func measuredSearch(m porcupine.Model, ops []porcupine.Operation, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo, uint64) {
	start := heapBytes()
	peak := start
	done := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				sampled <- peak
				return
			case <-tick.C:
				peak = max(peak, heapBytes())
			}
		}
	}()
	res, info := porcupine.CheckOperationsVerbose(m, ops, timeout)
	close(done)
	peak = <-sampled
	if peak <= start {
		return res, info, 0
	}
	return res, info, peak - start
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapBytes() uint64 {
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

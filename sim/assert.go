package sim

import "fmt"

// Assertions on the world's own invariants. A broken one is a bug in the
// simulator, which would make every verdict after it meaningless, so the
// world panics naming the rule. The cheap ones run on every event; the
// ones that walk the whole event queue run only in builds with the
// `invariants` tag (`make test` sets it for the deterministic packages).

// failf panics with the broken rule's text. Callers test the rule first:
// an assert(cond, format, args...) helper would box its arguments for every
// pushed and executed event.
func failf(format string, args ...any) {
	panic("sim: invariant broken: " + fmt.Sprintf(format, args...))
}

// checkStep is asserted for every executed event: world time never runs
// backwards, and (expensive) the queue is still a heap whose events all lie
// in the future and whose free payload slots hold nothing.
func (w *World) checkStep(e *event) {
	if e.atNS < w.nowNS {
		failf("event at %dns executed at %dns: time ran backwards", e.atNS, w.nowNS)
	}
	if expensiveChecks {
		w.q.check(w.nowNS)
	}
}

func (q *eventQueue) check(nowNS int64) {
	for i := range q.h {
		if q.h[i].atNS < nowNS {
			failf("queued event at %dns is before now (%dns)", q.h[i].atNS, nowNS)
		}
		if i > 0 {
			p := (i - 1) / 2
			if less(&q.h[i], &q.h[p]) {
				failf("heap order broken at %d (parent %d)", i, p)
			}
		}
	}
	for _, s := range q.free {
		if q.slab[s] != nil {
			failf("free payload slot %d still holds %d bytes", s, len(q.slab[s]))
		}
	}
}

package sim

import "fmt"

// Assertions on the world's own invariants. A broken one is a bug in the
// simulator, which would make every verdict after it meaningless, so the
// world panics naming the rule. The cheap ones run on every event; the
// ones that walk the whole event queue run only in builds with the
// `invariants` tag (`make test` sets it for the deterministic packages).

func assertf(cond bool, format string, args ...any) {
	if !cond {
		panic("sim: invariant broken: " + fmt.Sprintf(format, args...))
	}
}

// checkStep is asserted for every executed event: world time never runs
// backwards, and (expensive) the queue is still a heap whose events all lie
// in the future and whose free payload slots hold nothing.
func (w *World) checkStep(e *event) {
	assertf(e.atNS >= w.nowNS, "event at %dns executed at %dns: time ran backwards", e.atNS, w.nowNS)
	if expensiveChecks {
		w.q.check(w.nowNS)
	}
}

func (q *eventQueue) check(nowNS int64) {
	for i := range q.h {
		assertf(q.h[i].atNS >= nowNS, "queued event at %dns is before now (%dns)", q.h[i].atNS, nowNS)
		if i > 0 {
			p := (i - 1) / 2
			assertf(!less(&q.h[i], &q.h[p]), "heap order broken at %d (parent %d)", i, p)
		}
	}
	for _, s := range q.free {
		assertf(q.slab[s] == nil, "free payload slot %d still holds %d bytes", s, len(q.slab[s]))
	}
}

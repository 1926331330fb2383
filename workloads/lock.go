package workloads

import (
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
)

// lock is the Storm/Curator mutual-exclusion recipe on /lock: acquire =
// ephemeral-sequential node + wait to head the queue (f "acquire", the
// sequence number is the fencing token); hold for a random time; release =
// delete the node (f "release", recorded before the delete is sent, which
// is when the holder stops acting as one). A holder that loses its
// connection or session records f "lost" at once: after a disconnection it
// can no longer be sure it holds the lock, and it closes the session so its
// node goes away.
type lock struct {
	q       queue
	holding bool

	finalDone  func() // set during the final cycle
	finalHeld  bool   // the final cycle's acquire succeeded
	finalTries int
}

// lockHoldMax bounds a hold; holds are drawn uniformly from (0, max].
const lockHoldMax = 50 * time.Millisecond

func newLock(int, WorkerConfig) driver { return &lock{q: queue{dir: "/lock"}} }

func (l *lock) setup() []znode { return []znode{{path: "/lock"}} }

func (l *lock) value(b *base) history.LockValue {
	return history.LockValue{Client: b.name, Token: l.q.seq}
}

func (l *lock) step(b *base) { l.acquire(b) }

func (l *lock) acquire(b *base) {
	l.q.reset()
	b.invoke(history.FAcquire, history.LockValue{Client: b.name})
	gen := l.q.gen
	b.c.Create(l.q.dir+"/n-", []byte(b.name), wire.OpenACLUnsafe, wire.FlagEphemeralSequential, func(res client.Result) {
		if gen != l.q.gen {
			return
		}
		switch t := writeOutcome(res); {
		case t == history.OK:
			seq, ok := sequenceOf(res.Path)
			if !ok {
				l.acquireFailed(b, history.Info, &res, "BADNAME "+res.Path)
				return
			}
			l.q.node, l.q.seq = res.Path, seq
			l.wait(b)
		default:
			l.acquireFailed(b, t, &res, "")
		}
	})
}

// acquireFailed ends an acquire that did not get the lock. A node we may
// have created dies with the session, which we close.
func (l *lock) acquireFailed(b *base, t history.Type, res *client.Result, errName string) {
	b.complete(t, nil, res, errName)
	hadNode := l.q.node != "" || t == history.Info
	l.q.reset()
	if hadNode {
		b.closeClient()
	}
	l.afterCycle(b)
}

func (l *lock) wait(b *base) {
	l.q.check(b, func(res client.Result) {
		l.holding = true
		l.finalHeld = l.finalDone != nil
		b.complete(history.OK, l.value(b), &res, "")
		gen := l.q.gen
		hold := time.Duration(1 + b.env.Rand().Int64N(int64(lockHoldMax)))
		b.after(hold, func() {
			if gen == l.q.gen && l.holding {
				l.release(b)
			}
		})
	}, func(res client.Result) {
		// Our node is gone: the session ended under us.
		l.acquireFailed(b, history.Info, &res, "NODEGONE")
	}, func(client.Result) {
		gen := l.q.gen
		b.after(retryDelay, func() {
			if gen == l.q.gen {
				l.wait(b)
			}
		})
	})
}

func (l *lock) release(b *base) {
	l.holding = false
	b.invoke(history.FRelease, l.value(b))
	node, gen := l.q.node, l.q.gen
	b.c.Delete(node, -1, func(res client.Result) {
		if gen != l.q.gen {
			return
		}
		l.q.reset()
		switch {
		case res.Err == wire.ErrOK || res.Err == wire.ErrNoNode:
			b.complete(history.OK, nil, &res, "")
		default:
			// The node may survive: end the session so it goes.
			b.complete(writeOutcome(res), nil, &res, "")
			b.closeClient()
		}
		l.afterCycle(b)
	})
}

// afterCycle continues after an acquire failed or a release finished.
func (l *lock) afterCycle(b *base) {
	if l.finalDone == nil {
		b.idle()
		return
	}
	if l.finalHeld || l.finalTries >= maxFinalAttempts {
		done := l.finalDone
		l.finalDone = nil
		done()
		return
	}
	b.after(retryDelay, func() { l.finalAcquire(b) })
}

func (l *lock) event(b *base, ev client.Event) {
	switch {
	case l.q.onDeleted(ev):
		if b.open != nil && b.open.f == history.FAcquire {
			l.wait(b)
		}
	case ev.Kind == client.EventDisconnected || ev.Kind == client.EventExpired:
		l.onSessionTrouble(b, ev.Kind == client.EventExpired)
	}
}

// onSessionTrouble: a holder stops being one the moment its connection
// drops; a waiter keeps waiting through a disconnection (its watch is
// restored) but not through an expiry.
func (l *lock) onSessionTrouble(b *base, expired bool) {
	switch {
	case l.holding:
		l.holding = false
		b.instant(history.FLost, l.value(b))
		l.q.reset()
		if !expired {
			b.closeClient()
		}
		l.afterCycle(b)
	case expired && b.open != nil && b.open.f == history.FAcquire:
		b.complete(history.Info, nil, nil, "SESSIONEXPIRED")
		l.q.reset()
		l.afterCycle(b)
	}
}

// final runs one more acquire/hold/release cycle in the healed phase, so a
// checker can see progress once faults stopped.
func (l *lock) final(b *base, done func()) {
	l.finalDone = done
	if l.holding {
		l.release(b) // its afterCycle starts the final acquire
		return
	}
	l.finalAcquire(b)
}

func (l *lock) finalAcquire(b *base) {
	l.finalTries++
	l.acquire(b)
}

package lock

import (
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
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
	q       workloads.Queue
	holding bool

	finalDone  func() // set during the final cycle
	finalHeld  bool   // the final cycle's acquire succeeded
	finalTries int
}

// lockHoldMax bounds a hold; holds are drawn uniformly from (0, max].
const lockHoldMax = 50 * time.Millisecond

func newLock(int, workloads.WorkerConfig) workloads.Driver {
	return &lock{q: workloads.Queue{Dir: "/lock"}}
}

func (l *lock) Setup() []workloads.Znode { return []workloads.Znode{{Path: "/lock"}} }

func (l *lock) value(b *workloads.Base) Value {
	return Value{Client: b.Name(), Token: l.q.Seq}
}

func (l *lock) Step(b *workloads.Base) { l.acquire(b) }

func (l *lock) acquire(b *workloads.Base) {
	l.q.Reset()
	b.Invoke(FAcquire, Value{Client: b.Name()})
	gen := l.q.Gen
	b.Client().Create(l.q.Dir+"/n-", []byte(b.Name()), wire.OpenACLUnsafe, wire.FlagEphemeralSequential, func(res client.Result) {
		if gen != l.q.Gen {
			return
		}
		switch t := workloads.WriteOutcome(res); {
		case t == history.OK:
			seq, ok := workloads.SequenceOf(res.Path)
			if !ok {
				l.acquireFailed(b, history.Info, &res, "BADNAME "+res.Path)
				return
			}
			l.q.Node, l.q.Seq = res.Path, seq
			l.wait(b)
		default:
			l.acquireFailed(b, t, &res, "")
		}
	})
}

// acquireFailed ends an acquire that did not get the lock. A node we may
// have created dies with the session, which we close.
func (l *lock) acquireFailed(b *workloads.Base, t history.Type, res *client.Result, errName string) {
	b.Complete(t, nil, res, errName)
	hadNode := l.q.Node != "" || t == history.Info
	l.q.Reset()
	if hadNode {
		b.CloseClient()
	}
	l.afterCycle(b)
}

func (l *lock) wait(b *workloads.Base) {
	l.q.Check(b, func(res client.Result) {
		l.holding = true
		l.finalHeld = l.finalDone != nil
		b.Complete(history.OK, l.value(b), &res, "")
		gen := l.q.Gen
		hold := time.Duration(1 + b.Env().Rand().Int64N(int64(lockHoldMax)))
		b.After(hold, func() {
			if gen == l.q.Gen && l.holding {
				l.release(b)
			}
		})
	}, func(res client.Result) {
		// Our node is gone: the session ended under us.
		l.acquireFailed(b, history.Info, &res, "NODEGONE")
	}, func(client.Result) {
		gen := l.q.Gen
		b.After(workloads.RetryDelay, func() {
			if gen == l.q.Gen {
				l.wait(b)
			}
		})
	})
}

func (l *lock) release(b *workloads.Base) {
	l.holding = false
	b.Invoke(FRelease, l.value(b))
	node, gen := l.q.Node, l.q.Gen
	b.Client().Delete(node, -1, func(res client.Result) {
		if gen != l.q.Gen {
			return
		}
		l.q.Reset()
		switch {
		case res.Err == wire.ErrOK || res.Err == wire.ErrNoNode:
			b.Complete(history.OK, nil, &res, "")
		default:
			// The node may survive: end the session so it goes.
			b.Complete(workloads.WriteOutcome(res), nil, &res, "")
			b.CloseClient()
		}
		l.afterCycle(b)
	})
}

// afterCycle continues after an acquire failed or a release finished.
func (l *lock) afterCycle(b *workloads.Base) {
	if l.finalDone == nil {
		b.Idle()
		return
	}
	if l.finalHeld || l.finalTries >= workloads.MaxFinalAttempts {
		done := l.finalDone
		l.finalDone = nil
		done()
		return
	}
	b.After(workloads.RetryDelay, func() { l.finalAcquire(b) })
}

func (l *lock) Event(b *workloads.Base, ev client.Event) {
	switch {
	case l.q.OnDeleted(ev):
		if b.Open() == FAcquire {
			l.wait(b)
		}
	case ev.Kind == client.EventDisconnected || ev.Kind == client.EventExpired:
		l.onSessionTrouble(b, ev.Kind == client.EventExpired)
	}
}

// onSessionTrouble: a holder stops being one the moment its connection
// drops; a waiter keeps waiting through a disconnection (its watch is
// restored) but not through an expiry.
func (l *lock) onSessionTrouble(b *workloads.Base, expired bool) {
	switch {
	case l.holding:
		l.holding = false
		b.Instant(FLost, l.value(b))
		l.q.Reset()
		if !expired {
			b.CloseClient()
		}
		l.afterCycle(b)
	case expired && b.Open() == FAcquire:
		b.Complete(history.Info, nil, nil, "SESSIONEXPIRED")
		l.q.Reset()
		l.afterCycle(b)
	}
}

// final runs one more acquire/hold/release cycle in the healed phase, so a
// checker can see progress once faults stopped.
func (l *lock) Final(b *workloads.Base, done func()) {
	l.finalDone = done
	if l.holding {
		l.release(b) // its afterCycle starts the final acquire
		return
	}
	l.finalAcquire(b)
}

func (l *lock) finalAcquire(b *workloads.Base) {
	l.finalTries++
	l.acquire(b)
}

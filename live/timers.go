package live

import (
	"container/heap"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// timerQueue keeps the process's timers in one heap ordered by (deadline,
// arming sequence) behind a single time.Timer the loop selects on. Timers due
// at the same instant therefore fire in the order they were armed, as in the
// simulator's (time, sequence) queue, which per-timer time.AfterFunc
// goroutines could not promise. It is loop-owned.
type timerQueue struct {
	wake  *time.Timer
	heap  timerHeap
	byID  map[proc.TimerID]*timerEntry
	seq   uint64
	armed time.Time // deadline wake is set for; zero when idle
}

type timerEntry struct {
	id       proc.TimerID
	deadline time.Time
	seq      uint64
	tag      any
	index    int
}

func (q *timerQueue) init() {
	q.wake = time.NewTimer(time.Hour)
	q.wake.Stop()
	q.byID = make(map[proc.TimerID]*timerEntry)
}

// C is the channel the loop selects on.
func (q *timerQueue) C() <-chan time.Time { return q.wake.C }

func (q *timerQueue) add(d time.Duration, tag any) proc.TimerID {
	q.seq++
	e := &timerEntry{id: proc.TimerID(q.seq), deadline: time.Now().Add(d), seq: q.seq, tag: tag}
	heap.Push(&q.heap, e)
	q.byID[e.id] = e
	q.rearm()
	return e.id
}

func (q *timerQueue) cancel(id proc.TimerID) {
	e, ok := q.byID[id]
	if !ok {
		return
	}
	heap.Remove(&q.heap, e.index)
	delete(q.byID, id)
	q.rearm()
}

// popDue removes and returns the earliest timer whose deadline is not after
// now. Popping one at a time lets a Handle cancel a timer due in the same
// batch.
func (q *timerQueue) popDue(now time.Time) (proc.TimerFired, bool) {
	if len(q.heap) == 0 || q.heap[0].deadline.After(now) {
		return proc.TimerFired{}, false
	}
	e := heap.Pop(&q.heap).(*timerEntry)
	delete(q.byID, e.id)
	return proc.TimerFired{ID: e.id, Tag: e.tag}, true
}

func (q *timerQueue) rearm() {
	if len(q.heap) == 0 {
		q.wake.Stop()
		q.armed = time.Time{}
		return
	}
	next := q.heap[0].deadline
	if next.Equal(q.armed) {
		return
	}
	q.armed = next
	// Since Go 1.23 Reset also discards a value the old deadline left
	// unreceived, so the loop never sees a stale wake-up.
	q.wake.Reset(time.Until(next))
}

func (q *timerQueue) stopAll() {
	q.wake.Stop()
	q.heap = nil
	clear(q.byID)
}

type timerHeap []*timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].deadline.Equal(h[j].deadline) {
		return h[i].deadline.Before(h[j].deadline)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	e := x.(*timerEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// fireTimers delivers due timers one at a time, in (deadline, arming) order.
func (inc *incarnation) fireTimers() {
	inc.timers.armed = time.Time{} // the wake timer fired; its deadline is spent
	now := time.Now()
	for {
		ev, ok := inc.timers.popDue(now)
		if !ok {
			break
		}
		inc.proc.Handle(ev)
		inc.drainPending()
	}
	inc.timers.rearm()
}

package sim

import "github.com/zabsim/zabsim/proc"

// timerTable holds a node's pending timers by id. A node hands out timer
// ids in increasing order and most timers die young, so the table is a
// window over the ids from the oldest pending one to the newest, kept in a
// ring, not a map: arming, firing and cancelling index an array (they run
// for every timer, and the map operations cost more than the rest of the
// work). The window spans the ids handed out during the lifetime of the
// oldest pending timer (at most ~1,200 in the scenarios here); the ring
// doubles when the window outgrows it and is never shrunk.
type timerTable struct {
	base proc.TimerID // oldest id in the window
	n    int          // window length: ids base .. base+n-1
	live int          // pending timers in the window
	ring []timerSlot  // len is a power of two; id's slot is ring[id&(len-1)]
}

type timerSlot struct {
	timer
	pending bool
}

// reset empties the table; the next id added is next.
func (tt *timerTable) reset(next proc.TimerID) {
	clear(tt.ring) // drop the tags
	tt.base, tt.n, tt.live = next, 0, 0
}

// add records timer id, which must be newer than every id added before.
func (tt *timerTable) add(id proc.TimerID, t timer) {
	if tt.n == 0 {
		tt.base = id
	}
	for tt.base+proc.TimerID(tt.n) <= id {
		if tt.n == len(tt.ring) {
			tt.grow()
		}
		tt.n++ // ids skipped over (none, in practice) stay not pending
	}
	tt.ring[int(id)&(len(tt.ring)-1)] = timerSlot{timer: t, pending: true}
	tt.live++
}

// grow doubles the ring, keeping every id of the window in its slot.
func (tt *timerTable) grow() {
	ring := make([]timerSlot, max(16, 2*len(tt.ring)))
	for k := range tt.n {
		id := int(tt.base) + k
		ring[id&(len(ring)-1)] = tt.ring[id&(len(tt.ring)-1)]
	}
	tt.ring = ring
}

// get returns the pending timer id.
func (tt *timerTable) get(id proc.TimerID) (timer, bool) {
	if s := tt.slot(id); s != nil {
		return s.timer, true
	}
	return timer{}, false
}

// slot returns the slot of pending timer id, or nil.
func (tt *timerTable) slot(id proc.TimerID) *timerSlot {
	if id < tt.base || id-tt.base >= proc.TimerID(tt.n) {
		return nil
	}
	if s := &tt.ring[int(id)&(len(tt.ring)-1)]; s.pending {
		return s
	}
	return nil
}

// set replaces the pending timer id (a no-op if it is not pending).
func (tt *timerTable) set(id proc.TimerID, t timer) {
	if s := tt.slot(id); s != nil {
		s.timer = t
	}
}

// remove forgets timer id if it is pending, and drops the window's dead
// prefix.
func (tt *timerTable) remove(id proc.TimerID) {
	s := tt.slot(id)
	if s == nil {
		return
	}
	*s = timerSlot{} // drop the tag
	tt.live--
	if tt.live == 0 {
		tt.base += proc.TimerID(tt.n)
		tt.n = 0
		return
	}
	for !tt.ring[int(tt.base)&(len(tt.ring)-1)].pending {
		tt.base++
		tt.n--
	}
}

// ids returns the pending timer ids in increasing order.
func (tt *timerTable) ids() []proc.TimerID {
	out := make([]proc.TimerID, 0, tt.live)
	for k := range tt.n {
		id := tt.base + proc.TimerID(k)
		if tt.ring[int(id)&(len(tt.ring)-1)].pending {
			out = append(out, id)
		}
	}
	return out
}

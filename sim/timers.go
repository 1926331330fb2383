package sim

import (
	"maps"
	"slices"

	"github.com/zabsim/zabsim/proc"
)

// timerTable holds a node's pending timers by id. A node hands out timer
// ids in increasing order and most timers die young, so the table is a
// window over the ids from the oldest pending one to the newest, kept in a
// ring, not a map: arming, firing and cancelling index an array (they run
// for every timer, and the map operations cost more than the rest of the
// work). The window spans the ids handed out during the lifetime of the
// oldest pending timer (at most ~1,200 in the scenarios here); the ring
// doubles when the window outgrows it and is never shrunk. A timer that
// stays pending while more than maxRing newer ones come and go (a long
// timeout among frequent short ones) moves to the far map, so the ring's
// size stays bounded whatever a process arms.
type timerTable struct {
	base proc.TimerID // oldest id in the window
	n    int          // window length: ids base .. base+n-1
	live int          // pending timers in the window
	ring []timerSlot  // len is a power of two; id's slot is ring[id&(len-1)]
	// far holds pending timers older than base.
	far map[proc.TimerID]*timerSlot
	// maxRing bounds len(ring) (a power of two, at least 16; 0 means
	// defaultMaxRing).
	maxRing int
}

// defaultMaxRing is the largest ring a timer table grows: 64Ki slots.
const defaultMaxRing = 1 << 16

type timerSlot struct {
	timer
	pending bool
}

// reset empties the table; the next id added is next.
func (tt *timerTable) reset(next proc.TimerID) {
	clear(tt.ring) // drop the tags
	tt.far = nil
	tt.base, tt.n, tt.live = next, 0, 0
}

// add records timer id, which must be newer than every id added before.
func (tt *timerTable) add(id proc.TimerID, t timer) {
	if tt.n == 0 {
		tt.base = id
	}
	for tt.base+proc.TimerID(tt.n) <= id {
		if tt.n == len(tt.ring) {
			if len(tt.ring) < tt.limit() {
				tt.grow()
			} else {
				tt.spill()
			}
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

// limit is the ring size beyond which add spills instead of growing.
func (tt *timerTable) limit() int {
	if tt.maxRing > 0 {
		return tt.maxRing
	}
	return defaultMaxRing
}

// spill moves the oldest pending timer of a full window to the far map and
// drops the dead ids before the next pending one.
func (tt *timerTable) spill() {
	i := int(tt.base) & (len(tt.ring) - 1)
	if s := tt.ring[i]; s.pending {
		if tt.far == nil {
			tt.far = map[proc.TimerID]*timerSlot{}
		}
		tt.far[tt.base] = &s
		tt.ring[i] = timerSlot{}
		tt.live--
	}
	tt.base++
	tt.n--
	tt.dropDeadPrefix()
}

// dropDeadPrefix advances the window past ids that are no longer pending.
func (tt *timerTable) dropDeadPrefix() {
	for tt.n > 0 && !tt.ring[int(tt.base)&(len(tt.ring)-1)].pending {
		tt.base++
		tt.n--
	}
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
	if id < tt.base {
		return tt.far[id] // nil when absent (or far is nil)
	}
	if id-tt.base >= proc.TimerID(tt.n) {
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
	if id < tt.base {
		delete(tt.far, id)
		return
	}
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
	tt.dropDeadPrefix()
}

// ids returns the pending timer ids in increasing order.
func (tt *timerTable) ids() []proc.TimerID {
	out := make([]proc.TimerID, 0, len(tt.far)+tt.live)
	out = append(out, slices.Sorted(maps.Keys(tt.far))...) // all older than base
	for k := range tt.n {
		id := tt.base + proc.TimerID(k)
		if tt.ring[int(id)&(len(tt.ring)-1)].pending {
			out = append(out, id)
		}
	}
	return out
}

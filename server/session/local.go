package session

import "slices"

// Touch is one session touch forwarded from a follower to the leader in a
// PING: the session id and the timeout to touch it with.
type Touch struct {
	ID        int64
	TimeoutMS int32
}

// LocalTracker is a follower's (or observer's) session table, as
// LearnerSessionTracker without local sessions: it knows the global sessions
// from committed createSession/closeSession txns and accumulates the touches
// of its clients until the next PING to the leader, which owns expiry.
type LocalTracker struct {
	global  map[int64]int32 // session id → timeout (ms)
	touches map[int64]int32
}

// NewLocalTracker returns an empty follower-side tracker.
func NewLocalTracker() *LocalTracker {
	return &LocalTracker{global: make(map[int64]int32), touches: make(map[int64]int32)}
}

// AddGlobal records a session created by a committed txn (or restored from a
// snapshot).
func (l *LocalTracker) AddGlobal(id int64, timeoutMS int32) { l.global[id] = timeoutMS }

// RemoveGlobal forgets a session closed by a committed txn, with any touch
// still pending for it.
func (l *LocalTracker) RemoveGlobal(id int64) {
	delete(l.global, id)
	delete(l.touches, id)
}

// IsGlobal reports whether the session is known.
func (l *LocalTracker) IsGlobal(id int64) bool {
	_, ok := l.global[id]
	return ok
}

// TimeoutMS returns a known session's timeout.
func (l *LocalTracker) TimeoutMS(id int64) (int32, bool) {
	t, ok := l.global[id]
	return t, ok
}

// Touch records client activity on a session for the next PING. It reports
// false for a session this server does not know, as ZooKeeper does.
func (l *LocalTracker) Touch(id int64, timeoutMS int32) bool {
	if !l.IsGlobal(id) {
		return false
	}
	l.touches[id] = timeoutMS
	return true
}

// Snapshot returns the touches accumulated since the previous Snapshot,
// sorted by session id, and clears them (LearnerSessionTracker's
// snapshot-and-swap of its touch table).
func (l *LocalTracker) Snapshot() []Touch {
	out := make([]Touch, 0, len(l.touches))
	for id, to := range l.touches {
		out = append(out, Touch{ID: id, TimeoutMS: to})
	}
	slices.SortFunc(out, func(a, b Touch) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	clear(l.touches)
	return out
}

// IDs returns every known session id, sorted.
func (l *LocalTracker) IDs() []int64 {
	ids := make([]int64, 0, len(l.global))
	for id := range l.global {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

package session

import (
	"errors"
	"fmt"
	"slices"

	"github.com/zabsim/zabsim/server/wire"
)

// Config holds the session timing settings of one server. Zero bounds take
// ZooKeeper's defaults.
type Config struct {
	// TickTimeMS is ZooKeeper's tickTime: the width of an expiry bucket.
	TickTimeMS int64
	// MinSessionTimeoutMS is the smallest timeout granted (0: 2 × tickTime).
	MinSessionTimeoutMS int64
	// MaxSessionTimeoutMS is the largest timeout granted (0: 20 × tickTime).
	MaxSessionTimeoutMS int64
	_                   struct{}
}

// ErrBadConfig reports a Config that cannot work.
var ErrBadConfig = errors.New("session: bad config")

// Validate reports whether the config is usable.
func (c Config) Validate() error {
	if c.TickTimeMS <= 0 {
		return fmt.Errorf("%w: tickTime %d ms must be positive", ErrBadConfig, c.TickTimeMS)
	}
	if c.MinSessionTimeoutMS < 0 || c.MaxSessionTimeoutMS < 0 {
		return fmt.Errorf("%w: negative session timeout bound", ErrBadConfig)
	}
	if c.MinMS() > c.MaxMS() {
		return fmt.Errorf("%w: minSessionTimeout %d ms > maxSessionTimeout %d ms", ErrBadConfig, c.MinMS(), c.MaxMS())
	}
	if c.MaxMS() > 1<<31-1 {
		return fmt.Errorf("%w: maxSessionTimeout %d ms does not fit the wire's int32", ErrBadConfig, c.MaxMS())
	}
	return nil
}

// MinMS is the effective minimum session timeout.
func (c Config) MinMS() int64 {
	if c.MinSessionTimeoutMS == 0 {
		return 2 * c.TickTimeMS
	}
	return c.MinSessionTimeoutMS
}

// MaxMS is the effective maximum session timeout.
func (c Config) MaxMS() int64 {
	if c.MaxSessionTimeoutMS == 0 {
		return 20 * c.TickTimeMS
	}
	return c.MaxSessionTimeoutMS
}

// Negotiate clamps a client's requested timeout to [MinMS, MaxMS], as
// ZooKeeperServer.processConnectRequest does.
func (c Config) Negotiate(requestedMS int32) int32 {
	return int32(min(max(int64(requestedMS), c.MinMS()), c.MaxMS()))
}

// Owner names the connection a session is bound to, for SessionMoved: on a
// leader, the server that forwarded the session's requests; on the server a
// client is connected to, that connection.
type Owner struct {
	Server int64
	Conn   uint64
}

// Session is a read-only view of one tracked session.
type Session struct {
	ID        int64
	TimeoutMS int32
	// ExpiryMS is the end of the bucket the session sits in, when Bucketed;
	// a session leaves its bucket when it expires or starts closing.
	ExpiryMS int64
	Bucketed bool
	// Closing is set by expiry or SetClosing; a closing session rejects new
	// requests and is no longer touched.
	Closing bool
	Owner   Owner
	Owned   bool
}

type entry struct {
	timeoutMS int32
	expiryMS  int64 // key of the bucket holding the session, when bucketed
	bucketed  bool
	closing   bool
	owner     Owner
	owned     bool
}

// Tracker is the leader's (or a standalone server's) session table with
// ZooKeeper's expiry buckets: a session touched at time t with timeout T sits
// in the bucket ending at the first multiple of tickTime strictly after t+T,
// and expires once the clock reaches that bucket's end. Sessions in one bucket
// expire together, which bounds the work per tick.
type Tracker struct {
	tickMS   int64
	sessions map[int64]*entry
	buckets  map[int64]map[int64]struct{} // bucket end (ms) → session ids
	nextID   int64
	// spare holds emptied bucket sets for reuse: sessions move to a new
	// bucket every tick they are touched in, so without it each tick
	// allocates a new set.
	spare []map[int64]struct{}
}

// maxSpareBuckets bounds the emptied bucket sets kept for reuse.
const maxSpareBuckets = 4

// newBucket returns an empty bucket set, a spare one if there is one.
func (t *Tracker) newBucket() map[int64]struct{} {
	if n := len(t.spare); n > 0 {
		b := t.spare[n-1]
		t.spare[n-1] = nil
		t.spare = t.spare[:n-1]
		return b
	}
	return make(map[int64]struct{})
}

// dropBucket removes the bucket ending at end and keeps its set, emptied,
// for reuse.
func (t *Tracker) dropBucket(end int64, b map[int64]struct{}) {
	delete(t.buckets, end)
	if len(t.spare) < maxSpareBuckets {
		clear(b)
		t.spare = append(t.spare, b)
	}
}

// NewTracker returns an empty tracker whose first generated id is
// InitialID(serverID, nowMS).
func NewTracker(cfg Config, serverID int64, nowMS int64) (*Tracker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if serverID < 0 || serverID > 255 {
		return nil, fmt.Errorf("%w: server id %d does not fit the session id's top byte", ErrBadConfig, serverID)
	}
	return &Tracker{
		tickMS:   cfg.TickTimeMS,
		sessions: make(map[int64]*entry),
		buckets:  make(map[int64]map[int64]struct{}),
		nextID:   InitialID(serverID, nowMS),
	}, nil
}

// roundToNextInterval is ExpiryQueue.roundToNextInterval: the first bucket
// end strictly after tMS.
func (t *Tracker) roundToNextInterval(tMS int64) int64 {
	return (floorDiv(tMS, t.tickMS) + 1) * t.tickMS
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Create starts a new session with a fresh id and returns the id. timeoutMS
// should already be negotiated.
func (t *Tracker) Create(timeoutMS int32, nowMS int64) int64 {
	id := t.nextID
	t.nextID++
	if t.nextID == containerEphemeralOwner {
		t.nextID++
	}
	t.Add(id, timeoutMS, nowMS)
	return id
}

// Add tracks a session known from elsewhere (a createSession txn, a restored
// snapshot, a newly elected leader taking over) and touches it. It reports
// whether the session was new. As in ZooKeeper, an existing session keeps its
// recorded timeout but is touched with the given one.
func (t *Tracker) Add(id int64, timeoutMS int32, nowMS int64) bool {
	_, ok := t.sessions[id]
	if !ok {
		t.sessions[id] = &entry{timeoutMS: timeoutMS}
	}
	t.Touch(id, timeoutMS, nowMS)
	return !ok
}

// AddUnarmed tracks a session without putting it in an expiry bucket: it
// never expires until something touches it. ZooKeeper's leader did this to
// sessions it restored at startup before the ZOOKEEPER-1367 fix (the zk-1367
// bug switch): a session whose client is gone keeps its ephemerals forever.
// It reports whether the session was new; a known session is left as is.
func (t *Tracker) AddUnarmed(id int64, timeoutMS int32) bool {
	if _, ok := t.sessions[id]; ok {
		return false
	}
	t.sessions[id] = &entry{timeoutMS: timeoutMS}
	return true
}

// Touch moves a live session to the bucket for nowMS + timeoutMS. It reports
// false, changing nothing, for an unknown or closing session.
func (t *Tracker) Touch(id int64, timeoutMS int32, nowMS int64) bool {
	e, ok := t.sessions[id]
	if !ok || e.closing {
		return false
	}
	expiryMS := t.roundToNextInterval(nowMS + int64(timeoutMS))
	if e.bucketed && expiryMS == e.expiryMS {
		return true
	}
	t.unbucket(id, e)
	b := t.buckets[expiryMS]
	if b == nil {
		b = t.newBucket()
		t.buckets[expiryMS] = b
	}
	b[id] = struct{}{}
	e.expiryMS, e.bucketed = expiryMS, true
	return true
}

func (t *Tracker) unbucket(id int64, e *entry) {
	if !e.bucketed {
		return
	}
	if b := t.buckets[e.expiryMS]; b != nil {
		delete(b, id)
		if len(b) == 0 {
			t.dropBucket(e.expiryMS, b)
		}
	}
	e.bucketed = false
}

// Expired returns, sorted, the sessions whose bucket ended at or before nowMS,
// marks them closing and takes them out of the buckets; the caller then
// submits a closeSession for each and calls Remove once it is applied. Unlike
// ZooKeeper's ExpiryQueue, which polls one bucket per tick from a monotonic
// clock, it drains every overdue bucket, so a clock that jumped (either way)
// strands nobody.
func (t *Tracker) Expired(nowMS int64) []int64 {
	ids := t.drainExpired(nowMS)
	for _, id := range ids {
		t.sessions[id].closing = true
	}
	return ids
}

// ExpiredOpen is Expired without marking the sessions closing, as
// ZooKeeper's session expiry behaved before the ZOOKEEPER-1208 fix (the
// zk-1208 bug switch): the sessions leave their buckets but still pass
// checkSession until their closeSession is applied, so a request of the
// session prepped in that window commits after the close. A touch in that
// window puts a session back in a bucket; it expires again later.
func (t *Tracker) ExpiredOpen(nowMS int64) []int64 { return t.drainExpired(nowMS) }

// drainExpired takes every session whose bucket ended at or before nowMS
// out of the buckets and returns them sorted.
func (t *Tracker) drainExpired(nowMS int64) []int64 {
	var ends []int64
	for end := range t.buckets {
		if end <= nowMS {
			ends = append(ends, end)
		}
	}
	var ids []int64
	for _, end := range ends {
		b := t.buckets[end]
		for id := range b {
			ids = append(ids, id)
		}
		t.dropBucket(end, b)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t.sessions[id].bucketed = false
	}
	return ids
}

// NextExpiryMS returns the end of the earliest non-empty bucket, the time at
// which Expired next has work, and false when no session is waiting to
// expire.
func (t *Tracker) NextExpiryMS() (int64, bool) {
	first, ok := int64(0), false
	for end := range t.buckets {
		if !ok || end < first {
			first, ok = end, true
		}
	}
	return first, ok
}

// SetClosing marks a session closing (a closeSession request is in flight):
// it is no longer touched or expired and rejects new requests. Unknown ids are
// ignored.
func (t *Tracker) SetClosing(id int64) {
	if e, ok := t.sessions[id]; ok {
		e.closing = true
		t.unbucket(id, e)
	}
}

// Remove forgets a session (its closeSession txn was applied).
func (t *Tracker) Remove(id int64) {
	if e, ok := t.sessions[id]; ok {
		t.unbucket(id, e)
		delete(t.sessions, id)
	}
}

// Check validates a request of session id arriving through owner, as
// SessionTrackerImpl.checkSession: unknown sessions get ErrUnknownSession,
// closing ones ErrSessionExpired, and a session owned by another connection
// ErrSessionMoved. An unowned session becomes owned by owner.
func (t *Tracker) Check(id int64, owner Owner) error {
	e, ok := t.sessions[id]
	switch {
	case !ok:
		return wire.ErrUnknownSession
	case e.closing:
		return wire.ErrSessionExpired
	case !e.owned:
		e.owner, e.owned = owner, true
		return nil
	case e.owner != owner:
		return wire.ErrSessionMoved
	}
	return nil
}

// SetOwner binds a live session to owner (the client reconnected through it,
// ZooKeeper's revalidation). Unknown or closing sessions get
// ErrSessionExpired.
func (t *Tracker) SetOwner(id int64, owner Owner) error {
	e, ok := t.sessions[id]
	if !ok || e.closing {
		return wire.ErrSessionExpired
	}
	e.owner, e.owned = owner, true
	return nil
}

// Get returns a view of one session.
func (t *Tracker) Get(id int64) (Session, bool) {
	e, ok := t.sessions[id]
	if !ok {
		return Session{}, false
	}
	return Session{
		ID: id, TimeoutMS: e.timeoutMS, ExpiryMS: e.expiryMS, Bucketed: e.bucketed,
		Closing: e.closing, Owner: e.owner, Owned: e.owned,
	}, true
}

// Len returns the number of tracked sessions, closing ones included.
func (t *Tracker) Len() int { return len(t.sessions) }

// IDs returns every tracked session id, sorted.
func (t *Tracker) IDs() []int64 {
	ids := make([]int64, 0, len(t.sessions))
	for id := range t.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

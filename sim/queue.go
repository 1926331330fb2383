package sim

// evKind is what an event does when it runs.
type evKind uint8

const (
	evNone     evKind = iota
	evFunc            // a harness function (World.Schedule / After)
	evSyn             // a connection request reaches the listener
	evSynAck          // the dialer learns its connection is up
	evData            // a chunk of a connection's byte stream arrives
	evFin             // the peer closed the connection cleanly
	evReset           // the connection broke; this end notices
	evRefused         // the dial was refused
	evDatagram        // a datagram arrives
	evTimer           // a timer fires
	evSyncDone        // an fsync completes
)

// event is one queued action, stored by value in the heap. Which fields mean
// what depends on kind; id is a connection end, timer, sync, datagram or
// function id. It holds no pointers (a payload lives in the queue's slab,
// named by slot), so moving events in the heap needs no GC write barriers.
//
// It is four words: every push and pop moves an event per heap level, and
// six words (seq, node and kind apart, gen and slot apart) cost a third
// more. The sequence number, node and kind share key, whose order is the
// sequence number's (it is in the high bits and unique); a payload slot
// and a generation are never both needed, so they share aux.
type event struct {
	atNS int64
	key  uint64 // seq<<metaBits | (node+1)<<kindBits | kind
	id   uint64
	// aux is the payload slot + 1 of evData and evDatagram (0 = none), the
	// timer generation of evTimer, the incarnation of evSyncDone.
	aux uint64
}

const (
	kindBits = 4  // evKind values
	nodeBits = 11 // node index + 1 (0 is the harness, node -1)
	metaBits = kindBits + nodeBits
	// maxNodes is how many nodes a world holds (node indexes fit in key).
	maxNodes = 1<<nodeBits - 1
	// Sequence numbers have the 64 - metaBits = 49 high bits of key: they
	// start at firstSeq (1<<48), which leaves 2^48 pushes, far beyond any
	// run's event limit.
)

// newEvent is an event not yet numbered (push numbers it).
func newEvent(atNS int64, kind evKind, node int32, id, aux uint64) event {
	return event{atNS: atNS, key: uint64(node+1)<<kindBits | uint64(kind), id: id, aux: aux}
}

func (e *event) seq() uint64  { return e.key >> metaBits }
func (e *event) node() int32  { return int32(e.key>>kindBits&(1<<nodeBits-1)) - 1 }
func (e *event) kind() evKind { return evKind(e.key & (1<<kindBits - 1)) }

func (e *event) setSeq(seq uint64) { e.key = seq<<metaBits | e.key&(1<<metaBits-1) }

// payload reports whether aux names a payload slot.
func (e *event) payload() bool { k := e.kind(); return k == evData || k == evDatagram }

// eventQueue is a binary min-heap of events ordered by (atNS, seq). It is
// hand-written so that pushes and pops move values, never interfaces, and
// sift with a hole instead of swaps. Payloads sit in a slab with a free list.
type eventQueue struct {
	h    []event
	slab [][]byte
	free []uint32
}

// store parks a payload and returns its slot + 1; slot 0 means "no
// payload". Every sent chunk gets a slot, even an empty one, so the receiver
// sees exactly the slice that was sent.
func (q *eventQueue) store(b []byte) uint32 {
	if n := len(q.free); n > 0 {
		s := q.free[n-1]
		q.free = q.free[:n-1]
		q.slab[s] = b
		return s + 1
	}
	q.slab = append(q.slab, b)
	return uint32(len(q.slab))
}

// take returns and releases the payload of slot (slot + 1, as stored).
func (q *eventQueue) take(slot uint32) []byte {
	if slot == 0 {
		return nil
	}
	b := q.slab[slot-1]
	q.slab[slot-1] = nil
	q.free = append(q.free, slot-1)
	return b
}

func (q *eventQueue) len() int { return len(q.h) }

func less(a, b *event) bool {
	if a.atNS != b.atNS {
		return a.atNS < b.atNS
	}
	return a.key < b.key // the sequence numbers' order
}

func (q *eventQueue) push(e event) {
	h := append(q.h, e)
	i := uint(len(h) - 1)
	hole := &h[i]
	for i > 0 {
		p := (i - 1) / 2
		pe := &h[p]
		if !less(&e, pe) {
			break
		}
		*hole = *pe
		hole, i = pe, p
	}
	*hole = e
	q.h = h
}

func (q *eventQueue) peek() *event { return &q.h[0] }

// pop removes and returns the earliest event. It moves the hole at the root
// down to a leaf along the smaller children (one comparison per level),
// then sifts the heap's last event up from there (Floyd's bottom-up
// variant): the last event is a late one, so it rarely climbs far, and the
// usual top-down sift's second comparison per level is saved. The pop order
// is the same: (atNS, seq) is a total order.
func (q *eventQueue) pop() event {
	h := q.h
	n := len(h) - 1
	top, last := h[0], h[n]
	h = h[:n]
	q.h = h
	if n == 0 {
		return top
	}
	// The loops move a hole (a pointer) and compare uint indexes with
	// len(h), from which the compiler proves them in range: bounds checks
	// and index arithmetic were half of each level's instructions.
	hole, i := &h[0], uint(0)
	for {
		m := 2*i + 1
		if m >= uint(len(h)) {
			break
		}
		c := &h[m]
		if r := m + 1; r < uint(len(h)) && less(&h[r], c) {
			m, c = r, &h[r]
		}
		*hole = *c
		hole, i = c, m
	}
	for i > 0 {
		p := (i - 1) / 2
		pe := &h[p]
		if !less(&last, pe) {
			break
		}
		*hole = *pe
		hole, i = pe, p
	}
	*hole = last
	return top
}

// heapify restores heap order over the whole of q.h (Floyd's bottom-up
// build, O(n)), after sweep dropped entries from the middle.
func (q *eventQueue) heapify() {
	h := q.h
	for i := len(h)/2 - 1; i >= 0; i-- {
		e := h[i]
		j := i
		for {
			m := 2*j + 1
			if m >= len(h) {
				break
			}
			if r := m + 1; r < len(h) && less(&h[r], &h[m]) {
				m = r
			}
			if !less(&h[m], &e) {
				break
			}
			h[j] = h[m]
			j = m
		}
		h[j] = e
	}
}

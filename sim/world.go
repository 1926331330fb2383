package sim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// ErrEventLimit is returned when a run exceeds Options.MaxEvents.
var ErrEventLimit = errors.New("sim: event limit reached")

// World is one deterministic simulation: nodes, network, clocks, disks and
// an event queue, all driven from one seed on one goroutine. It is not safe
// for concurrent use.
type World struct {
	seed  uint64
	opts  Options
	maxEv uint64

	nowNS    int64
	seq      uint64 // starts at firstSeq; lowSeq below it orders resumed events first
	lowSeq   uint64
	executed uint64
	q        eventQueue
	// stale bounds from above how many queued timer entries are stale (their
	// timer was cancelled or re-aimed): see timersGone.
	stale int
	hash  traceHash

	netRng    *rand.Rand
	detectRng *rand.Rand

	nodes  []*node
	byName map[string]*node
	links  []link // len(nodes)², index from*len(nodes)+to

	// conns holds every connection by id (ids count up from 1; index 0 is
	// unused); a forgotten one is nil. A slice, not a map: it is looked up
	// on every send and delivery.
	conns    []*conn
	nextConn uint64
	dgrams   map[uint64]datagram
	nextID   uint64 // datagram, function and timer-generation ids
	funcs    map[uint64]func()

	// depth > 0 while a process or an observer runs: world changes made
	// then are deferred until the current event finishes.
	depth    int
	deferred []func() error

	log io.Writer
	// obs lists, per record kind, the observers that want that kind, in
	// the order they were added (see KindObserver).
	obs [numRecordKinds][]Observer
	rec Record // reused for observer calls
	// noteRec is reused for Env.Emit notes, which arrive while rec holds
	// the event being delivered.
	noteRec Record
}

// NewWorld builds an empty world whose every random choice derives from seed.
func NewWorld(seed uint64, opts Options) (*World, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := &World{
		seed:      seed,
		opts:      opts,
		maxEv:     opts.MaxEvents,
		hash:      newTraceHash(),
		netRng:    newStream(seed, "net"),
		detectRng: newStream(seed, "net/detect"),
		byName:    map[string]*node{},
		conns:     []*conn{nil},
		dgrams:    map[uint64]datagram{},
		funcs:     map[uint64]func(){},
		seq:       firstSeq,
		nextConn:  1,
		nextID:    1,
		log:       opts.Log,
	}
	if w.maxEv == 0 {
		w.maxEv = DefaultMaxEvents
	}
	for _, o := range opts.Observers {
		w.subscribe(o)
	}
	w.hash.u64(seed)
	return w, nil
}

// subscribe adds o to the observer lists of the kinds it wants.
func (w *World) subscribe(o Observer) {
	ko, filtered := o.(KindObserver)
	for k := RecordKind(1); k < numRecordKinds; k++ {
		if !filtered || ko.Observes(k) {
			w.obs[k] = append(w.obs[k], o)
		}
	}
}

// Seed is the world's seed.
func (w *World) Seed() uint64 { return w.seed }

// Rand returns a new generator for the named stream of this world's seed.
// The same name always yields the same sequence; distinct names are
// independent. Call it once per component and keep the result.
func (w *World) Rand(name string) *rand.Rand { return newStream(w.seed, "user/"+name) }

// Now is the world time since the start of the run.
func (w *World) Now() time.Duration { return time.Duration(w.nowNS) }

// Executed is the number of events executed so far.
func (w *World) Executed() uint64 { return w.executed }

// TraceHash is the running hash of everything executed so far, as 16 hex
// digits. Same seed, scenario and code give the same hash.
func (w *World) TraceHash() string { return w.hash.hex() }

// AddObserver adds an observer; it sees everything from now on.
func (w *World) AddObserver(o Observer) error {
	if o == nil {
		return errors.New("sim: nil observer")
	}
	w.opts.Observers = append(w.opts.Observers, o)
	w.subscribe(o)
	return nil
}

// firstSeq leaves room below ordinary sequence numbers for events a paused
// node held back (see Resume).
const firstSeq = 1 << 48

func (w *World) push(e event) {
	if e.atNS < w.nowNS {
		failf("event of kind %d pushed for %dns, before now (%dns)", e.kind(), e.atNS, w.nowNS)
	}
	w.seq++
	e.setSeq(w.seq)
	w.q.push(e)
}

// Cancelled timers stay in the queue: finding an entry in the heap would
// cost every push and pop an index update. An entry whose timer was
// cancelled (or re-aimed, or lost in a crash) is stale: running it would do
// nothing, so next drops stale entries as they reach the top, and they are
// never executed, held for a paused node or counted. They are most of the
// queue, though (clients arm a timeout per operation and cancel it on the
// reply: ~400 of ~450 entries at bench --sim's load), and a deeper heap
// costs every push and pop, so timersGone sweeps them out once they may be
// more than a quarter of it.

// staleTimer reports whether e is a stale timer entry.
func (w *World) staleTimer(e *event) bool {
	if e.kind() != evTimer {
		return false
	}
	t, ok := w.nodes[e.node()].timers.get(proc.TimerID(e.id))
	return !ok || t.gen != e.aux
}

// next returns the earliest queued event that is not a stale timer entry,
// dropping those before it, or nil when there is none.
func (w *World) next() *event {
	for w.q.len() > 0 {
		if e := w.q.peek(); !w.staleTimer(e) {
			return e
		}
		w.q.pop() // no payload: timer entries have none
	}
	return nil
}

// timersGone notes that k queued timer entries just became stale, and
// sweeps the stale entries out when they may be more than a quarter of the
// queue (so a sweep's O(n) is paid for by the n/4 cancellations before it;
// at bench --sim's load a quarter measured a little cheaper than a half or
// an eighth).
func (w *World) timersGone(k int) {
	w.stale += k
	if w.stale > 16 && 4*w.stale > w.q.len() {
		h := w.q.h[:0]
		for i := range w.q.h {
			if !w.staleTimer(&w.q.h[i]) {
				h = append(h, w.q.h[i])
			}
		}
		w.q.h = h
		w.q.heapify()
		w.stale = 0
	}
}

func (w *World) newID() uint64 {
	id := w.nextID
	w.nextID++
	return id
}

// Schedule runs fn at world time at (since the start). Times in the past are
// an error.
func (w *World) Schedule(at time.Duration, fn func()) error {
	if fn == nil {
		return errors.New("sim: Schedule of a nil function")
	}
	if int64(at) < w.nowNS {
		return fmt.Errorf("sim: Schedule at %v, before now (%v)", at, w.Now())
	}
	id := w.newID()
	w.funcs[id] = fn
	w.push(newEvent(int64(at), evFunc, -1, id, 0))
	return nil
}

// After runs fn once d has passed in world time.
func (w *World) After(d time.Duration, fn func()) error {
	if d < 0 {
		return fmt.Errorf("sim: After(%v): negative delay", d)
	}
	return w.Schedule(w.Now()+d, fn)
}

// Step executes the next event. It returns false when the queue is empty or
// the event limit is reached.
func (w *World) Step() bool {
	if w.next() == nil || w.executed >= w.maxEv {
		return false
	}
	w.step()
	return true
}

// step executes the event at the top of the queue, which next has just
// returned (so it is not a stale timer entry).
func (w *World) step() {
	e := w.q.pop()
	var data []byte
	if e.payload() {
		data = w.q.take(uint32(e.aux))
	}
	w.checkStep(&e)
	w.nowNS = e.atNS
	w.exec(&e, data)
	w.runDeferred()
}

// RunUntil executes every event up to and including world time t, then
// leaves the clock at t (if t is not in the past).
func (w *World) RunUntil(t time.Duration) error {
	for e := w.next(); e != nil && e.atNS <= int64(t); e = w.next() {
		if w.executed >= w.maxEv {
			return ErrEventLimit
		}
		w.step() // not Step: next has just looked at the top
	}
	w.nowNS = max(w.nowNS, int64(t))
	return nil
}

// RunFor runs for d of world time.
func (w *World) RunFor(d time.Duration) error { return w.RunUntil(w.Now() + d) }

// RunWhile executes events while cond() holds, for at most limit of world
// time. It returns nil when cond became false, and an error when the limit or
// the event limit was reached first, or the queue ran dry with cond still
// true.
func (w *World) RunWhile(cond func() bool, limit time.Duration) error {
	if cond == nil {
		return errors.New("sim: RunWhile with a nil condition")
	}
	end := w.nowNS + int64(limit)
	for cond() {
		e := w.next()
		if e == nil {
			return errors.New("sim: RunWhile: no events left and the condition still holds")
		}
		if e.atNS > end {
			w.nowNS = end
			return fmt.Errorf("sim: RunWhile: condition still holds after %v", limit)
		}
		if !w.Step() {
			return ErrEventLimit
		}
	}
	return nil
}

// act applies a world change now, or right after the current event when a
// process or observer is running.
func (w *World) act(f func() error) error {
	if w.depth > 0 {
		w.deferred = append(w.deferred, f)
		return nil
	}
	err := f()
	w.runDeferred()
	return err
}

// runDeferred applies deferred changes in order. One that no longer applies
// (the node changed state meanwhile) is reported to observers, not applied.
func (w *World) runDeferred() {
	for len(w.deferred) > 0 {
		f := w.deferred[0]
		w.deferred = w.deferred[1:]
		if err := f(); err != nil {
			w.fault(nil, "skipped: "+err.Error())
		}
	}
}

// observe hands the reused record r (w.rec or w.noteRec) to every observer
// of its kind.
func (w *World) observe(r *Record) {
	w.depth++
	for _, o := range w.obs[r.Kind] {
		o.Observe(r)
	}
	w.depth--
}

// observing reports whether some observer wants records of kind k.
func (w *World) observing(k RecordKind) bool { return len(w.obs[k]) > 0 }

// fault records a fault change in the trace and tells observers.
func (w *World) fault(n *node, detail string) {
	w.hash.u64(uint64(w.nowNS))
	w.hash.str(detail)
	if !w.observing(RecordFault) {
		return
	}
	w.rec = Record{At: w.Now(), Kind: RecordFault, Detail: detail}
	if n != nil {
		w.rec.Node = n.name
	}
	w.observe(&w.rec)
}

func (w *World) lifecycle(n *node, l Lifecycle, detail string) {
	w.hash.u64(uint64(w.nowNS))
	w.hash.u64(uint64(n.idx))
	w.hash.u64(uint64(l))
	if !w.observing(RecordLifecycle) {
		return
	}
	w.rec = Record{At: w.Now(), Node: n.name, Kind: RecordLifecycle, Lifecycle: l, Detail: detail}
	w.observe(&w.rec)
}

// exec runs one event.
func (w *World) exec(e *event, data []byte) {
	if e.kind() == evFunc {
		fn := w.funcs[e.id]
		delete(w.funcs, e.id)
		w.hashEvent(e, nil)
		w.executed++
		fn()
		return
	}
	n := w.nodes[e.node()]
	if n.state == statePaused {
		if e.payload() {
			e.aux = uint64(w.q.store(data)) // keep the payload with the held event
		}
		n.held = append(n.held, *e)
		return
	}
	switch e.kind() {
	case evSyn:
		w.execSyn(n, e)
	case evSynAck, evData, evFin, evReset, evRefused:
		w.execConn(n, e, data)
	case evDatagram:
		w.execDatagram(n, e, data)
	case evTimer:
		w.execTimer(n, e)
	case evSyncDone:
		w.execSyncDone(n, e)
	}
}

func (w *World) hashEvent(e *event, data []byte) {
	h := &w.hash
	h.u64(uint64(e.atNS))
	h.u64(e.seq())
	h.u64(uint64(e.node())<<8 | uint64(e.kind()))
	h.u64(e.id)
	h.bytes(data)
}

// deliver hands pe to n's process, hashing and observing it first; data is
// the event's payload, if any.
func (w *World) deliver(n *node, e *event, data []byte, pe proc.Event) {
	w.hashEvent(e, data)
	w.executed++
	w.depth++
	if w.observing(RecordEvent) {
		w.rec = Record{At: w.Now(), Seq: e.seq(), Node: n.name, Kind: RecordEvent, Event: pe}
		w.observe(&w.rec)
	}
	if n.state == stateRunning { // an observer's change is deferred, but be safe
		n.proc.Handle(pe)
	}
	w.depth--
}

// direct starts delivering an event to a fast handler of n's process (see
// proc.ReceivedHandler) instead of Handle, when it can: no observer
// records events (a RecordEvent carries the boxed event) and the process
// runs. Then it does what deliver does before the handler runs and returns
// true; the caller calls the handler and then decrements w.depth. Else it
// does nothing and the caller uses deliver.
func (w *World) direct(n *node, e *event, data []byte) bool {
	if w.observing(RecordEvent) || n.state != stateRunning {
		return false
	}
	w.hashEvent(e, data)
	w.executed++
	w.depth++
	return true
}

func (w *World) lookup(name string) (*node, error) {
	n, ok := w.byName[name]
	if !ok {
		return nil, fmt.Errorf("sim: unknown node %q", name)
	}
	return n, nil
}

// NodeNames returns the node names in the order they were added.
func (w *World) NodeNames() []string {
	names := make([]string, len(w.nodes))
	for i, n := range w.nodes {
		names[i] = n.name
	}
	return names
}

package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/proc"
)

type nodeState uint8

const (
	stateNew nodeState = iota // added, never started
	stateRunning
	statePaused
	stateCrashed
)

type timer struct {
	deadlineNS int64 // on the local clock
	gen        uint64
	tag        any
}

type node struct {
	w       *World
	idx     int32
	name    string
	factory proc.Factory
	state   nodeState
	inc     uint64 // incarnation: bumped by every crash
	starts  uint64
	proc    proc.Process
	// The process's optional fast handlers (nil if it has none): see
	// proc.ReceivedHandler and World.direct.
	recvH  proc.ReceivedHandler
	timerH proc.TimerHandler
	syncH  proc.SyncDoneHandler
	disk   *Disk
	// clock is the node's wall clock (Env.Now): offset, drift and jumps.
	// mono is its monotonic clock: it drifts with the wall clock but never
	// jumps, and timers are deadlines on it, as on a real machine where
	// timeouts use CLOCK_MONOTONIC and settimeofday moves only the wall
	// clock (ZooKeeper itself measures elapsed time with nanoTime).
	clock clock
	mono  clock

	listeners  map[string]bool
	timers     timerTable
	nextTimer  proc.TimerID
	held       []event // events that arrived while paused, in arrival order
	lastSyncNS int64   // completion time of the latest sync: syncs finish in order
}

// AddNode adds a node called name (no ':' allowed) whose processes f builds.
// The node is down until Start.
func (w *World) AddNode(name string, f proc.Factory, opts NodeOptions) error {
	if name == "" || strings.ContainsAny(name, ": \t\n") {
		return fmt.Errorf("sim: bad node name %q", name)
	}
	if _, dup := w.byName[name]; dup {
		return fmt.Errorf("sim: duplicate node %q", name)
	}
	if f == nil {
		return fmt.Errorf("sim: node %q has a nil factory", name)
	}
	if len(w.nodes) >= maxNodes {
		return fmt.Errorf("sim: node %q: a world holds at most %d nodes", name, maxNodes)
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("node %q: %w", name, err)
	}
	disk, err := NewDisk(newStream(w.seed, "disk/"+name), opts.Disk)
	if err != nil {
		return err
	}
	rate := opts.ClockRate
	if rate == 0 {
		rate = 1
	}
	n := &node{
		w: w, idx: int32(len(w.nodes)), name: name, factory: f, disk: disk,
		clock: newClock(int64(opts.ClockOffset), rate),
		mono:  newClock(0, rate),
	}
	n.clock.rebase(w.nowNS)
	n.mono.rebase(w.nowNS)
	disk.onSync = n.scheduleSync
	w.nodes = append(w.nodes, n)
	w.byName[name] = n
	w.growLinks()
	return nil
}

// Disk returns a node's disk (for inspection and disk faults).
func (w *World) Disk(name string) (*Disk, error) {
	n, err := w.lookup(name)
	if err != nil {
		return nil, err
	}
	return n.disk, nil
}

// Running reports whether a node is up (running or paused).
func (w *World) Running(name string) bool {
	n, ok := w.byName[name]
	return ok && (n.state == stateRunning || n.state == statePaused)
}

// Start starts a node that was never started or has crashed, with a fresh
// process from its factory and the disk as it survived.
func (w *World) Start(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	return w.act(func() error { return w.start(n) })
}

// Restart starts a crashed node again (Start, for a node that has run).
func (w *World) Restart(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if n.state == stateNew {
		return fmt.Errorf("sim: restart %q: never started", name)
	}
	return w.act(func() error { return w.start(n) })
}

func (w *World) start(n *node) error {
	if n.state != stateNew && n.state != stateCrashed {
		return fmt.Errorf("sim: start %q: already up", n.name)
	}
	p := n.factory()
	if p == nil {
		return fmt.Errorf("sim: start %q: factory returned nil", n.name)
	}
	l := Started
	if n.state == stateCrashed {
		l = Restarted
	}
	n.state, n.proc = stateRunning, p
	n.recvH, _ = p.(proc.ReceivedHandler)
	n.timerH, _ = p.(proc.TimerHandler)
	n.syncH, _ = p.(proc.SyncDoneHandler)
	n.disk.pending = n.disk.pending[:0] // a new incarnation never sees older syncs
	n.listeners = map[string]bool{}
	n.timers.reset(n.nextTimer + 1)
	n.starts++
	w.lifecycle(n, l, "")
	e := &env{w: w, n: n, inc: n.inc,
		rng: newStream(w.seed, "proc/"+n.name+"/"+strconv.FormatUint(n.starts, 10))}
	w.depth++
	p.Start(e)
	w.depth--
	return nil
}

// Crash stops a node as a power loss would: its process, timers, listeners
// and connections are gone (peers learn after the break-detection delay),
// pending syncs are lost, and the disk keeps what mode says.
func (w *World) Crash(name string, mode CrashMode) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if !mode.valid() {
		return fmt.Errorf("sim: crash %q: unknown mode %v", name, mode)
	}
	return w.act(func() error { return w.crash(n, mode) })
}

func (w *World) crash(n *node, mode CrashMode) error {
	if n.state != stateRunning && n.state != statePaused {
		return fmt.Errorf("sim: crash %q: not up", n.name)
	}
	n.state, n.proc = stateCrashed, nil
	n.recvH, n.timerH, n.syncH = nil, nil, nil
	n.inc++
	for _, e := range n.held {
		if e.payload() {
			w.q.take(uint32(e.aux)) // free the payloads a paused node was holding
		}
	}
	gone := n.timers.live + len(n.timers.far)
	n.timers.reset(n.nextTimer + 1)
	w.timersGone(gone)
	n.listeners, n.held = nil, nil
	if err := n.disk.Crash(mode); err != nil {
		return err
	}
	w.breakConns(func(c *conn) bool { return c.touches(n.idx) })
	w.lifecycle(n, Crashed, mode.String())
	return nil
}

// Pause stops a node as SIGSTOP does (or a long GC or VM pause): nothing of
// it runs, and its deliveries and timer firings wait, in order, until
// Resume. Its connections stay up (a stopped process's kernel still keeps
// them) and its clocks run on: on Resume it reads a wall and a monotonic
// clock that moved by the whole pause, and every timer that fell due
// meanwhile fires then, in order with the input that arrived meanwhile.
// It is not a clock freeze: a process that measures time by its clocks
// sees how long it was away.
func (w *World) Pause(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	return w.act(func() error {
		if n.state != stateRunning {
			return fmt.Errorf("sim: pause %q: not running", n.name)
		}
		n.state = statePaused
		w.lifecycle(n, Paused, "")
		return nil
	})
}

// Resume continues a paused node; what waited is delivered first, in order.
func (w *World) Resume(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	return w.act(func() error {
		if n.state != statePaused {
			return fmt.Errorf("sim: resume %q: not paused", n.name)
		}
		n.state = stateRunning
		held := n.held
		n.held = nil
		for _, e := range held {
			// Held events arrived before anything still queued for now:
			// sequence numbers from the low range keep them first.
			w.lowSeq++
			e.atNS = w.nowNS
			e.setSeq(w.lowSeq)
			w.q.push(e)
		}
		w.lifecycle(n, Resumed, "")
		return nil
	})
}

// LocalTime is a node's clock reading in ns since the Unix epoch.
func (w *World) LocalTime(name string) (int64, error) {
	n, err := w.lookup(name)
	if err != nil {
		return 0, err
	}
	return n.clock.local(w.nowNS), nil
}

// SetClockRate changes a node's drift from now on (1.0001 = 100 ppm fast).
// Pending timers are re-aimed at their local deadlines.
func (w *World) SetClockRate(name string, rate float64) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if err := validRate(rate); err != nil {
		return err
	}
	return w.act(func() error {
		n.clock.rebase(w.nowNS)
		n.clock.rate = rate
		n.mono.rebase(w.nowNS)
		n.mono.rate = rate
		n.retime()
		w.fault(n, "clock-rate "+n.name+" "+strconv.FormatFloat(rate, 'g', -1, 64))
		return nil
	})
}

// JumpClock steps a node's wall clock (Env.Now) by delta (negative:
// backwards). Timers run on the node's monotonic clock and are not moved: a
// jump changes what the process reads, not when its timeouts fire.
func (w *World) JumpClock(name string, delta time.Duration) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if delta > 100*MaxLatency || delta < -100*MaxLatency {
		return fmt.Errorf("sim: clock jump %v out of range", delta)
	}
	return w.act(func() error {
		n.clock.rebase(w.nowNS)
		n.clock.baseLocalNS += int64(delta)
		w.fault(n, "clock-jump "+n.name+" "+delta.String())
		return nil
	})
}

// retime re-queues every pending timer for its local deadline under the
// current clock. Older queue entries become stale through the generation.
func (n *node) retime() {
	ids := n.timers.ids()
	for _, id := range ids {
		t, _ := n.timers.get(id)
		t.gen = n.w.newID()
		n.timers.set(id, t)
		n.pushTimer(id, t)
	}
	n.w.timersGone(len(ids))
}

func (n *node) pushTimer(id proc.TimerID, t timer) {
	at := max(n.w.nowNS, n.mono.worldAt(t.deadlineNS))
	n.w.push(newEvent(at, evTimer, n.idx, uint64(id), t.gen))
}

func (w *World) execTimer(n *node, e *event) {
	t, ok := n.timers.get(proc.TimerID(e.id))
	if n.state != stateRunning || !ok || t.gen != e.aux {
		return
	}
	n.timers.remove(proc.TimerID(e.id))
	tf := proc.TimerFired{ID: proc.TimerID(e.id), Tag: t.tag}
	if h := n.timerH; h != nil && w.direct(n, e, nil) {
		h.HandleTimer(tf)
		w.depth--
		return
	}
	w.deliver(n, e, nil, tf)
}

// scheduleSync is the disk's hook: completions keep call order.
func (n *node) scheduleSync(id proc.SyncID, latencyNS int64) {
	at := max(n.w.nowNS+latencyNS, n.lastSyncNS)
	n.lastSyncNS = at
	n.w.push(newEvent(at, evSyncDone, n.idx, uint64(id), n.inc))
}

func (w *World) execSyncDone(n *node, e *event) {
	if n.state != stateRunning || e.aux != n.inc {
		return
	}
	var buf [1]proc.SyncDone
	for _, sd := range n.disk.complete(proc.SyncID(e.id), buf[:0]) {
		if h := n.syncH; h != nil && w.direct(n, e, nil) {
			h.HandleSyncDone(sd)
			w.depth--
			continue
		}
		w.deliver(n, e, nil, sd)
	}
}

// env is the proc.Env of one incarnation of a node. Once the node crashes,
// every method is a no-op.
type env struct {
	w   *World
	n   *node
	inc uint64
	rng *rand.Rand
}

var errDead = errors.New("sim: process incarnation is dead")

func (e *env) live() bool { return e.n.inc == e.inc && e.n.state != stateCrashed }

func (e *env) Name() string { return e.n.name }

func (e *env) Now() int64 { return e.n.clock.local(e.w.nowNS) }

// Mono reads the node's monotonic clock, which runs on while the node is
// paused (see World.Pause).
func (e *env) Mono() int64 { return e.n.mono.local(e.w.nowNS) - EpochNS }

func (e *env) Listen(addr string) error {
	if !e.live() {
		return errDead
	}
	host, port, ok := strings.Cut(addr, ":")
	if !ok || host != e.n.name || port == "" {
		return fmt.Errorf("sim: %s cannot listen on %q (want %s:port)", e.n.name, addr, e.n.name)
	}
	if e.n.listeners[addr] {
		return fmt.Errorf("sim: %s already listens on %q", e.n.name, addr)
	}
	e.n.listeners[addr] = true
	return nil
}

func (e *env) Dial(addr string) proc.ConnID {
	if !e.live() {
		return 0
	}
	return e.w.dial(e.n, addr)
}

func (e *env) Send(c proc.ConnID, b []byte) {
	if e.live() {
		e.w.send(e.n, c, b)
	}
}

func (e *env) Close(c proc.ConnID) {
	if e.live() {
		e.w.closeConn(e.n, c)
	}
}

func (e *env) SendDatagram(addr string, b []byte) {
	if e.live() {
		e.w.sendDatagram(e.n, addr, b)
	}
}

func (e *env) After(d time.Duration, tag any) proc.TimerID {
	if !e.live() {
		return 0
	}
	n := e.n
	n.nextTimer++
	id := n.nextTimer
	d = min(max(d, 0), 100*MaxLatency) // keep deadlines far from overflow
	t := timer{deadlineNS: n.mono.local(e.w.nowNS) + int64(d), gen: e.w.newID(), tag: tag}
	n.timers.add(id, t)
	n.pushTimer(id, t)
	return id
}

func (e *env) Cancel(t proc.TimerID) {
	if e.live() && e.n.timers.slot(t) != nil {
		e.n.timers.remove(t)
		e.w.timersGone(1)
	}
}

func (e *env) Disk() proc.Disk { return e.n.disk }

func (e *env) Rand() *rand.Rand { return e.rng }

func (e *env) Logf(format string, args ...any) {
	if e.w.log == nil {
		return
	}
	fmt.Fprintf(e.w.log, "%14s %s: "+format+"\n", append([]any{e.w.Now(), e.n.name}, args...)...)
}

func (e *env) Emit(note any) {
	if !e.live() || !e.w.observing(RecordNote) {
		return
	}
	// Notes have their own record: a process emits while w.rec may still
	// hold the record of the event it is handling.
	w := e.w
	w.noteRec = Record{At: w.Now(), Node: e.n.name, Kind: RecordNote, Note: note}
	w.observe(&w.noteRec)
}

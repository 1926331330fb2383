package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// Defaults for Options fields left zero.
const (
	DefaultSendQueueBytes = 16 << 20 // per connection; a peer that falls this far behind is cut off
	DefaultSendQueueLen   = 4096     // chunks per connection
	DefaultEventQueueLen  = 1024
	DefaultDialTimeout    = 5 * time.Second
	DefaultLingerTimeout  = 5 * time.Second
	readChunkBytes        = 64 << 10
)

// ErrStopped is returned by Do and Start when the node is not running.
var ErrStopped = errors.New("live: node is not running")

// Options configure a Node. Zero fields take the defaults above.
type Options struct {
	// Name is the node name the process sees in Env.Name.
	Name string
	// DataDir is the directory backing Env.Disk; it is created if missing.
	// Empty means the process has no disk: every Disk call fails with
	// proc.ErrIO.
	DataDir string
	// Log receives Env.Logf lines, prefixed with the node name; nil discards.
	Log io.Writer
	// Observe receives Env.Emit notes. It runs on the loop goroutine and must
	// not block or call Node.Do.
	Observe func(note any)
	// Resolve maps an address the process uses (for example "s2:2888") to a
	// dialable or bindable "host:port". Nil means addresses are used as is.
	Resolve func(addr string) string
	// Seed seeds Env.Rand; 0 seeds from the wall clock.
	Seed uint64
	// SendQueueBytes bounds the bytes queued but not yet written on one
	// connection; exceeding it closes the connection (Closed with
	// proc.ErrConnReset) so a slow peer can never stall the event loop.
	SendQueueBytes int
	// SendQueueLen bounds the number of queued chunks on one connection.
	SendQueueLen int
	// EventQueueLen is the capacity of the loop's inbound event queue.
	EventQueueLen int
	// DialTimeout bounds one Dial.
	DialTimeout time.Duration
	// LingerTimeout bounds how long Close keeps flushing queued bytes.
	LingerTimeout time.Duration

	_ struct{} // forces keyed literals
}

func (o Options) withDefaults() Options {
	if o.SendQueueBytes <= 0 {
		o.SendQueueBytes = DefaultSendQueueBytes
	}
	if o.SendQueueLen <= 0 {
		o.SendQueueLen = DefaultSendQueueLen
	}
	if o.EventQueueLen <= 0 {
		o.EventQueueLen = DefaultEventQueueLen
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.LingerTimeout <= 0 {
		o.LingerTimeout = DefaultLingerTimeout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Resolve == nil {
		o.Resolve = func(addr string) string { return addr }
	}
	return o
}

// Node hosts one process incarnation at a time. Start it, talk to the process
// with Do, Stop it; Start again to restart the process on the same disk (a
// fresh instance from the factory, as after a crash).
type Node struct {
	opts Options

	mu  sync.Mutex
	cur *incarnation // nil when stopped
}

// NewNode returns a stopped node.
func NewNode(opts Options) *Node {
	return &Node{opts: opts.withDefaults()}
}

// Name returns the node name.
func (n *Node) Name() string { return n.opts.Name }

// Start builds a process with f and runs it. It returns once the process's
// Start has run on the loop goroutine, so listeners it opened are bound.
func (n *Node) Start(f proc.Factory) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cur != nil {
		return fmt.Errorf("live: node %q is already running", n.opts.Name)
	}
	inc, err := newIncarnation(n.opts)
	if err != nil {
		return err
	}
	n.cur = inc
	inc.wg.Go(func() { inc.loop(f()) })
	select {
	case <-inc.started:
	case <-inc.exited:
	}
	if err := inc.failure(); err != nil {
		inc.wg.Wait()
		n.cur = nil
		return err
	}
	return nil
}

// Stop stops the process as a crash would, but gracefully for the runtime:
// the loop stops, listeners and connections close (peers see Closed), timers
// are disarmed, open files are closed, and every goroutine the node started
// has returned when Stop does. In-flight syncs complete but their SyncDone is
// dropped. Stop returns the process's panic, if it panicked. Stopping a
// stopped node is a no-op.
func (n *Node) Stop() error {
	n.mu.Lock()
	inc := n.cur
	n.cur = nil
	n.mu.Unlock()
	if inc == nil {
		return nil
	}
	inc.stopOnce.Do(func() { close(inc.stop) })
	inc.wg.Wait()
	return inc.failure()
}

// Do runs f on the loop goroutine, between two events, and waits for it. It
// is how Go code outside the process touches it safely. f must not call Do
// (it would deadlock) and must not block.
func (n *Node) Do(f func()) error {
	return n.do(func(*incarnation) { f() })
}

func (n *Node) do(f func(inc *incarnation)) error {
	n.mu.Lock()
	inc := n.cur
	n.mu.Unlock()
	if inc == nil {
		return ErrStopped
	}
	done := make(chan struct{})
	if !inc.post(doCall{f: func() { f(inc) }, done: done}) {
		return ErrStopped
	}
	select {
	case <-done:
		return nil
	case <-inc.exited:
		select {
		case <-done: // ran just before the loop exited
			return nil
		default:
			return ErrStopped
		}
	}
}

// Running reports whether a process incarnation is running (its loop has
// not exited, for example after a panic).
func (n *Node) Running() bool {
	n.mu.Lock()
	inc := n.cur
	n.mu.Unlock()
	if inc == nil {
		return false
	}
	select {
	case <-inc.exited:
		return false
	default:
		return true
	}
}

// ListenAddrs returns the addresses the process is listening on, as bound
// (a ":0" port resolved to the real one), in the order Listen was called.
func (n *Node) ListenAddrs() []string {
	var addrs []string
	_ = n.do(func(inc *incarnation) {
		for _, l := range inc.listeners {
			addrs = append(addrs, l.Addr().String())
		}
	})
	return addrs
}

// incarnation is one run of one process. Fields below "loop-owned" are
// touched only by the loop goroutine.
type incarnation struct {
	opts   Options
	logger *log.Logger

	events   chan any
	stop     chan struct{}
	stopOnce sync.Once
	ctx      context.Context // cancelled at teardown: aborts dials in flight
	cancel   context.CancelFunc
	started  chan struct{}
	exited   chan struct{} // closed when the loop has returned and torn down
	wg       sync.WaitGroup

	failMu  sync.Mutex
	failErr error

	// loop-owned
	proc      proc.Process
	env       *env
	pending   []proc.Event // events raised by the runtime itself during Handle
	listeners []listener
	udp       []*net.UDPConn // datagram sockets beside the listeners
	udpOut    *net.UDPConn   // datagram sending socket, opened on first use
	conns     map[proc.ConnID]*conn
	nextConn  proc.ConnID
	timers    timerQueue
	disk      *dirDisk
}

func newIncarnation(opts Options) (*incarnation, error) {
	inc := &incarnation{
		opts:    opts,
		logger:  log.New(opts.Log, opts.Name+" ", log.Lmicroseconds|log.LUTC),
		events:  make(chan any, opts.EventQueueLen),
		stop:    make(chan struct{}),
		started: make(chan struct{}),
		exited:  make(chan struct{}),
		conns:   make(map[proc.ConnID]*conn),
	}
	inc.ctx, inc.cancel = context.WithCancel(context.Background())
	inc.timers.init()
	disk, err := openDirDisk(opts.DataDir, inc)
	if err != nil {
		return nil, err
	}
	inc.disk = disk
	inc.env = newEnv(inc)
	return inc, nil
}

func (inc *incarnation) failure() error {
	inc.failMu.Lock()
	defer inc.failMu.Unlock()
	return inc.failErr
}

// post hands an event to the loop from any goroutine. It blocks while the
// queue is full (backpressure onto readers, hence onto TCP) and gives up when
// the loop has exited.
func (inc *incarnation) post(ev any) bool {
	select {
	case inc.events <- ev:
		return true
	case <-inc.exited:
		return false
	}
}

// doCall is a Node.Do request.
type doCall struct {
	f    func()
	done chan struct{}
}

func (inc *incarnation) loop(p proc.Process) {
	defer close(inc.exited)
	defer inc.teardown()
	defer inc.recoverPanic()
	inc.proc = p
	p.Start(inc.env)
	inc.drainPending()
	close(inc.started)
	for {
		select {
		case <-inc.stop:
			return
		case ev := <-inc.events:
			inc.dispatch(ev)
		case <-inc.timers.C():
			inc.fireTimers()
		}
		inc.drainPending()
	}
}

// recoverPanic turns a panic in the process (or in a Do function) into a
// node failure: the loop stops and the node tears down as if it crashed, but
// the test binary or supervisor survives to report it.
func (inc *incarnation) recoverPanic() {
	r := recover()
	if r == nil {
		return
	}
	err := fmt.Errorf("live: node %q panicked: %v\n%s", inc.opts.Name, r, debug.Stack())
	inc.logger.Print(err)
	inc.failMu.Lock()
	inc.failErr = err
	inc.failMu.Unlock()
}

func (inc *incarnation) dispatch(ev any) {
	switch ev := ev.(type) {
	case doCall:
		ev.f()
		close(ev.done)
	case acceptedConn:
		inc.onAccepted(ev)
	case dialResult:
		inc.onDialed(ev)
	case connRead:
		if _, ok := inc.conns[ev.id]; ok {
			inc.proc.Handle(proc.Received{Conn: ev.id, Bytes: ev.b})
		}
	case connEnded:
		inc.onConnEnded(ev)
	case proc.SyncDone:
		inc.proc.Handle(ev)
	case proc.DatagramReceived:
		inc.proc.Handle(ev)
	default:
		panic(fmt.Sprintf("live: unknown loop event %T", ev))
	}
}

// deliver queues an event raised by the runtime during Handle (for example a
// connection cut off for overflow) so it reaches the process after the
// current Handle returns, never re-entrantly.
func (inc *incarnation) deliver(ev proc.Event) { inc.pending = append(inc.pending, ev) }

func (inc *incarnation) drainPending() {
	for len(inc.pending) > 0 {
		ev := inc.pending[0]
		inc.pending = inc.pending[1:]
		inc.proc.Handle(ev)
	}
	inc.pending = nil
}

// teardown runs on the loop goroutine as it exits: it owns everything it
// closes, so no locks are needed.
func (inc *incarnation) teardown() {
	inc.cancel()
	for _, l := range inc.listeners {
		_ = l.Close()
	}
	for _, uc := range inc.udp {
		_ = uc.Close()
	}
	if inc.udpOut != nil {
		_ = inc.udpOut.Close()
	}
	for id, c := range inc.conns {
		c.abort()
		delete(inc.conns, id)
	}
	inc.timers.stopAll()
	inc.disk.closeAll()
	inc.pending = nil
}

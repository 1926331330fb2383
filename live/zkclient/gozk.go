package zkclient

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// GoZKOptions configure the go-zookeeper/zk clients of one worker.
type GoZKOptions struct {
	// Node hosts the worker: completions and events run on its loop (Do).
	Node *live.Node
	// Names maps a server's client address to the name history records
	// carry as the op's node ("s1"); unknown addresses are recorded as is.
	Names map[string]string
	// Logf receives go-zookeeper's log lines and the adapter's own; it is
	// called from any goroutine. Nil discards.
	Logf func(format string, args ...any)

	_ struct{}
}

// GoZK makes go-zookeeper/zk v1.0.4 sessions that satisfy workloads.Client,
// so the workload drivers run unchanged against real servers. Each session
// owns one zk.Conn and one goroutine that issues its calls one at a time
// (ZooKeeper orders a session's requests anyway; one at a time lets the
// zxidTap match replies to calls). Results and events are posted to the
// worker's loop with Node.Do; go-zookeeper errors become wire.Err codes;
// connection loss and timeouts become ErrConnectionLoss and
// ErrOperationTimeout, which the workloads record as info.
type GoZK struct {
	opts GoZKOptions

	mu       sync.Mutex
	sessions []*gozkSession
	closed   bool
}

// NewGoZK returns a factory for one worker's sessions.
func NewGoZK(opts GoZKOptions) *GoZK {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &GoZK{opts: opts}
}

// NewClient implements workloads.NewClientFunc.
func (g *GoZK) NewClient(cfg client.Config) (workloads.Client, error) {
	if len(cfg.Servers) == 0 {
		return nil, client.ErrNoServers
	}
	if g.opts.Node == nil {
		return nil, errors.New("live: GoZK needs the worker's Node")
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = client.DefaultSessionTimeout
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = cfg.SessionTimeout
	}
	s := &gozkSession{g: g, cfg: cfg, tap: newZxidTap(), calls: make(chan *gozkCall, gozkQueueLen),
		quit: make(chan struct{}), exited: make(chan struct{})}
	s.tap.holdsWatches = s.holdsWatches
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, errors.New("live: GoZK is closed")
	}
	g.sessions = append(g.sessions, s)
	return s, nil
}

// Close ends every session this factory made (closeSession where a server
// answers) and waits until their goroutines have returned. Later NewClient
// calls fail. Call it from outside the worker's loop.
func (g *GoZK) Close() {
	g.mu.Lock()
	g.closed = true
	sessions := append([]*gozkSession(nil), g.sessions...)
	g.mu.Unlock()
	for _, s := range sessions {
		s.shutdown()
	}
	for _, s := range sessions {
		<-s.exited
	}
}

// gozkQueueLen bounds the calls waiting behind a session's current call; a
// worker keeps one op open at a time, so reaching it is a driver bug.
const gozkQueueLen = 256

// gozkSession is one go-zookeeper session seen as a workloads.Client.
// Fields marked loop-owned are touched only on the worker's loop.
type gozkSession struct {
	g     *GoZK
	cfg   client.Config
	tap   *zxidTap
	calls chan *gozkCall

	quit     chan struct{} // closed by shutdown: the goroutine stops issuing calls
	quitOnce sync.Once
	exited   chan struct{}

	connMu sync.Mutex
	conn   *zk.Conn // set by the session goroutine once connected

	afterCall func() // tests: runs on the session goroutine between a call's return and its result's posting

	watchMu sync.Mutex
	watches []<-chan zk.Event // go-zookeeper's channels of the watches it holds; one event each

	// loop-owned
	env       proc.Env
	sessionID int64
	connected bool // a handshake succeeded and no disconnection since
	closing   bool // Close was called
	expired   bool
	abandoned bool
	started   bool
}

// gozkCall is one operation: run issues it on the session goroutine, cb
// gets its result on the loop. done (loop-owned) makes cb run once, whether
// the reply or the op timeout comes first.
type gozkCall struct {
	run   func(c *zk.Conn, s *gozkSession) client.Result
	cb    func(client.Result)
	op    wire.OpCode
	done  bool
	timer *time.Timer
}

var (
	_ workloads.Client    = (*gozkSession)(nil)
	_ workloads.Abandoner = (*gozkSession)(nil)
)

// Start implements workloads.Client: it connects on the session goroutine.
func (s *gozkSession) Start(env proc.Env) {
	if s.started {
		return
	}
	s.env, s.started = env, true
	go s.serve()
}

// watching notes a watch go-zookeeper now holds (ch is nil if the call set
// none).
func (s *gozkSession) watching(ch <-chan zk.Event) {
	if ch == nil {
		return
	}
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	s.watches = append(s.watches, ch)
}

// holdsWatches reports whether go-zookeeper still holds a watch, and so
// sends SetWatches when it reconnects. A watch's channel gets its one event
// when the watch fires or is dropped; those are forgotten here.
func (s *gozkSession) holdsWatches() bool {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	kept := s.watches[:0]
	for _, ch := range s.watches {
		select {
		case <-ch:
		default:
			kept = append(kept, ch)
		}
	}
	clear(s.watches[len(kept):])
	s.watches = kept
	return len(kept) > 0
}

// Handle implements workloads.Client: nothing of a go-zookeeper session
// travels through the runtime's events.
func (s *gozkSession) Handle(proc.Event) bool { return false }

// SessionID implements workloads.Client.
func (s *gozkSession) SessionID() int64 { return s.sessionID }

// Abandon implements workloads.Abandoner: the session's connections are cut
// and no new one is dialled, so the server expires the session; nothing it
// does is reported any more.
func (s *gozkSession) Abandon() {
	s.abandoned = true
	s.tap.kill()
	go s.shutdown()
}

// serve connects and then issues calls one at a time until shutdown.
func (s *gozkSession) serve() {
	defer close(s.exited)
	conn, _, err := zk.Connect(s.cfg.Servers, s.cfg.SessionTimeout,
		zk.WithDialer(s.tap.dial), zk.WithLogger(gozkLogger{s.g.opts.Logf}), zk.WithLogInfo(false),
		zk.WithEventCallback(s.onEvent))
	if err != nil {
		s.g.opts.Logf("gozk: connect %v: %v", s.cfg.Servers, err)
		s.drain(client.Result{Err: wire.ErrConnectionLoss})
		return
	}
	s.connMu.Lock()
	s.conn = conn
	s.connMu.Unlock()
	defer conn.Close()
	select {
	case <-s.quit: // shut down while connecting: shutdown did not see conn
		conn.Close()
	default:
	}
	for {
		select {
		case <-s.quit:
			s.drain(client.Result{Err: wire.ErrConnectionLoss})
			return
		case c := <-s.calls:
			res := c.run(conn, s)
			res.Op = c.op
			if s.afterCall != nil {
				s.afterCall()
			}
			s.finish(c, res)
			s.tap.settle()
		}
	}
}

// drain completes every queued call with res.
func (s *gozkSession) drain(res client.Result) {
	for {
		select {
		case c := <-s.calls:
			r := res
			r.Op = c.op
			s.finish(c, r)
		default:
			return
		}
	}
}

// shutdown stops the session goroutine; its deferred Close sends
// closeSession if a connection is up (an abandoned session has none).
func (s *gozkSession) shutdown() {
	s.quitOnce.Do(func() {
		close(s.quit)
		s.connMu.Lock()
		c := s.conn
		s.connMu.Unlock()
		if c != nil {
			go c.Close() // unblocks a call in flight; waits up to 1 s for the reply
		}
	})
}

// post runs f on the worker's loop; a stopped node drops it.
func (s *gozkSession) post(f func()) { _ = s.g.opts.Node.Do(f) }

// finish delivers a result on the loop unless the op already timed out.
func (s *gozkSession) finish(c *gozkCall, res client.Result) {
	s.post(func() {
		if c.done {
			return
		}
		c.done = true
		if c.timer != nil {
			c.timer.Stop()
		}
		if c.cb != nil {
			c.cb(res)
		}
	})
}

// submit queues a call (on the loop). Calls on a closed, expired or
// abandoned session fail at once, as the deterministic client fails them.
func (s *gozkSession) submit(op wire.OpCode, run func(*zk.Conn, *gozkSession) client.Result, cb func(client.Result)) {
	c := &gozkCall{run: run, cb: cb, op: op}
	if s.closing || s.expired || s.abandoned {
		go s.finish(c, client.Result{Op: op, Err: wire.ErrSessionExpired})
		return
	}
	if s.cfg.OpTimeout > 0 {
		c.timer = time.AfterFunc(s.cfg.OpTimeout, func() {
			s.finish(c, client.Result{Op: op, Err: wire.ErrOperationTimeout})
		})
	}
	select {
	case s.calls <- c:
	default:
		s.g.opts.Logf("gozk: %d calls queued on one session; failing %s", gozkQueueLen, op)
		go s.finish(c, client.Result{Op: op, Err: wire.ErrConnectionLoss})
	}
}

// call runs one go-zookeeper request with the tap armed for op and fills
// zxid, server and the exact error code from the reply the tap saw.
func (s *gozkSession) call(op wire.OpCode, f func() error, res *client.Result) {
	s.tap.begin(op)
	err := f()
	rep := s.tap.end()
	res.Err = s.errCode(err)
	if rep.ok {
		res.Zxid, res.Server = rep.zxid, s.name(rep.server)
		if rep.err != wire.ErrOK && res.Err != wire.ErrOK && op != wire.OpMulti {
			res.Err = rep.err // the server's own code, not go-zookeeper's rendering of it
		}
	}
}

func (s *gozkSession) name(addr string) string {
	if n, ok := s.g.opts.Names[addr]; ok {
		return n
	}
	return addr
}

// errCode maps a go-zookeeper error to ZooKeeper's code. Errors raised by
// the client itself (a closed or failed connection, an I/O timeout) are
// connection loss: the request may or may not have been applied.
func (s *gozkSession) errCode(err error) wire.Err {
	if err == nil {
		return wire.ErrOK
	}
	if code, ok := gozkErrCodes[err]; ok {
		return code
	}
	var n int32
	if _, scanErr := fmt.Sscanf(err.Error(), "unknown error: %d", &n); scanErr == nil {
		return wire.Err(n)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, os.ErrDeadlineExceeded) ||
		strings.Contains(err.Error(), "connection") {
		return wire.ErrConnectionLoss
	}
	s.g.opts.Logf("gozk: unmapped error %v; recorded as connection loss (indeterminate)", err)
	return wire.ErrConnectionLoss
}

// gozkErrCodes maps go-zookeeper's error values back to ZooKeeper codes.
var gozkErrCodes = map[error]wire.Err{
	zk.ErrConnectionClosed:        wire.ErrConnectionLoss,
	zk.ErrClosing:                 wire.ErrConnectionLoss,
	zk.ErrNoServer:                wire.ErrConnectionLoss,
	zk.ErrAPIError:                wire.ErrAPIError,
	zk.ErrNoNode:                  wire.ErrNoNode,
	zk.ErrNoAuth:                  wire.ErrNoAuth,
	zk.ErrBadVersion:              wire.ErrBadVersion,
	zk.ErrNoChildrenForEphemerals: wire.ErrNoChildrenForEphemerals,
	zk.ErrNodeExists:              wire.ErrNodeExists,
	zk.ErrNotEmpty:                wire.ErrNotEmpty,
	zk.ErrSessionExpired:          wire.ErrSessionExpired,
	zk.ErrInvalidACL:              wire.ErrInvalidACL,
	zk.ErrAuthFailed:              wire.ErrAuthFailed,
	zk.ErrSessionMoved:            wire.ErrSessionMoved,
	zk.ErrBadArguments:            wire.ErrBadArguments,
	zk.ErrInvalidPath:             wire.ErrBadArguments, // refused before sending: certainly not applied
	zk.ErrInvalidFlags:            wire.ErrBadArguments,
}

// onEvent is go-zookeeper's event callback. It runs on go-zookeeper's
// receive goroutine in stream order and blocks until the loop handled the
// event, so a watch event reaches the worker before any later reply does.
// A reply read before the event travels another way (go-zookeeper wakes
// the calling goroutine, which posts it), so the event first waits for it:
// otherwise the event could overtake the reply, and the history would show
// a watch firing before the read that set it returned.
func (s *gozkSession) onEvent(ev zk.Event) {
	if ch := s.tap.pending(); ch != nil {
		select {
		case <-ch:
		case <-s.quit:
		case <-time.After(replyOrderWait):
			s.g.opts.Logf("gozk: a reply read before a %v event did not reach the worker in %v; delivering the event anyway", ev.Type, replyOrderWait)
		}
	}
	var sid int64
	if ev.State == zk.StateHasSession {
		s.connMu.Lock()
		if s.conn != nil {
			sid = s.conn.SessionID()
		}
		s.connMu.Unlock()
	}
	s.post(func() { s.deliver(ev, sid) })
}

// deliver turns a go-zookeeper event into the client.Event the drivers
// know (on the loop).
func (s *gozkSession) deliver(ev zk.Event, sid int64) {
	if s.abandoned || s.expired {
		return // a crashed or expired session reports nothing more
	}
	out := client.Event{Server: s.name(ev.Server), SessionID: s.sessionID}
	switch {
	case ev.Type == zk.EventNotWatching:
		return // go-zookeeper's own notice that it dropped watches
	case ev.Type != zk.EventSession:
		out.Kind, out.Type, out.Path = client.EventWatch, wire.EventType(ev.Type), ev.Path
	case ev.State == zk.StateHasSession:
		if sid != 0 {
			s.sessionID = sid
		}
		s.connected = true
		out.Kind, out.SessionID = client.EventConnected, s.sessionID
	case ev.State == zk.StateDisconnected && s.connected:
		s.connected = false
		out.Kind = client.EventDisconnected
	case ev.State == zk.StateExpired:
		// Terminal, as for the deterministic client: go-zookeeper would
		// quietly start a new session, so stop it.
		s.expired, s.connected = true, false
		out.Kind = client.EventExpired
		go s.shutdown()
	default:
		return
	}
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(out)
	}
}

// replyOrderWait bounds how long an event waits for an earlier reply to be
// posted; posting needs only the worker's loop, so it never takes long.
const replyOrderWait = 5 * time.Second

// gozkLogger routes go-zookeeper's log lines.
type gozkLogger struct{ logf func(string, ...any) }

func (l gozkLogger) Printf(format string, args ...any) { l.logf("gozk: "+format, args...) }

package client

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

// connPhase is where the current connection stands.
type connPhase int

const (
	connNone        connPhase = iota // no connection (maybe a redial timer)
	connDialing                      // Dial issued, waiting for Connected
	connHandshaking                  // ConnectRequest sent, waiting for the response
	connReady                        // session established on this connection
)

// timerKind says what a timer of this client is for.
type timerKind int

const (
	timerDeadline  timerKind = iota // connect/read deadline of a connection
	timerPing                       // idle ping of a connection
	timerReconnect                  // redial after a pause
	timerOpTimeout                  // an op's timeout
	timerFailSoon                   // an op refused before sending, completed off-stack
)

// timerTag is the private tag of every timer the client arms, so Handle can
// claim exactly its own timers even when several clients share a process.
// Tags travel as pointers and are never changed once armed, so one tag can
// serve many timers: an op's timeout tag lives in the op, and the deadline
// and ping tags of a connection are made once per connection generation
// (boxing a fresh tag value per timer was an allocation per op).
type timerTag struct {
	c    *Client
	kind timerKind
	gen  uint64 // connection generation for per-connection timers
	op   *op
}

// op is one submitted request.
type op struct {
	tag      timerTag // its timeout timer's tag (kind timerOpTimeout)
	req      wire.Request
	cb       func(Result)
	xid      int32
	timer    proc.TimerID
	hasTimer bool
	done     bool
	failErr  wire.Err      // for timerFailSoon
	timeout  time.Duration // for ops submitted before Start
	isClose  bool
}

// authEntry is credentials added with AddAuth; they are replayed on every
// new connection, as ZooKeeper clients do.
type authEntry struct {
	scheme string
	auth   []byte
	cb     func(Result) // nil once reported
}

// Client is a deterministic ZooKeeper client. Create it with New, then Start
// it from the hosting process's Start and forward every event to Handle.
type Client struct {
	cfg Config
	env proc.Env

	state   State
	closing *op // the closeSession op once Close was called

	// Current connection.
	phase         connPhase
	conn          proc.ConnID
	connGen       uint64
	server        string
	serverIdx     int
	framer        wire.Framer
	lastSendNS    int64
	lastRecvNS    int64
	deadlineTimer proc.TimerID
	pingTimer     proc.TimerID
	// deadlineTag and pingTag are the tags of connGen's deadline and ping
	// timers (see connTag).
	deadlineTag *timerTag
	pingTag     *timerTag

	// Session.
	sessionID int64
	passwd    []byte
	timeout   time.Duration // negotiated
	lastZxid  int64

	nextXid      int32
	queued       []*op // submitted, not yet sent (no ready connection)
	pending      []*op // sent, awaiting replies in FIFO order
	auths        []*authEntry
	authInFlight []*authEntry
	watches      watchRegistry
	refusedEarly []*op // refused before Start; completed by Start
}

// New returns a client for cfg; it does nothing until Start.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:     cfg,
		state:   StateConnecting,
		passwd:  make([]byte, 16), // go-zookeeper's emptyPassword for a new session
		nextXid: 1,
		watches: newWatchRegistry(),
	}, nil
}

// Start binds the client to env and dials the first server. Call it once,
// from the hosting process's Start.
func (c *Client) Start(env proc.Env) {
	if c.env != nil {
		env.Logf("client: Start called twice; ignored")
		return
	}
	c.env = env
	if c.cfg.Shuffle {
		s := c.cfg.Servers
		env.Rand().Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	}
	// Ops submitted before Start get their timers (and refusals) now.
	for _, o := range c.queued {
		c.armTimeout(o, o.timeout)
	}
	for _, o := range c.refusedEarly {
		c.failSoon(o, o.failErr)
	}
	c.refusedEarly = nil
	if c.state == StateConnecting {
		c.dial()
	}
}

// State returns the session state.
func (c *Client) State() State { return c.state }

// SessionID returns the session id (0 before the first handshake).
func (c *Client) SessionID() int64 { return c.sessionID }

// SessionTimeout returns the negotiated timeout (0 before the first handshake).
func (c *Client) SessionTimeout() time.Duration { return c.timeout }

// Server returns the address of the current or last connection.
func (c *Client) Server() string { return c.server }

// LastZxid returns the highest zxid seen in a reply.
func (c *Client) LastZxid() int64 { return c.lastZxid }

// Handle processes one event and reports whether it belonged to this client.
func (c *Client) Handle(ev proc.Event) bool {
	switch e := ev.(type) {
	case proc.Connected:
		if c.phase != connDialing || e.Conn != c.conn {
			return false
		}
		c.handshake()
	case proc.Received:
		return c.HandleReceived(e)
	case proc.Closed:
		if c.phase == connNone || e.Conn != c.conn {
			return false
		}
		c.lose(true, fmt.Errorf("closed by peer: %v", e.Err))
	case proc.TimerFired:
		return c.HandleTimer(e)
	default:
		return false
	}
	return true
}

// HandleReceived is Handle for a Received event, without boxing it (hosts
// deliver the hottest events to processes unboxed; see
// proc.ReceivedHandler).
func (c *Client) HandleReceived(e proc.Received) bool {
	if c.phase < connHandshaking || e.Conn != c.conn {
		return false
	}
	c.onBytes(e.Bytes)
	return true
}

// HandleTimer is Handle for a TimerFired event, without boxing it.
func (c *Client) HandleTimer(e proc.TimerFired) bool {
	tag, ok := e.Tag.(*timerTag)
	if !ok || tag.c != c {
		return false
	}
	c.onTimer(tag)
	return true
}

// after arms a timer carrying tag, which must be this client's and must not
// change afterwards.
func (c *Client) after(d time.Duration, tag *timerTag) proc.TimerID {
	return c.env.After(d, tag)
}

// connTag returns the tag of the current connection generation's deadline
// (timerDeadline) or ping (timerPing) timer, made once per generation.
func (c *Client) connTag(kind timerKind) *timerTag {
	p := &c.deadlineTag
	if kind == timerPing {
		p = &c.pingTag
	}
	if *p == nil || (*p).gen != c.connGen {
		*p = &timerTag{c: c, kind: kind, gen: c.connGen}
	}
	return *p
}

func (c *Client) emit(kind EventKind) {
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(Event{Kind: kind, Server: c.server, SessionID: c.sessionID})
	}
}

// --- connection lifecycle ---

// dial connects to the next server in the list.
func (c *Client) dial() {
	c.server = c.cfg.Servers[c.serverIdx%len(c.cfg.Servers)]
	c.serverIdx++
	c.connGen++
	c.framer = wire.Framer{MaxBuffer: c.cfg.MaxBuffer}
	c.phase = connDialing
	c.conn = c.env.Dial(c.server)
	c.lastRecvNS = c.env.Now()
	c.deadlineTimer = c.after(c.connectTimeout(), c.connTag(timerDeadline))
}

// connectTimeout bounds dial + handshake: the session timeout shared among
// the servers, as the Java client does, so all are tried within one timeout.
func (c *Client) connectTimeout() time.Duration {
	return max(c.cfg.SessionTimeout/time.Duration(len(c.cfg.Servers)), time.Millisecond)
}

// readTimeout is how long a ready connection may stay silent: 2/3 of the
// negotiated session timeout, so a dead server is left before the session
// can expire.
func (c *Client) readTimeout() time.Duration {
	if c.phase != connReady {
		return c.connectTimeout()
	}
	return max(c.timeout*2/3, time.Millisecond)
}

// pingInterval is the idle time after which a ping is sent: a third of the
// timeout, half the read timeout, so a live server answers well within it.
func (c *Client) pingInterval() time.Duration { return max(c.timeout/3, time.Millisecond) }

func (c *Client) handshake() {
	c.phase = connHandshaking
	c.send(wire.EncodeConnectRequest(wire.ConnectRequest{
		ProtocolVersion: wire.ProtocolVersion,
		LastZxidSeen:    c.lastZxid,
		TimeoutMS:       int32(min(c.cfg.SessionTimeout.Milliseconds(), math.MaxInt32)),
		SessionID:       c.sessionID,
		Passwd:          c.passwd,
		ReadOnly:        false,
		HasReadOnly:     c.cfg.SendReadOnly,
	}))
}

func (c *Client) send(b []byte) {
	c.env.Send(c.conn, b)
	c.lastSendNS = c.env.Now()
}

// lose ends the current connection: sent ops become indeterminate, and the
// client redials unless it is closing.
func (c *Client) lose(byPeer bool, why error) {
	wasReady := c.phase == connReady
	c.env.Logf("client %#x: connection to %s lost: %v", c.sessionID, c.server, why)
	if errors.Is(why, errProtocol) && c.cfg.OnEvent != nil {
		c.cfg.OnEvent(Event{Kind: EventProtocolError, Server: c.server, SessionID: c.sessionID, Detail: why.Error()})
	}
	c.dropConn(byPeer)
	if wasReady && c.state == StateConnected {
		c.state = StateConnecting // before callbacks, so they see it
	}
	c.failSent(wire.ErrConnectionLoss)
	if c.closing != nil {
		c.finishClosed()
		return
	}
	if wasReady && c.state == StateConnecting {
		c.emit(EventDisconnected)
	}
	if c.state == StateConnecting && c.phase == connNone {
		c.scheduleRedial()
	}
}

// dropConn forgets the current connection and its timers.
func (c *Client) dropConn(byPeer bool) {
	if c.phase == connNone {
		return
	}
	if !byPeer {
		c.env.Close(c.conn)
	}
	c.env.Cancel(c.deadlineTimer)
	c.env.Cancel(c.pingTimer)
	c.phase = connNone
	c.connGen++
	c.framer = wire.Framer{}
}

// failSent completes every sent op (and in-flight auth) with code. The
// queues are detached first: callbacks may submit new ops.
func (c *Client) failSent(code wire.Err) {
	pending, auths := c.pending, c.authInFlight
	c.pending, c.authInFlight = nil, nil
	for _, o := range pending {
		c.complete(o, Result{Op: o.opCode(), Err: code})
	}
	for _, a := range auths {
		c.reportAuth(a, Result{Op: wire.OpAuth, Err: code})
	}
}

// failQueued completes every unsent op with code.
func (c *Client) failQueued(code wire.Err) {
	queued := c.queued
	c.queued = nil
	for _, o := range queued {
		c.complete(o, Result{Op: o.opCode(), Err: code})
	}
}

func (c *Client) scheduleRedial() {
	delay := time.Duration(c.env.Rand().Int64N(int64(c.cfg.ReconnectDelay) + 1))
	c.after(delay, &timerTag{c: c, kind: timerReconnect, gen: c.connGen})
}

func (c *Client) onTimer(tag *timerTag) {
	switch tag.kind {
	case timerDeadline:
		if tag.gen == c.connGen {
			c.onDeadline()
		}
	case timerPing:
		if tag.gen == c.connGen && c.phase == connReady {
			c.onPingTimer()
		}
	case timerReconnect:
		if tag.gen == c.connGen && c.phase == connNone && c.state == StateConnecting {
			c.dial()
		}
	case timerOpTimeout:
		c.onOpTimeout(tag.op)
	case timerFailSoon:
		c.complete(tag.op, Result{Op: tag.op.opCode(), Err: tag.op.failErr})
	}
}

// onDeadline drops a connection that stayed silent for the read timeout
// (or did not finish connecting in time) and re-arms otherwise.
func (c *Client) onDeadline() {
	silent := time.Duration(max(c.env.Now()-c.lastRecvNS, 0))
	limit := c.readTimeout()
	if silent >= limit {
		c.lose(false, fmt.Errorf("no bytes for %v (limit %v)", silent, limit))
		return
	}
	c.deadlineTimer = c.after(limit-silent, c.connTag(timerDeadline))
}

func (c *Client) onPingTimer() {
	idle := time.Duration(max(c.env.Now()-c.lastSendNS, 0))
	interval := c.pingInterval()
	if idle >= interval {
		c.send(wire.EncodeRequest(wire.XidPing, &wire.PingRequest{}))
		idle = 0
	}
	c.pingTimer = c.after(interval-idle, c.connTag(timerPing))
}

// --- inbound ---

func (c *Client) onBytes(b []byte) {
	c.lastRecvNS = c.env.Now()
	c.framer.PushOwned(b) // a Received chunk is ours: frame it without a copy
	gen := c.connGen
	for gen == c.connGen {
		frame, ok, err := c.framer.Next()
		if err != nil {
			c.lose(false, err)
			return
		}
		if !ok {
			return
		}
		if c.phase == connHandshaking {
			c.onConnectResponse(frame)
		} else {
			c.onReply(frame)
		}
	}
}

func (c *Client) onConnectResponse(frame []byte) {
	resp, err := wire.DecodeConnectResponse(frame, wire.DecodeOptions{MaxBuffer: c.cfg.MaxBuffer})
	if err != nil {
		c.lose(false, err)
		return
	}
	if resp.Expired() {
		c.expire()
		return
	}
	c.sessionID, c.passwd = resp.SessionID, resp.Passwd
	c.timeout = time.Duration(resp.TimeoutMS) * time.Millisecond
	c.phase, c.state = connReady, StateConnected
	c.env.Cancel(c.deadlineTimer)
	c.deadlineTimer = c.after(c.readTimeout(), c.connTag(timerDeadline))
	c.pingTimer = c.after(c.pingInterval(), c.connTag(timerPing))
	c.prime()
	c.emit(EventConnected)
}

// prime re-establishes session state on a fresh connection before any
// queued op: credentials first (watch re-registration may need them), then
// watches, then the ops queued while disconnected, in submission order.
func (c *Client) prime() {
	for _, a := range c.auths {
		c.sendAuth(a)
	}
	for _, req := range c.watches.setWatches(c.lastZxid) {
		c.send(wire.EncodeRequest(wire.XidSetWatches, req))
	}
	queued := c.queued
	c.queued = nil
	for _, o := range queued {
		c.sendOp(o)
	}
}

var errProtocol = errors.New("client: protocol error")

func (c *Client) onReply(frame []byte) {
	if len(frame) < 4 {
		c.lose(false, fmt.Errorf("%w: %d-byte reply", errProtocol, len(frame)))
		return
	}
	switch xid := int32(binary.BigEndian.Uint32(frame)); xid {
	case wire.XidWatchEvent:
		c.onSpecial(frame, wire.OpNotification)
	case wire.XidPing:
		c.onSpecial(frame, wire.OpPing)
	case wire.XidAuth:
		c.onSpecial(frame, wire.OpAuth)
	case wire.XidSetWatches:
		c.onSpecial(frame, wire.OpSetWatches)
	default:
		c.onOpReply(xid, frame)
	}
}

// onSpecial handles replies outside the pending queue: notifications, pings,
// auth and setWatches replies.
func (c *Client) onSpecial(frame []byte, op wire.OpCode) {
	hdr, resp, err := wire.DecodeReply(frame, op, wire.DecodeOptions{MaxBuffer: c.cfg.MaxBuffer})
	if err != nil {
		c.lose(false, err)
		return
	}
	if hdr.Err == wire.ErrSessionExpired {
		c.expire()
		return
	}
	switch op {
	case wire.OpNotification:
		if ev, ok := resp.(*wire.WatcherEvent); ok {
			c.onWatchEvent(hdr, ev)
		}
	case wire.OpAuth:
		c.onAuthReply(hdr)
	case wire.OpSetWatches:
		if hdr.Err != wire.ErrOK {
			c.env.Logf("client %#x: setWatches refused: %v", c.sessionID, hdr.Err)
		}
	}
}

func (c *Client) onWatchEvent(hdr wire.ReplyHeader, ev *wire.WatcherEvent) {
	if ev.Type == wire.EventNone {
		return // state notifications are the client's own business
	}
	c.watches.fired(ev.Type, ev.Path)
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(Event{Kind: EventWatch, Type: ev.Type, Path: ev.Path, Zxid: hdr.Zxid,
			Server: c.server, SessionID: c.sessionID})
	}
}

// popPending drops the head of the pending queue. An emptied queue restarts
// at the front of its array, so a client with one op in flight reuses one
// slot instead of allocating a new array per op.
func (c *Client) popPending() {
	c.pending[0] = nil
	if len(c.pending) == 1 {
		c.pending = c.pending[:0]
		return
	}
	c.pending = c.pending[1:]
}

func (c *Client) onOpReply(xid int32, frame []byte) {
	if len(c.pending) == 0 || c.pending[0].xid != xid {
		want := "nothing"
		if len(c.pending) > 0 {
			want = fmt.Sprintf("xid %d", c.pending[0].xid)
		}
		c.lose(false, fmt.Errorf("%w: reply xid %d, expected %s", errProtocol, xid, want))
		return
	}
	o := c.pending[0]
	hdr, resp, err := wire.DecodeReply(frame, o.req.Op(), wire.DecodeOptions{MaxBuffer: c.cfg.MaxBuffer})
	if err != nil {
		c.lose(false, err)
		return
	}
	c.popPending()
	c.lastZxid = max(c.lastZxid, hdr.Zxid)
	res := Result{Op: o.req.Op(), Err: hdr.Err, Zxid: hdr.Zxid, Server: c.server}
	if resp != nil {
		res.fill(resp)
	}
	c.watches.registered(o.req, res.Err)
	c.complete(o, res)
	switch {
	case o.isClose:
		c.finishClosed()
	case hdr.Err == wire.ErrSessionExpired:
		c.expire()
	}
}

// --- session end ---

// expire ends the session for good: the server refused it.
func (c *Client) expire() {
	if c.state == StateExpired || c.state == StateClosed {
		return
	}
	c.state = StateExpired
	c.dropConn(false)
	c.failSent(wire.ErrConnectionLoss)
	c.failQueued(wire.ErrSessionExpired)
	c.failAuths(wire.ErrSessionExpired)
	c.emit(EventExpired)
}

// finishClosed ends the session after Close.
func (c *Client) finishClosed() {
	if c.state == StateClosed || c.state == StateExpired {
		return
	}
	c.state = StateClosed
	c.dropConn(false)
	c.failSent(wire.ErrConnectionLoss)
	c.failQueued(wire.ErrSessionExpired)
	c.failAuths(wire.ErrSessionExpired)
	if c.closing != nil {
		c.complete(c.closing, Result{Op: wire.OpCloseSession, Err: wire.ErrConnectionLoss})
	}
	c.emit(EventClosed)
}

func (c *Client) failAuths(code wire.Err) {
	auths := c.auths
	c.auths = nil
	for _, a := range auths {
		c.reportAuth(a, Result{Op: wire.OpAuth, Err: code})
	}
}

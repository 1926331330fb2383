package server

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/monitor"
	"github.com/zabsim/zabsim/server/sasl"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
)

// conn is one client connection.
type conn struct {
	id      proc.ConnID
	remote  string
	host    string
	watcher tree.Watcher

	prefix  []byte // bytes seen before we know whether this is a 4lw
	decided bool   // a 4lw check has been made
	framer  *wire.Framer

	connected bool // a ConnectRequest was answered
	closing   bool
	session   int64
	timeoutMS int32
	readOnly  bool // client sent the readOnly byte: answer in kind
	authIDs   []wire.ID
	sasl      *sasl.DigestMD5 // this connection's SASL exchange, once begun

	queue []*request // this session's requests in arrival order

	received, sent int64
	lastZxid       int64
}

// request is one client request on its way through the pipeline.
type request struct {
	conn  *conn
	xid   int32
	op    wire.OpCode
	body  wire.Request
	write bool
	start int64 // local ns when received

	// malformed: a known op whose body did not parse (body is nil); it is
	// answered MARSHALLINGERROR, a write through an error txn.
	malformed bool

	done  bool
	reply []byte
	close bool // close the connection after sending the reply
}

func msToDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[:i]
	}
	return addr
}

func (s *Server) accept(a proc.Accepted) {
	if !s.repl.serving() {
		// Not serving (electing or syncing): the client tries another server.
		s.env.Close(a.Conn)
		return
	}
	host := tree.HostAddress(a.Remote)
	if s.cfg.MaxClientCnxns > 0 && s.connsFrom(host) >= s.cfg.MaxClientCnxns {
		s.env.Logf("too many connections from %s (max %d)", host, s.cfg.MaxClientCnxns)
		s.env.Close(a.Conn)
		return
	}
	s.nextWatcher++
	c := &conn{
		id: a.Conn, remote: a.Remote, host: host, watcher: s.nextWatcher,
		framer:  &wire.Framer{MaxBuffer: s.cfg.MaxBufferBytes},
		authIDs: []wire.ID{{Scheme: "ip", ID: host}},
	}
	s.conns[a.Conn] = c
}

func (s *Server) connsFrom(host string) int {
	n := 0
	for _, c := range s.conns {
		if c.host == host {
			n++
		}
	}
	return n
}

// receive takes a chunk of a connection's byte stream.
func (s *Server) receive(c *conn, b []byte) {
	if c.closing {
		return
	}
	if !c.decided {
		c.prefix = append(c.prefix, b...)
		if len(c.prefix) < 4 {
			return
		}
		c.decided = true
		if cmd := string(c.prefix[:4]); monitor.IsFourLetterWord(cmd) && binary.BigEndian.Uint32(c.prefix[:4]) > uint32(s.cfg.MaxBufferBytes) {
			s.fourLetterWord(c, cmd)
			return
		}
		b, c.prefix = c.prefix, nil
	}
	c.framer.PushOwned(b) // a Received chunk is ours: frame it without a copy
	for !c.closing {
		frame, ok, err := c.framer.Next()
		if err != nil {
			s.env.Logf("conn %d from %s: %v", c.id, c.remote, err)
			s.closeConn(c)
			return
		}
		if !ok {
			return
		}
		c.received++
		s.stats.PacketsReceived++
		s.frame(c, frame)
	}
}

func (s *Server) frame(c *conn, frame []byte) {
	if !c.connected {
		s.connect(c, frame)
		return
	}
	op, _ := wire.RequestType(frame)
	r, into := newRequest(op)
	hdr, body, err := wire.DecodeRequestInto(frame, s.requestDecodeOptions(), into)
	if errors.Is(err, wire.ErrUnknownOp) {
		// A well-framed request this server does not implement (reconfig,
		// ...) gets an error reply in order, as ZooKeeper's
		// UnimplementedRequestProcessor does; the connection stays up.
		s.request(c, r, hdr, nil, false, frame)
		return
	}
	if err != nil && (len(frame) < wire.RequestHeaderSize || hdr.Type == wire.OpAuth || hdr.Type == wire.OpSASL) {
		// ZooKeeper closes a connection whose request header it cannot
		// read, and one whose auth or sasl packet it cannot parse (all
		// fail in ZooKeeperServer.processPacket itself).
		s.env.Logf("conn %d session %#x: bad request: %v", c.id, c.session, err)
		s.closeConn(c)
		return
	}
	if err != nil {
		// A known op whose body does not parse (a length past the frame, a
		// negative length, a multi holding an op it may not hold): ZooKeeper
		// parses bodies in its request processors, which answer
		// MARSHALLINGERROR and keep the connection; a write still takes a
		// zxid as an error txn (PrepRequestProcessor.pRequestHelper).
		s.env.Logf("conn %d session %#x: malformed %v request: %v", c.id, c.session, hdr.Type, err)
		s.request(c, r, hdr, nil, true, frame)
		return
	}
	s.request(c, r, hdr, body, nullPathRead(hdr.Type, frame), frame)
}

// nullPathRead reports a read whose path (or, in a multiRead, one of whose
// paths) is null (length -1), which the decoder reads as "": ZooKeeper's
// FinalRequestProcessor looks a null path up in its node map, fails with a
// NullPointerException and answers MARSHALLINGERROR, where "" reads the
// root. (A write's null path is BADARGUMENTS, as "" is.)
func nullPathRead(op wire.OpCode, frame []byte) bool {
	switch op {
	case wire.OpGetData, wire.OpExists, wire.OpGetChildren, wire.OpGetChildren2, wire.OpGetACL, wire.OpGetAllChildrenNumber:
		return len(frame) >= wire.RequestHeaderSize+4 && binary.BigEndian.Uint32(frame[wire.RequestHeaderSize:]) == 0xffffffff
	case wire.OpMultiRead:
		// Each op is a header, a path and a watch flag (the frame decoded:
		// nothing else can be in it).
		for b := frame[wire.RequestHeaderSize:]; len(b) >= 9+4; {
			if b[4] != 0 { // done
				return false
			}
			n := int32(binary.BigEndian.Uint32(b[9:]))
			if n == -1 {
				return true
			}
			if n < 0 || len(b) < 9+4+int(n)+1 {
				return false
			}
			b = b[9+4+int(n)+1:]
		}
	}
	return false
}

// requestDecodeOptions are the options client requests (and writes a
// learner forwarded) are decoded with: paths of existing nodes decode to the
// tree's own strings (most requests name a node that exists, and this saves
// a copy of each); data is a view of the frame, not a copy (a Framer's
// frames are never modified: they are cut from chunks this process owns, so
// a write's data may stay one until the tree drops it); bytes after a
// complete body are ignored and a vector count below -1 is an empty
// vector, as in ZooKeeper.
func (s *Server) requestDecodeOptions() wire.DecodeOptions {
	return wire.DecodeOptions{MaxBuffer: s.cfg.MaxBufferBytes, Intern: s.tree, Views: true,
		IgnoreTrailing: true, NegativeCountsEmpty: true}
}

// newRequest returns a new request record and, for the common request
// types, a new empty body of type op allocated together with it (one
// allocation instead of two; see wire.DecodeRequestInto). Each is fresh:
// nothing is reused, so whoever keeps the request or its body keeps them
// for as long as it likes.
func newRequest(op wire.OpCode) (*request, wire.Request) {
	switch op {
	case wire.OpGetData:
		return withBody[wire.GetDataRequest]()
	case wire.OpSetData:
		return withBody[wire.SetDataRequest]()
	case wire.OpExists:
		return withBody[wire.ExistsRequest]()
	case wire.OpSync:
		return withBody[wire.SyncRequest]()
	}
	return &request{}, nil
}

// withBody allocates a request record and an empty body of type B together.
func withBody[B any, PB interface {
	*B
	wire.Request
}]() (*request, wire.Request) {
	x := &struct {
		r request
		b B
	}{}
	return &x.r, PB(&x.b)
}

// connect handles the ConnectRequest that opens every connection
// (ZooKeeperServer.processConnectRequest).
func (s *Server) connect(c *conn, frame []byte) {
	req, err := wire.DecodeConnectRequest(frame, wire.DecodeOptions{MaxBuffer: s.cfg.MaxBufferBytes})
	if err != nil {
		s.env.Logf("conn %d: bad connect request: %v", c.id, err)
		s.closeConn(c)
		return
	}
	if req.LastZxidSeen > s.tree.LastZxid() {
		// The client has seen a future we do not have: refuse, so it tries
		// another server.
		s.env.Logf("refusing session for client %s: it has seen zxid %#x, our last zxid is %#x", c.remote, req.LastZxidSeen, s.tree.LastZxid())
		s.closeConn(c)
		return
	}
	c.readOnly = req.HasReadOnly
	c.timeoutMS = s.negotiate(req.TimeoutMS)
	c.connected = true
	if req.SessionID == 0 {
		s.createSession(c)
		return
	}
	s.reopenSession(c, req.SessionID, req.Passwd)
}

func (s *Server) negotiate(requestedMS int32) int32 {
	cfg := session.Config{TickTimeMS: s.cfg.TickTimeMS, MinSessionTimeoutMS: s.cfg.MinSessionTimeoutMS, MaxSessionTimeoutMS: s.cfg.MaxSessionTimeoutMS}
	return cfg.Negotiate(requestedMS)
}

func (s *Server) reopenSession(c *conn, id int64, passwd []byte) {
	sess, ok := s.sessions.Get(id)
	// A learner's view of sessions lags the leader's (a session created
	// through another server may not be applied here yet): it asks the
	// leader and decides after the barrier (finishRevalidation), as
	// LearnerZooKeeperServer.revalidateSession does.
	known := ok && !sess.Closing
	if !s.repl.preps() {
		known = true
	}
	if !known || !session.CheckPassword(id, passwd) {
		s.sendConnectResponse(c, 0, 0)
		s.closeConnAfterFlush(c)
		return
	}
	if old := s.sessionConn[id]; old != nil && old != c {
		s.closeConn(old)
	}
	s.attach(c, id)
	s.sessions.Touch(id, c.timeoutMS, s.sessionClockMS())
	wait := s.repl.reopened(c, id)
	s.repl.flush()
	if !wait {
		s.sendConnectResponse(c, id, c.timeoutMS)
	}
}

// attach binds a session to a connection. Standalone, the connection owns
// the session; in an ensemble ownership is the leader's record of the
// forwarding server (createSession and REVALIDATE set it).
func (s *Server) attach(c *conn, id int64) {
	c.session = id
	s.sessionConn[id] = c
	if s.repl.owner() == nil { // standalone: the connection owns it
		_ = s.sessions.SetOwner(id, session.Owner{Server: s.cfg.ID, Conn: uint64(c.id)})
	}
}

func (s *Server) sendConnectResponse(c *conn, id int64, timeoutMS int32) {
	var passwd []byte
	if id != 0 {
		passwd = session.Password(id)
	} else {
		passwd = make([]byte, session.PasswordLen)
	}
	resp := wire.ConnectResponse{ProtocolVersion: wire.ProtocolVersion, TimeoutMS: timeoutMS, SessionID: id, Passwd: passwd, HasReadOnly: c.readOnly}
	s.send(c, wire.EncodeConnectResponse(resp))
}

func (s *Server) send(c *conn, b []byte) {
	if c.closing {
		return
	}
	c.sent++
	s.stats.PacketsSent++
	s.env.Send(c.id, b)
}

// closeConn closes the connection now and forgets it.
func (s *Server) closeConn(c *conn) {
	if c.closing {
		return
	}
	s.env.Close(c.id)
	s.dropConn(c)
}

// closeConnAfterFlush closes after what was already sent: proc connections
// deliver queued chunks before the close.
func (s *Server) closeConnAfterFlush(c *conn) { s.closeConn(c) }

// dropConn forgets a connection that is gone. Its session lives on until it
// expires or the client reconnects.
func (s *Server) dropConn(c *conn) {
	c.closing = true
	delete(s.conns, c.id)
	if s.sessionConn[c.session] == c {
		delete(s.sessionConn, c.session)
	}
	s.tree.RemoveWatcher(c.watcher)
	c.queue = nil
}

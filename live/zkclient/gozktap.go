package zkclient

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/zabsim/zabsim/server/wire"
)

// go-zookeeper/zk returns neither the reply header's zxid nor the raw error
// code of a reply, but the history needs both: checkers order reads by the
// zxid they were served at (zxid-order, the linearizability fast path) and
// completion types depend on exact error codes. A zxidTap recovers them by
// reading the frames go-zookeeper itself writes and reads: every connection
// go-zookeeper dials goes through the tap's dialer, which wraps it.
//
// Correlation is by request: the adapter issues one go-zookeeper call at a
// time per session and announces its opcode first (begin), the tap notes the
// xid of the first request with that opcode written after begin, and the
// reply carrying that xid is the call's. Requests go-zookeeper makes on its
// own (pings, setWatches after a reconnect) have other opcodes.
type zxidTap struct {
	mu     sync.Mutex
	dead   bool // Abandon: no more dials, every wrapped connection cut
	refuse bool // tests: dials fail for now
	conns  map[*tapConn]bool

	expect wire.OpCode // opcode of the call in progress; 0 when none
	armed  bool
	xid    int32 // the call's request xid, once written
	sent   bool
	reply  tapReply
	// holdsWatches reports whether go-zookeeper will send SetWatches on its
	// next connection (see tapConn.hold).
	holdsWatches func() bool

	// unsettled is open from the moment go-zookeeper reads the call's reply
	// until the session has handed the result to the worker (settle): a
	// watch event read after that reply waits for it (gozkSession.onEvent).
	unsettled chan struct{}
}

// tapReply is what the tap saw of one reply.
type tapReply struct {
	ok     bool
	zxid   int64
	err    wire.Err
	server string // the address the reply came from
}

func newZxidTap() *zxidTap { return &zxidTap{conns: map[*tapConn]bool{}} }

// errAbandoned refuses dials and I/O once a session was abandoned.
var errAbandoned = errors.New("live: session abandoned (simulated client crash)")

// dial is go-zookeeper's Dialer.
func (t *zxidTap) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	t.mu.Lock()
	dead, refuse := t.dead, t.refuse
	t.mu.Unlock()
	if dead {
		return nil, errAbandoned
	}
	if refuse {
		return nil, errors.New("live: dial refused (test)")
	}
	c, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: c, tap: t, addr: addr}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dead {
		_ = c.Close()
		return nil, errAbandoned
	}
	t.conns[tc] = true
	return tc, nil
}

// kill cuts every connection and refuses new ones: the session falls
// silent, as a crashed client's would.
func (t *zxidTap) kill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dead = true
	for c := range t.conns {
		_ = c.Conn.Close()
	}
	clear(t.conns)
}

// begin announces the next call's opcode.
func (t *zxidTap) begin(op wire.OpCode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expect, t.armed, t.sent, t.xid, t.reply = op, true, false, 0, tapReply{}
}

// end returns the reply the tap matched to the call begun last, if any.
func (t *zxidTap) end() tapReply {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armed = false
	return t.reply
}

func (t *zxidTap) wrote(xid int32, op wire.OpCode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.armed && !t.sent && op == t.expect {
		t.xid, t.sent = xid, true
	}
}

func (t *zxidTap) read(addr string, xid int32, zxid int64, code wire.Err) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.armed && t.sent && xid == t.xid {
		t.reply = tapReply{ok: true, zxid: zxid, err: code, server: addr}
		if t.unsettled == nil {
			t.unsettled = make(chan struct{})
		}
	}
}

// pending returns a channel that closes once the reply go-zookeeper has
// read for the current call reaches the worker, or nil if there is none.
func (t *zxidTap) pending() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.unsettled
}

// settle says the call's result has reached the worker (or was dropped).
func (t *zxidTap) settle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unsettled != nil {
		close(t.unsettled)
		t.unsettled = nil
	}
}

func (t *zxidTap) forget(c *tapConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// tapConn parses the length-prefixed frames passing through a connection.
// The first frame each way is the handshake (ConnectRequest/Response), which
// has no header worth reading.
type tapConn struct {
	net.Conn
	tap  *zxidTap
	addr string

	wmu     sync.Mutex
	wbuf    []byte
	wframes int
	wlost   bool // the write stream stopped parsing (see eachFrame)
	// hold and held put SetWatches first on a new connection (see Write).
	hold      bool
	held      []byte
	holdTimer *time.Timer
	rbuf      []byte // only the reading goroutine touches the read side
	rframes   int
	rlost     bool
}

// Write passes go-zookeeper's frames on, noting each request's xid and
// opcode, with one reordering. On a new connection of a session that holds
// watches, go-zookeeper queues SetWatches behind any request that waited
// while it was disconnected (its send loop starts before it queues
// SetWatches), so such a request's reply could overtake the watch events
// SetWatches makes the server replay: a worker would see data newer than a
// change whose event it had not yet seen, which ZooKeeper's ordering rule
// forbids and its Java client prevents (SetWatches goes first in
// primeConnection). Here requests written after the handshake are held
// until SetWatches is written, then follow it; auth and pings pass. If no
// SetWatches comes within setWatchesWait, the held requests go anyway.
func (c *tapConn) Write(b []byte) (int, error) {
	if c.isDead() {
		return 0, errAbandoned
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wlost {
		return c.Conn.Write(b)
	}
	wasHolding := c.hold
	var out []byte // what goes on the wire now, when holding
	c.wbuf, c.wlost = eachFrame(append(c.wbuf, b...), func(f []byte) {
		c.wframes++
		var op wire.OpCode
		if c.wframes > 1 && len(f) >= 8 {
			op = wire.OpCode(int32(binary.BigEndian.Uint32(f[4:8])))
			c.tap.wrote(int32(binary.BigEndian.Uint32(f[0:4])), op)
		}
		if !wasHolding {
			if c.wframes == 1 && c.tap.holdsWatches != nil && c.tap.holdsWatches() {
				c.hold = true // from the next write on
				c.holdTimer = time.AfterFunc(setWatchesWait, c.release)
			}
			return
		}
		frame := binary.BigEndian.AppendUint32(nil, uint32(len(f)))
		frame = append(frame, f...)
		switch {
		case !c.hold || op == wire.OpAuth || op == wire.OpPing:
			out = append(out, frame...)
		case op == wire.OpSetWatches || op == wire.OpSetWatches2:
			out = append(append(out, frame...), c.held...)
			c.endHold()
		default:
			c.held = append(c.held, frame...)
		}
	})
	switch {
	case !wasHolding:
		return c.Conn.Write(b)
	case c.wlost || len(c.wbuf) > 0:
		// A frame the tap cannot route whole: stop reordering and send
		// everything as it came.
		out = append(append(out, c.held...), c.wbuf...)
		c.wbuf = nil
		c.endHold()
	}
	if len(out) > 0 {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// setWatchesWait bounds how long requests wait for SetWatches on a new
// connection; go-zookeeper queues it right after the handshake.
const setWatchesWait = 2 * time.Second

// release sends the held requests when no SetWatches came.
func (c *tapConn) release() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.hold {
		return
	}
	held := c.held
	c.endHold()
	if len(held) > 0 {
		_, _ = c.Conn.Write(held) // a failed write breaks the connection; go-zookeeper's reader sees it
	}
}

func (c *tapConn) endHold() {
	c.hold, c.held = false, nil
	if c.holdTimer != nil {
		c.holdTimer.Stop()
		c.holdTimer = nil
	}
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.rlost {
		c.rbuf, c.rlost = eachFrame(append(c.rbuf, b[:n]...), func(f []byte) {
			c.rframes++
			if c.rframes > 1 && len(f) >= 16 {
				c.tap.read(c.addr, int32(binary.BigEndian.Uint32(f[0:4])), int64(binary.BigEndian.Uint64(f[4:12])),
					wire.Err(int32(binary.BigEndian.Uint32(f[12:16]))))
			}
		})
	}
	return n, err
}

// Close closes the connection first: a Write blocked on it holds wmu.
func (c *tapConn) Close() error {
	c.tap.forget(c)
	err := c.Conn.Close()
	c.wmu.Lock()
	c.endHold()
	c.wmu.Unlock()
	return err
}

func (c *tapConn) isDead() bool {
	c.tap.mu.Lock()
	defer c.tap.mu.Unlock()
	return c.tap.dead
}

// maxTapFrame bounds a frame the tap buffers; go-zookeeper and the servers
// refuse larger ones anyway (jute.maxbuffer), so a bigger length means the
// tap lost track of the stream.
const maxTapFrame = 16 << 20

// eachFrame calls f with the body of every complete frame at the front of
// buf and returns what is left. lost reports a length the tap cannot trust:
// it then stops reading that stream (its calls get no zxid) rather than
// read garbage as headers.
func eachFrame(buf []byte, f func(body []byte)) (rest []byte, lost bool) {
	for len(buf) >= 4 {
		n := int(binary.BigEndian.Uint32(buf[:4]))
		if n > maxTapFrame {
			return nil, true
		}
		if len(buf) < 4+n {
			break
		}
		f(buf[4 : 4+n])
		buf = buf[4+n:]
	}
	if len(buf) == 0 {
		return nil, false // let the backing array go
	}
	return buf, false
}

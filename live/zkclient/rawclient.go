package zkclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/zabsim/zabsim/server/wire"
)

// RawClient is a minimal synchronous ZooKeeper client speaking jute through
// server/wire, for tests and tools that need what go-zookeeper/zk cannot do:
// resume a session by id and password on a new connection, send any opcode
// (getEphemerals, getAllChildrenNumber, create2, multiRead...), observe the
// exact interleaving of watch events and replies, or drop the TCP connection
// without closing the session. One request is outstanding at a time; it is
// not safe for concurrent use.
type RawClient struct {
	nc        net.Conn
	xid       int32
	timeout   time.Duration
	SessionID int64
	Passwd    []byte
	TimeoutMS int32 // negotiated session timeout
	// Events are the watch notifications received so far, in arrival
	// order. Call reads them as they come, so every event in Events when
	// Call returns arrived before that Call's reply.
	Events   []wire.WatcherEvent
	LastZxid int64
}

// ErrSessionExpired is returned by DialRaw when the server refuses to resume
// the session.
var ErrSessionExpired = errors.New("live: session expired")

// DialRaw connects to addr and performs the handshake: a new session when
// sessionID is 0, else a resumption of sessionID with passwd. ioTimeout
// bounds every read and write.
func DialRaw(addr string, sessionTimeoutMS int32, sessionID int64, passwd []byte, ioTimeout time.Duration) (*RawClient, error) {
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	c := &RawClient{nc: nc, timeout: ioTimeout}
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	req := wire.ConnectRequest{TimeoutMS: sessionTimeoutMS, SessionID: sessionID, Passwd: passwd}
	if err := c.write(wire.EncodeConnectRequest(req)); err != nil {
		nc.Close()
		return nil, err
	}
	frame, err := c.readFrame()
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: handshake: %w", err)
	}
	resp, err := wire.DecodeConnectResponse(frame, wire.DecodeOptions{})
	if err != nil {
		nc.Close()
		return nil, err
	}
	if resp.Expired() {
		nc.Close()
		return nil, ErrSessionExpired
	}
	c.SessionID, c.Passwd, c.TimeoutMS = resp.SessionID, resp.Passwd, resp.TimeoutMS
	return c, nil
}

func (c *RawClient) write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write(b)
	return err
}

func (c *RawClient) readFrame() ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.timeout))
	var hdr [4]byte
	if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 16<<20 {
		return nil, fmt.Errorf("live: reply frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.nc, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Call sends req and waits for its reply, recording watch events that
// arrive first. The Response is nil when the server answered with an error
// and no body.
func (c *RawClient) Call(req wire.Request) (wire.ReplyHeader, wire.Response, error) {
	c.xid++
	xid := c.xid
	switch req.Op() { // the special xids the Java client uses
	case wire.OpPing:
		xid = wire.XidPing
	case wire.OpAuth:
		xid = wire.XidAuth
	}
	if err := c.write(wire.EncodeRequest(xid, req)); err != nil {
		return wire.ReplyHeader{}, nil, err
	}
	for {
		frame, err := c.readFrame()
		if err != nil {
			return wire.ReplyHeader{}, nil, err
		}
		hdr, resp, err := wire.DecodeReply(frame, replyOp(req.Op()), wire.DecodeOptions{})
		if err != nil {
			return hdr, nil, err
		}
		if hdr.Xid == wire.XidWatchEvent {
			if ev, ok := resp.(*wire.WatcherEvent); ok {
				c.Events = append(c.Events, *ev)
			}
			continue
		}
		if hdr.Xid != xid {
			return hdr, resp, fmt.Errorf("live: reply xid %d, want %d", hdr.Xid, xid)
		}
		if hdr.Zxid > c.LastZxid {
			c.LastZxid = hdr.Zxid
		}
		return hdr, resp, nil
	}
}

// Close ends the session (closeSession) and the connection.
func (c *RawClient) Close() error {
	_, _, err := c.Call(&wire.CloseSessionRequest{})
	c.nc.Close()
	return err
}

// Abort drops the TCP connection without closing the session, as a client
// that crashed or was partitioned away would.
func (c *RawClient) Abort() { c.nc.Close() }

// Conn returns the underlying connection (to read a server-initiated close).
func (c *RawClient) Conn() net.Conn { return c.nc }

// replyOp is the body type a reply to op carries. ZooKeeper 3.8 answers
// addWatch with an ErrorResponse{0} body (FinalRequestProcessor), which
// server/wire's client-side decoder does not expect (it decodes addWatch
// replies as empty): decode it as the error record it is.
func replyOp(op wire.OpCode) wire.OpCode {
	if op == wire.OpAddWatch {
		return wire.OpError
	}
	return op
}

// CallFrame sends a request frame given as its header's type and raw body
// bytes (anything at all: the point is to send what Call cannot encode, a
// malformed body or trailing bytes), with the next xid, and waits for the
// reply, recording watch events that arrive first. It returns the reply
// header and the reply's body bytes undecoded. A body shorter than it
// claims is sent as is; with short set, only the first short bytes of the
// header are sent (a frame too short to hold a request header).
func (c *RawClient) CallFrame(op wire.OpCode, body []byte, short int) (wire.ReplyHeader, []byte, error) {
	return c.CallFrameLen(op, body, short, -1)
}

// CallFrameLen is CallFrame with the frame's length prefix set to length
// (when not negative) whatever the bytes sent: a frame past jute.maxbuffer
// without sending that much.
func (c *RawClient) CallFrameLen(op wire.OpCode, body []byte, short int, length int64) (wire.ReplyHeader, []byte, error) {
	c.xid++
	xid := c.xid
	e := wire.NewEncoder(make([]byte, 4, 4+wire.RequestHeaderSize+len(body)))
	e.Int32(xid)
	e.Int32(int32(op))
	e.Raw(body)
	b := e.Bytes()
	if short > 0 {
		b = b[:4+short]
	}
	binary.BigEndian.PutUint32(b[:4], uint32(len(b)-4))
	if length >= 0 {
		binary.BigEndian.PutUint32(b[:4], uint32(length))
	}
	if err := c.write(b); err != nil {
		return wire.ReplyHeader{}, nil, err
	}
	for {
		frame, err := c.readFrame()
		if err != nil {
			return wire.ReplyHeader{}, nil, err
		}
		if len(frame) < wire.ReplyHeaderSize {
			return wire.ReplyHeader{}, nil, fmt.Errorf("live: reply of %d bytes", len(frame))
		}
		hdr := wire.ReplyHeader{
			Xid:  int32(binary.BigEndian.Uint32(frame[0:4])),
			Zxid: int64(binary.BigEndian.Uint64(frame[4:12])),
			Err:  wire.Err(int32(binary.BigEndian.Uint32(frame[12:16]))),
		}
		if hdr.Xid == wire.XidWatchEvent {
			if _, resp, err := wire.DecodeReply(frame, wire.OpNotification, wire.DecodeOptions{}); err == nil {
				if ev, ok := resp.(*wire.WatcherEvent); ok {
					c.Events = append(c.Events, *ev)
				}
			}
			continue
		}
		if hdr.Xid != xid {
			return hdr, frame[16:], fmt.Errorf("live: reply xid %d, want %d", hdr.Xid, xid)
		}
		if hdr.Zxid > c.LastZxid {
			c.LastZxid = hdr.Zxid
		}
		return hdr, frame[16:], nil
	}
}

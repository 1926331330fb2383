package server

import (
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// Client requests a learner hands to the leader (moved out of ensemble.go
// unchanged).

// Forwarded requests travel to the leader as REQUEST payloads: a kind byte,
// then the fields of that kind.
const (
	fwdRequest       byte = 1 // session, xid, auth ids, the client's frame
	fwdCreateSession byte = 2 // session, timeout
	fwdRevalidate    byte = 3 // session, timeout: the client reconnected here
)

// forwardWrite sends a client write to the leader (itself included).
func (s *Server) forwardWrite(c *conn, xid int32, frame []byte) error {
	size := 1 + 8 + 4 + 4 + 4 + len(frame)
	for _, id := range c.authIDs {
		size += 4 + len(id.Scheme) + 4 + len(id.ID)
	}
	// Forward takes the bytes (the REQUEST packet keeps them): carve them
	// like a peer frame (see ensemble.frames).
	enc := wire.NewEncoder(append(s.ens.frames.Buf(size), fwdRequest))
	enc.Int64(c.session)
	enc.Int32(xid)
	enc.VectorLen(len(c.authIDs), false)
	for _, id := range c.authIDs {
		enc.String(id.Scheme)
		enc.String(id.ID)
	}
	enc.Buffer(frame)
	return s.ens.peer.Forward(enc.Bytes())
}

// leaderRequest preps and proposes a forwarded write.
func (s *Server) leaderRequest(r zab.Request) {
	if len(r.Data) == 0 {
		return
	}
	d := wire.NewDecoder(r.Data[1:])
	switch r.Data[0] {
	case fwdRequest:
		id, xid := d.Int64(), d.Int32()
		n, _ := d.VectorLen(8)
		ids := make([]wire.ID, 0, n)
		for i := 0; i < n && d.Err() == nil; i++ {
			ids = append(ids, wire.ID{Scheme: d.String(), ID: d.String()})
		}
		frame := d.BufferView() // r.Data is an immutable REQUEST payload
		if d.Err() != nil {
			s.env.Logf("bad forwarded request from %d: %v", r.From, d.Err())
			return
		}
		hdr, body, err := wire.DecodeRequest(frame, s.requestDecodeOptions())
		if len(frame) < wire.RequestHeaderSize || !isWrite(hdr.Type) && hdr.Type != wire.OpReconfig {
			s.env.Logf("bad forwarded request from %d: %v", r.From, err)
			return
		}
		if err != nil {
			// The learner took it for a write of a known op: a malformed
			// body is an error txn, as on a standalone server.
			body = nil
		}
		owner := session.Owner{Server: int64(r.From)}
		s.propose(s.prepWrite(id, xid, hdr.Type, body, ids, &owner))
	case fwdCreateSession:
		id, timeout := d.Int64(), d.Int32()
		if d.Err() != nil {
			return
		}
		s.sessions.Add(id, timeout, s.sessionClockMS())
		_ = s.sessions.SetOwner(id, session.Owner{Server: int64(r.From)})
		p := s.newPrep(id, 0, wire.OpCreateSession, nil)
		s.propose(p.finish(&txn.CreateSession{TimeoutMS: timeout}, nil))
	case fwdRevalidate:
		id, timeout := d.Int64(), d.Int32()
		if d.Err() == nil {
			s.revalidated(id, timeout, int64(r.From))
		}
	}
}

// forwardRevalidate tells the leader a client resumed its session here
// (ZooKeeper's REVALIDATE). The leader touches the session and records this
// server as its owner, so a request of the session still in flight from the
// server the client left fails with SESSIONMOVED.
func (s *Server) forwardRevalidate(c *conn, id int64) {
	enc := wire.NewEncoder([]byte{fwdRevalidate})
	enc.Int64(id)
	enc.Int32(c.timeoutMS)
	if err := s.ens.peer.Forward(enc.Bytes()); err != nil {
		s.env.Logf("conn %d: cannot revalidate session %#x: %v", c.id, id, err)
	}
}

// awaitRevalidation holds a learner's connect response until the leader has
// answered for the session, as ZooKeeper's Learner.validateSession does: a
// sync barrier follows the REVALIDATE on the same FIFO link, and once it
// completes every txn the leader committed or proposed before it — an
// expiry's closeSession included — is applied here. Answering at once would
// let a client whose session the leader already expired resume it on a
// lagging follower and read stale state (a lock recipe then grants a lock to
// a dead session; the live lock test under pauses found it).
func (s *Server) awaitRevalidation(c *conn) {
	e := s.ens
	e.nextSync++
	e.revalidating[e.nextSync] = c
	if err := e.peer.Sync(e.nextSync); err != nil {
		delete(e.revalidating, e.nextSync)
		s.env.Logf("conn %d: cannot revalidate session %#x: %v", c.id, c.session, err)
		s.closeConn(c)
	}
}

// finishRevalidation answers a resumed session's connect once the leader's
// view of it is applied here: expired (timeout 0, then close) if the session
// is gone or closing, else connected.
func (s *Server) finishRevalidation(c *conn) {
	if c.closing {
		return
	}
	if sess, ok := s.sessions.Get(c.session); !ok || sess.Closing {
		s.sendConnectResponse(c, 0, 0)
		s.closeConnAfterFlush(c)
		return
	}
	s.sendConnectResponse(c, c.session, c.timeoutMS)
}

// revalidated is the leader's side of REVALIDATE: touch the session and make
// the forwarding server its owner. A session that is closing or gone stays so
// (the client learns it on its next request).
func (s *Server) revalidated(id int64, timeoutMS int32, from int64) {
	if s.sessions.Touch(id, timeoutMS, s.sessionClockMS()) {
		_ = s.sessions.SetOwner(id, session.Owner{Server: from})
	}
}

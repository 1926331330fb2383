package server

import (
	"fmt"

	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// What a learner hands its leader, and the leader's side of it. The leader
// preps its own clients' writes directly (Server.request); only learners
// forward.

// Forwarded requests travel to the leader as REQUEST payloads: a kind byte,
// then the fields of that kind.
const (
	fwdRequest       byte = 1 // session, xid, auth ids, the client's frame
	fwdCreateSession byte = 2 // session, timeout
	fwdRevalidate    byte = 3 // session, timeout: the client reconnected here
)

// forward sends a client write to the leader (learners only).
func (e *ensemble) forward(c *conn, xid int32, frame []byte) error {
	size := 1 + 8 + 4 + 4 + 4 + len(frame)
	for _, id := range c.authIDs {
		size += 4 + len(id.Scheme) + 4 + len(id.ID)
	}
	// Forward takes the bytes (the REQUEST packet keeps them): carve them
	// from the links' frame slab.
	enc := wire.NewEncoder(append(e.tr.Buf(size), fwdRequest))
	enc.Int64(c.session)
	enc.Int32(xid)
	enc.VectorLen(len(c.authIDs), false)
	for _, id := range c.authIDs {
		enc.String(id.Scheme)
		enc.String(id.ID)
	}
	enc.Buffer(frame)
	return e.peer.Forward(enc.Bytes())
}

// forwardSession asks the leader to create session id (learners only).
func (e *ensemble) forwardSession(c *conn, id int64) error {
	enc := wire.NewEncoder([]byte{fwdCreateSession})
	enc.Int64(id)
	enc.Int32(c.timeoutMS)
	return e.peer.Forward(enc.Bytes())
}

// leaderRequest preps and proposes a write a learner forwarded.
func (e *ensemble) leaderRequest(r zab.Request) {
	s := e.s
	if len(r.Data) == 0 {
		return
	}
	if r.From == uint64(s.cfg.ID) {
		// Only learners forward (see replication): a leader preps its own
		// clients' requests directly.
		panic(fmt.Sprintf("server %d: a request forwarded to itself", s.cfg.ID))
	}
	d := wire.NewDecoder(r.Data[1:])
	owner := session.Owner{Server: int64(r.From)}
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
		s.repl.propose(s.prepWrite(id, xid, hdr.Type, body, ids, &owner))
	case fwdCreateSession:
		id, timeout := d.Int64(), d.Int32()
		if d.Err() != nil {
			return
		}
		s.sessions.Add(id, timeout, s.sessionClockMS())
		s.proposeCreateSession(id, timeout, &owner)
	case fwdRevalidate:
		id, timeout := d.Int64(), d.Int32()
		if d.Err() == nil {
			s.revalidated(id, timeout, int64(r.From))
		}
	}
}

// reopened tells the leader a client resumed its session here (ZooKeeper's
// REVALIDATE): the leader touches the session and records this server as
// its owner, so a request of the session still in flight from the server
// the client left fails with SESSIONMOVED. The leader does it at once; a
// learner then holds the connect response until the leader has answered for
// the session, as ZooKeeper's Learner.validateSession does: a sync barrier
// follows the REVALIDATE on the same FIFO link, and once it completes every
// txn the leader committed or proposed before it — an expiry's closeSession
// included — is applied here. Answering at once would let a client whose
// session the leader already expired resume it on a lagging follower and
// read stale state (a lock recipe then grants a lock to a dead session; the
// live lock test under pauses found it).
func (e *ensemble) reopened(c *conn, id int64) bool {
	s := e.s
	if e.preps() {
		s.revalidated(id, c.timeoutMS, s.cfg.ID)
		return false
	}
	enc := wire.NewEncoder([]byte{fwdRevalidate})
	enc.Int64(id)
	enc.Int32(c.timeoutMS)
	if err := e.peer.Forward(enc.Bytes()); err != nil {
		s.env.Logf("conn %d: cannot revalidate session %#x: %v", c.id, id, err)
	}
	e.nextSync++
	e.revalidating[e.nextSync] = c
	if err := e.peer.Sync(e.nextSync); err != nil {
		delete(e.revalidating, e.nextSync)
		s.env.Logf("conn %d: cannot revalidate session %#x: %v", c.id, c.session, err)
		s.closeConn(c)
	}
	return true
}

// finishRevalidation answers a resumed session's connect once the leader's
// view of it is applied here: expired (timeout 0, then close) if the session
// is gone or closing, else connected.
func (e *ensemble) finishRevalidation(c *conn) {
	s := e.s
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

// proposeCreateSession preps and proposes the createSession txn of a
// session the tracker holds; owner (nil standalone) becomes its owner.
func (s *Server) proposeCreateSession(id int64, timeoutMS int32, owner *session.Owner) {
	if owner != nil {
		_ = s.sessions.SetOwner(id, *owner)
	}
	s.repl.propose(txn.Txn{Header: s.nextHeader(id, 0, wire.OpCreateSession), Record: &txn.CreateSession{TimeoutMS: timeoutMS}})
}

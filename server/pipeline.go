package server

import (
	"slices"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// isWrite reports whether op goes through prep and the log.
func isWrite(op wire.OpCode) bool {
	switch op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL,
		wire.OpDelete, wire.OpSetData, wire.OpSetACL, wire.OpCheck, wire.OpMulti, wire.OpCloseSession:
		return true
	}
	return false
}

// request takes one decoded client request (ZooKeeperServer.submitRequest);
// r is a new, zero record for it (see newRequest). body is nil for an op
// this server does not implement, and for a malformed one (a known op whose
// body did not parse).
func (s *Server) request(c *conn, r *request, hdr wire.RequestHeader, body wire.Request, malformed bool, frame []byte) {
	switch hdr.Type {
	case wire.OpAuth:
		s.auth(c, hdr.Xid, body.(*wire.AuthRequest))
		return
	case wire.OpSASL:
		s.saslRequest(c, hdr.Xid, body.(*wire.SASLRequest))
		return
	}
	if !s.enforceAuth(c, hdr.Xid) {
		return
	}
	if !s.touch(c) {
		// ZooKeeper drops requests of a closing or unknown session without
		// a reply; the close that is under way ends the connection.
		return
	}
	*r = request{conn: c, xid: hdr.Xid, op: hdr.Type, body: body, malformed: malformed, start: s.env.Now()}
	c.queue = append(c.queue, r)
	switch {
	case isWrite(hdr.Type) || hdr.Type == wire.OpReconfig && s.cfg.ReconfigEnabled:
		// The one write path: the server that preps writes (standalone,
		// or the leader) preps this one now; a learner forwards it.
		r.write = true
		s.pending[writeKey{c.session, hdr.Xid}] = r
		if s.repl.preps() {
			s.repl.propose(s.prepWrite(c.session, hdr.Xid, hdr.Type, body, c.authIDs, s.repl.owner()))
		} else {
			s.forwardOrFail(c, r, s.repl.forward(c, hdr.Xid, frame))
		}
	case hdr.Type == wire.OpSync && !malformed:
		// A linearizable sync (ensemble): later reads wait until it is
		// done. Standalone it is a read.
		barrier, err := s.repl.sync(r)
		r.write = barrier
		s.forwardOrFail(c, r, err)
	}
	s.advance(c)
	s.repl.flush()
}

// touch renews the session (and, on a learner, queues the touch for the
// leader).
func (s *Server) touch(c *conn) bool {
	if !s.sessions.Touch(c.session, c.timeoutMS, s.sessionClockMS()) {
		return false
	}
	s.repl.touched(c)
	return true
}

// forwardOrFail closes the connection when Zab cannot take the request (the
// server just stopped serving): the client sees a connection loss.
func (s *Server) forwardOrFail(c *conn, r *request, err error) {
	if err != nil {
		s.env.Logf("conn %d: cannot forward %v: %v", c.id, r.op, err)
		s.closeConn(c)
	}
}

// popQueue removes the head of the connection's request queue. An emptied
// queue restarts at the front of its array, so a session with one request
// at a time reuses one slot instead of growing a new array per request.
func (c *conn) popQueue() *request {
	r := c.queue[0]
	c.queue[0] = nil
	if len(c.queue) == 1 {
		c.queue = c.queue[:0]
	} else {
		c.queue = c.queue[1:]
	}
	return r
}

// advance executes the session's reads that no earlier write blocks, then
// sends every finished reply at the head of the queue, in order.
func (s *Server) advance(c *conn) {
	for _, r := range c.queue {
		if r.done {
			continue
		}
		if r.write {
			break
		}
		s.execRead(r)
	}
	for len(c.queue) > 0 && c.queue[0].done && !c.closing {
		r := c.popQueue()
		s.send(c, r.reply)
		s.recordLatency(r)
		if r.close {
			s.closeConn(c)
		}
	}
}

func (s *Server) recordLatency(r *request) {
	ms := (s.env.Now() - r.start) / 1e6
	st := &s.stats
	if st.LatencyCount == 0 || ms < st.MinLatencyMS {
		st.MinLatencyMS = ms
	}
	st.MaxLatencyMS = max(st.MaxLatencyMS, ms)
	st.TotalLatencyMS += ms
	st.LatencyCount++
}

// reply finishes r with a reply carrying the last processed zxid; resp is
// sent only when err is ErrOK.
func (s *Server) reply(r *request, err wire.Err, resp wire.Response) {
	e := s.beginReply(r, err)
	if err == wire.ErrOK && resp != nil {
		resp.Encode(e)
	}
	s.endReply(r)
}

// beginReply starts r's reply (the header, with the last processed zxid)
// in the server's scratch encoder and returns the encoder for the body,
// which the caller appends only when err is ErrOK, then calls endReply.
// The hot replies (getData, setData) encode their response value through
// it directly: boxing it for reply costs an allocation.
func (s *Server) beginReply(r *request, err wire.Err) *wire.Encoder {
	xid := r.xid
	if r.op == wire.OpPing {
		xid = wire.XidPing
	}
	zxid := s.tree.LastZxid()
	r.conn.lastZxid = zxid
	wire.BeginReply(&s.replyEnc, xid, zxid, err)
	return &s.replyEnc
}

// endReply finishes r with a copy of the reply in the scratch encoder.
func (s *Server) endReply(r *request) {
	r.reply = slices.Clone(wire.EndFrame(&s.replyEnc))
	r.done = true
	if cap(s.replyEnc.Bytes()) > maxReplyScratch {
		s.replyEnc = wire.Encoder{} // do not keep a huge reply's buffer
	}
}

// maxReplyScratch bounds the reply buffer kept between replies.
const maxReplyScratch = 64 << 10

// kickSync starts a group-commit fsync unless one is already running; txns
// appended meanwhile ride on the next one.
func (s *Server) kickSync() {
	if s.syncTarget > s.store.LastZxid() {
		s.resetSyncTarget() // the log was cut below it (TRUNC, snapshot install)
	}
	if s.syncTarget > s.store.DurableZxid() || s.store.DurableZxid() >= s.store.LastZxid() {
		return
	}
	s.syncTarget = s.store.LastZxid()
	if err := s.store.Sync(); err != nil {
		s.fail(err)
	}
}

// resetSyncTarget forgets the running fsync's target after the log was cut:
// the durable zxid may now be below any earlier target (-1 after a snapshot
// install empties the log), and a stale target would hold back every later
// fsync.
func (s *Server) resetSyncTarget() { s.syncTarget = s.store.DurableZxid() }

func (s *Server) syncDone(e proc.SyncDone) {
	comp, err := s.store.HandleSyncDone(e)
	if err != nil {
		// ZooKeeper's SyncRequestProcessor dies on an fsync error and the
		// server shuts down; so do we.
		s.fail(err)
		return
	}
	if !comp.Known {
		return
	}
	s.repl.durable(comp)
}

// purge runs after every durable snapshot: it keeps the newest
// retainedSnapshots snapshots and the logs after the oldest of them, as
// ZooKeeper's autopurge (PurgeTxnLog) does every purgeInterval hours. A
// simulated disk holds every file in memory: a run with frequent snapshots
// of a large tree kept them all and ran out of memory.
func (s *Server) purge() {
	if _, err := s.store.Purge(retainedSnapshots); err != nil {
		s.env.Logf("purge: %v", err)
	}
}

// retainedSnapshots is autopurge.snapRetainCount's default and minimum.
const retainedSnapshots = 3

// commitDurable applies, in zxid order, every in-flight txn now durable.
func (s *Server) commitDurable() {
	durable := s.store.DurableZxid()
	n := 0
	for ; n < len(s.inflight) && s.inflight[n].Header.Zxid <= durable; n++ {
		if s.failed != nil {
			return
		}
		s.apply(s.inflight[n])
	}
	// Shift the rest to the front rather than reslicing, so propose keeps
	// reusing one array.
	rest := copy(s.inflight, s.inflight[n:])
	clear(s.inflight[rest:])
	s.inflight = s.inflight[:rest]
}

// apply is FinalRequestProcessor: apply a committed txn to the tree, fire
// watches, and answer the local request (if any) it came from.
func (s *Server) apply(t txn.Txn) { s.applyDigested(t, zab.Digest(t.Marshal())) }

// applyDigested is apply for a txn whose digest (zab.Digest of its
// canonical encoding) is at hand: a committed Zab entry's, which the
// invariant observer has just taken.
func (s *Server) applyDigested(t txn.Txn, digest uint64) {
	res := s.tree.ApplyTxn(t)
	s.noteRecent(t, res)
	s.prep.Applied(t.Header.Zxid)
	s.env.Emit(committedNote(s.env.Name(), t, digest))
	s.deliverEvents(res.Events)
	key := writeKey{t.Header.ClientID, t.Header.Cxid}
	req := s.pending[key]
	if req != nil {
		delete(s.pending, key)
	}
	s.repl.applied(t)
	switch r := t.Record.(type) {
	case *txn.CreateSession:
		s.sessionCreated(t.Header.ClientID, r.TimeoutMS)
	case *txn.CloseSession:
		s.sessionClosed(t.Header.ClientID, req)
	}
	if req != nil && !req.conn.closing {
		s.finishWrite(req, t, res)
		s.advance(req.conn)
	}
	s.maybeSnapshot()
}

// committedNote is the Committed observation of an applied txn.
func committedNote(node string, t txn.Txn, digest uint64) Committed {
	n := Committed{Node: node, Zxid: t.Header.Zxid, Type: t.Header.Type.String(), Session: t.Header.ClientID,
		Cxid: t.Header.Cxid, Digest: digest}
	switch r := t.Record.(type) {
	case *txn.Error:
		n.Err = r.Err.Name()
	case *txn.Delete:
		if t.Header.Type == wire.OpDeleteContainer {
			n.Path = r.Path
		}
	}
	return n
}

func (s *Server) deliverEvents(evs []tree.Event) {
	if len(evs) == 0 {
		return
	}
	byWatcher := map[tree.Watcher]*conn{}
	for _, c := range s.conns {
		byWatcher[c.watcher] = c
	}
	for _, ev := range evs {
		c := byWatcher[ev.Watcher]
		if c == nil {
			continue
		}
		if ev.ACL != nil && s.providers().CheckACL(ev.ACL, wire.PermRead, c.authIDs) != wire.ErrOK {
			continue // no READ on the node: ZooKeeper's CVE-2024-23944 fix drops the event
		}
		s.send(c, wire.EncodeWatchEvent(wire.WatcherEvent{Type: ev.Type, State: wire.StateSyncConnected, Path: ev.Path}))
	}
}

// finishWrite builds the reply of an applied write.
func (s *Server) finishWrite(r *request, t txn.Txn, res tree.Result) {
	if sessionMoved(t) {
		// SESSIONMOVED is a connection-level error (FinalRequestProcessor
		// since ZOOKEEPER-710): tear the connection down rather than answer
		// on it, so the client reconnects and revalidates, making the server
		// it is really attached to the owner again. Answering instead lets a
		// stale revalidation (from a slow server the client gave up on) make
		// every later write of the session fail: the ZOOKEEPER-710 bug.
		s.env.Logf("conn %d: session %#x moved (SESSIONMOVED %d): closing the connection", r.conn.id, r.conn.session, int32(wire.ErrSessionMoved))
		s.closeConn(r.conn)
		return
	}
	if e, ok := t.Record.(*txn.Error); ok {
		s.reply(r, e.Err, nil)
		return
	}
	switch t.Header.Type {
	case wire.OpMulti:
		s.reply(r, wire.ErrOK, &wire.MultiResponse{Results: multiResults(res.Multi)})
	case wire.OpCloseSession:
		r.close = true
		s.reply(r, res.Err, nil)
	case wire.OpReconfig:
		s.reconfigReply(r, res)
	case wire.OpSetData:
		// The common write: its response is encoded as a value, unboxed.
		e := s.beginReply(r, res.Err)
		if res.Err == wire.ErrOK {
			resp := wire.SetDataResponse{Stat: statOf(res)}
			resp.Encode(e)
		}
		s.endReply(r)
	default:
		s.reply(r, res.Err, writeResponse(t.Header.Type, res))
	}
}

// sessionMoved reports whether prep failed the txn, or one op of a multi,
// with SESSIONMOVED.
func sessionMoved(t txn.Txn) bool {
	switch r := t.Record.(type) {
	case *txn.Error:
		return r.Err == wire.ErrSessionMoved
	case *txn.Multi:
		for _, op := range r.Ops {
			if e, ok := op.Record.(*txn.Error); ok && e.Err == wire.ErrSessionMoved {
				return true
			}
		}
	}
	return false
}

func writeResponse(op wire.OpCode, res tree.Result) wire.Response {
	switch op {
	case wire.OpCreate:
		return &wire.CreateResponse{Path: res.Path}
	case wire.OpCreate2, wire.OpCreateTTL, wire.OpCreateContainer:
		return &wire.Create2Response{Path: res.Path, Stat: statOf(res)}
	case wire.OpSetData:
		return &wire.SetDataResponse{Stat: statOf(res)}
	case wire.OpSetACL:
		return &wire.SetACLResponse{Stat: statOf(res)}
	}
	return nil
}

func statOf(res tree.Result) wire.Stat {
	if !res.HasStat {
		return wire.Stat{}
	}
	return res.Stat
}

func multiResults(subs []tree.Result) []wire.Response {
	out := make([]wire.Response, 0, len(subs))
	for _, sub := range subs {
		switch sub.Type {
		case wire.OpError:
			out = append(out, &wire.ErrorResponse{Err: sub.Err})
		case wire.OpCreate, wire.OpCreate2:
			// ZooKeeper 3.8.0 answers a create2 inside a multi with a plain
			// create result (path only), as the differential test shows.
			out = append(out, &wire.CreateResponse{Path: sub.Path})
		case wire.OpCreateTTL, wire.OpCreateContainer:
			out = append(out, &wire.Create2Response{Path: sub.Path, Stat: statOf(sub)})
		case wire.OpSetData:
			out = append(out, &wire.SetDataResponse{Stat: statOf(sub)})
		default: // delete, check: a header with no body
			out = append(out, &wire.EmptyResponse{Type: sub.Type})
		}
	}
	return out
}

// maybeSnapshot writes a snapshot every SnapCount txns.
func (s *Server) maybeSnapshot() {
	s.sinceSnap++
	if s.sinceSnap < s.cfg.SnapCount || s.snapshotting {
		return
	}
	s.sinceSnap = 0
	s.snapshotting = true
	s.emitMoment(momentSnapshotWriting)
	zxid, data, err := s.snapshotBytes()
	if err == nil {
		err = s.store.WriteSnapshot(zxid, data)
	}
	if err != nil {
		s.fail(err)
	}
}

// snapshotBytes serializes the tree for a snapshot. With zk-1046 the
// snapshot is fuzzy, as ZooKeeper's are: labelled before the last
// fuzzyWindow txns although it holds their effects (see
// tree.SerializeFuzzy); ZooKeeper's replay copes with that since the
// ZOOKEEPER-1046 fix.
func (s *Server) snapshotBytes() (int64, []byte, error) {
	// An ensemble member snapshots the sessions its committed txns created
	// and did not close (ZKDatabase.sessionsWithTimeouts), as its SNAP and
	// load-time snapshots do: its tracker is not that set (a leader's holds
	// sessions not committed yet).
	sessions := s.repl.snapshotSessions()
	if !s.cfg.Bugs.Has(bugs.ZK1046) || len(s.recent) <= fuzzyWindow {
		return s.tree.LastZxid(), s.tree.Serialize(sessions), nil
	}
	stale := map[string]int32{}
	for _, r := range s.recent[1:] {
		if r.parent != "" {
			stale[r.parent]++
		}
	}
	asOf := s.recent[0].zxid
	data, err := s.tree.SerializeFuzzy(sessions, asOf, stale)
	return asOf, data, err
}

// noteRecent keeps the last applied txns for zk-1046's fuzzy snapshots.
func (s *Server) noteRecent(t txn.Txn, res tree.Result) {
	if !s.cfg.Bugs.Has(bugs.ZK1046) {
		return
	}
	r := recentTxn{zxid: t.Header.Zxid}
	if c, ok := t.Record.(*txn.Create); ok && t.Header.Type == wire.OpCreate && res.Err == wire.ErrOK {
		r.parent = tree.ParentPath(c.Path)
	}
	s.recent = append(s.recent, r)
	if len(s.recent) > fuzzyWindow+1 {
		s.recent = s.recent[1:]
	}
}

func (s *Server) sessionTimeouts() map[int64]int32 {
	out := map[int64]int32{}
	for _, id := range s.sessions.IDs() {
		if sess, ok := s.sessions.Get(id); ok {
			out[id] = sess.TimeoutMS
		}
	}
	return out
}

// createSession starts a createSession txn; the ConnectResponse goes out
// when it is applied.
func (s *Server) createSession(c *conn) {
	id := s.sessions.Create(c.timeoutMS, s.sessionClockMS())
	s.pendingSessions[id] = c
	if s.repl.preps() {
		s.proposeCreateSession(id, c.timeoutMS, s.repl.owner())
	} else {
		s.forwardOrFail(c, nil, s.repl.forwardSession(c, id))
	}
	s.repl.flush()
}

func (s *Server) sessionCreated(id int64, timeoutMS int32) {
	c := s.pendingSessions[id]
	delete(s.pendingSessions, id)
	if c == nil || c.closing {
		return // the client left; the session expires unless it reconnects
	}
	s.attach(c, id)
	s.sendConnectResponse(c, id, timeoutMS)
}

// submitCloseSession preps and logs the closeSession of an expired session.
func (s *Server) submitCloseSession(id int64) {
	s.repl.propose(s.prepWrite(id, 0, wire.OpCloseSession, &wire.CloseSessionRequest{}, nil, nil))
}

func (s *Server) sessionClosed(id int64, req *request) {
	s.sessions.Remove(id)
	if c := s.sessionConn[id]; c != nil && (req == nil || req.conn != c) {
		s.closeConn(c)
	}
}

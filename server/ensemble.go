package server

import (
	"fmt"
	"maps"
	"slices"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/quorum"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/storage"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// PeerConfig is one member of an ensemble (a server.N line).
type PeerConfig struct {
	ID       int64
	Addr     string // quorum address ("s1:2888"); Zab and election traffic share it
	Observer bool
	// ElectionPort is the line's election port (zabsim carries elections
	// on the quorum port; it only appears in /zookeeper/config; 0: the
	// quorum port + 1000) and ClientAddr its client address ("" = none,
	// or this server's own ClientAddr for itself).
	ElectionPort int
	ClientAddr   string
}

// ensemble is the replication of an ensemble member (see replication): the
// Zab peer, its links (server/quorum) and the glue that carries out the
// peer's Readys against the server's store and tree.
type ensemble struct {
	s    *Server
	peer *zab.Peer
	role zab.RoleState
	tr   *quorum.Transport
	// myAddr is this server's quorum address.
	myAddr string
	// self is this server as a session owner (owner).
	self   session.Owner
	local  *session.LocalTracker
	global map[int64]int32 // sessions known from committed txns
	syncs  map[uint64]*request
	// nextSync numbers sync barriers (client syncs and revalidations).
	nextSync uint64
	// revalidating holds connections whose resumed session waits for the
	// leader's confirmation (a sync barrier after the REVALIDATE), by sync id.
	revalidating map[uint64]*conn
	// snapshotPending: a snapshot from the leader (as of snapshotAt, which
	// may be 0: an empty tree) is being made durable.
	snapshotPending bool
	snapshotAt      int64
	// tickedAtNS is Env.Mono when Zab was last ticked (zabTicks).
	tickedAtNS int64
	// obs derives the invariant checker's observations from Readys.
	obs zab.Observer
	// checkPrepped, when set (tests), is called with each prepped txn
	// committedTxn applies and the committed bytes it stands for.
	checkPrepped func(t txn.Txn, data []byte)
}

var _ replication = (*ensemble)(nil)

// peerTickTag tags the Zab tick timer.
type peerTickTag struct{}

// RoleChanged reports a server's Zab role.
type RoleChanged struct {
	Node    string
	Role    string
	Leader  uint64
	Epoch   uint32
	Serving bool
}

// startEnsemble recovers, builds the Zab peer and starts talking to peers.
func (s *Server) startEnsemble(rec *storage.Recovery) error {
	e := &ensemble{s: s, self: session.Owner{Server: s.cfg.ID}, local: session.NewLocalTracker(), global: map[int64]int32{}, syncs: map[uint64]*request{},
		revalidating: map[uint64]*conn{}}
	for id, to := range s.ensGlobalSeed {
		e.global[id] = to
		e.local.AddGlobal(id, to)
	}
	addrs := map[uint64]string{}
	zc := s.zabConfig(e, addrs, rec)
	peer, err := zab.NewPeer(zc)
	if err != nil {
		return err
	}
	e.peer = peer
	if s.cfg.ReconfigEnabled {
		s.initConfigNode(peer.Config())
	}
	e.tickedAtNS = s.env.Mono()
	s.ens, s.repl = e, e
	// A restart is, to the invariant checker, a truncation to what recovery
	// put in the tree: the log tail is re-delivered by Zab.
	s.env.Emit(zab.Truncated{Node: uint64(s.cfg.ID), ToZxid: s.tree.LastZxid()})
	listen := e.myAddr
	if s.cfg.QuorumListenOnAllIPs {
		listen = "0.0.0.0:" + portOf(e.myAddr)
	}
	e.tr = quorum.New(s.env, quorum.Config{ID: uint64(s.cfg.ID), Addr: e.myAddr, Listen: listen,
		Announce: s.cfg.ReconfigEnabled, Members: addrs}, e)
	if err := e.tr.Listen(); err != nil {
		return err
	}
	e.tr.Dial()
	s.env.After(msToDuration(s.cfg.PeerTickMS), peerTickTag{})
	e.drain()
	e.dirtySnapshotAtLoad(rec)
	return nil
}

// dirtySnapshotAtLoad is zk-1549: ZooKeeper's loadData snapshots the
// database it loaded, which (log replayed) holds uncommitted txns; a later
// TRUNC cannot take them out of that snapshot.
func (e *ensemble) dirtySnapshotAtLoad(rec *storage.Recovery) {
	s := e.s
	if !s.cfg.Bugs.Has(bugs.ZK1549) || s.failed != nil || s.tree.LastZxid() <= rec.SnapshotZxid {
		return
	}
	s.snapshotting = true
	s.storeErr(s.store.WriteSnapshot(s.tree.LastZxid(), s.tree.Serialize(e.global)))
}

// Snapshot gives the leader the tree to send in a SNAP (zab.SnapshotSource).
func (e *ensemble) Snapshot() (zab.Snapshot, error) {
	return zab.Snapshot{Zxid: e.s.tree.LastZxid(), Data: e.s.tree.Serialize(e.global)}, nil
}

// Step takes a message from a peer link (quorum.Handler) and carries out
// what it caused.
func (e *ensemble) Step(from uint64, m zab.Message) {
	e.peer.Step(from, m)
	e.drain()
}

// PeerDisconnected says a link is gone (quorum.Handler).
func (e *ensemble) PeerDisconnected(id uint64) { e.peer.PeerDisconnected(id) }

func (e *ensemble) serving() bool { return e.role.Serving }

func (e *ensemble) preps() bool { return e.role.Serving && e.role.Role == zab.RoleLeading }

func (e *ensemble) owner() *session.Owner { return &e.self }

func (e *ensemble) nextZxid() int64 {
	if z, ok := e.peer.NextZxid(); ok {
		return z
	}
	return e.s.lastZxid + 1
}

// event takes the accepts, connects and closes of peer links.
func (e *ensemble) event(ev proc.Event) bool {
	if !e.tr.HandleEvent(ev) {
		return false
	}
	e.drain()
	return true
}

// received takes the bytes of a peer link.
func (e *ensemble) received(r proc.Received) bool {
	if !e.tr.Received(r.Conn, r.Bytes) {
		return false
	}
	e.drain()
	return true
}

func (e *ensemble) timer(tag any) bool {
	if _, ok := tag.(peerTickTag); !ok {
		return false
	}
	e.peerTick()
	return true
}

func (e *ensemble) flush() { e.drain() }

// catchUp hands Zab the peer ticks a stopped process missed.
func (e *ensemble) catchUp(monoNS int64) {
	if monoNS-e.tickedAtNS >= 2*e.s.cfg.PeerTickMS*1e6 {
		e.zabTicks()
	}
}

// peerTick advances Zab's clock, redials, forwards touches.
func (e *ensemble) peerTick() {
	e.zabTicks()
	e.tr.Dial()
	if e.role.Serving && e.role.Role != zab.RoleLeading {
		if ts := e.local.Snapshot(); len(ts) > 0 {
			e.peer.QueueTouches(encodeTouches(ts))
		}
	}
	e.drain()
	e.s.env.After(msToDuration(e.s.cfg.PeerTickMS), peerTickTag{})
}

// zabTicks advances Zab's tick count by the peer ticks of monotonic time
// that passed since the last call (at least one): a server that was
// stopped hands Zab the whole stop at once (Peer.Elapse), so deadlines
// that passed meanwhile — syncLimit, initLimit, election timeouts — are
// overdue on resume, as on ZooKeeper, whose deadlines use elapsed time.
func (e *ensemble) zabTicks() {
	now := e.s.env.Mono()
	ticks := (now - e.tickedAtNS) / (e.s.cfg.PeerTickMS * 1e6)
	e.tickedAtNS = now
	e.peer.Elapse(uint64(max(ticks, 1)))
	e.drain()
}

// drain carries out the peer's Readys in the documented order.
func (e *ensemble) drain() {
	s := e.s
	for i := 0; e.peer.HasReady() && s.failed == nil; i++ {
		if i > 10000 {
			s.fail(fmt.Errorf("zab peer kept producing effects"))
			return
		}
		rd := e.peer.Ready()
		// Advance before carrying the Ready out: handling it (Requests →
		// Propose, Commit → replies) produces new effects that belong to
		// the next Ready.
		e.peer.Advance(rd)
		e.obs.Each(uint64(s.cfg.ID), &rd, s.env.Emit)
		e.applyReady(&rd)
		// Every effect is carried out (messages encoded, entries written
		// and applied; a nested drain had its own Ready): the peer may
		// reuse rd's slices.
		e.peer.Release(&rd)
	}
}

func (e *ensemble) applyReady(rd *zab.Ready) {
	s := e.s
	// A config activation that moves this server (a new leader, a new
	// role) changes its role after the commits: the reconfig's own client
	// gets its answer before the connections close.
	if rc := rd.RoleChange; rc != nil && rd.ActivateConfig == nil {
		e.roleChanged(*rc)
	}
	if snap := rd.InstallSnapshot; snap != nil && rd.SnapshotInMemory {
		e.loadSnapshot(*snap) // zk-3642: the disk is left as it was
	} else if snap != nil {
		e.installSnapshot(*snap)
	}
	if t := rd.Truncate; t != nil {
		e.truncate(*t, rd.RetainsState())
	}
	for _, en := range rd.Append {
		if err := s.store.Append(en.Zxid, en.Data); err != nil {
			s.fail(err)
			return
		}
	}
	if len(rd.Append) > 0 {
		s.kickSync()
	}
	if ep := rd.WriteAcceptedEpoch; ep != nil {
		s.storeErr(s.store.SetAcceptedEpoch(int64(*ep)))
	}
	if ep := rd.WriteCurrentEpoch; ep != nil {
		s.storeErr(s.store.SetCurrentEpoch(int64(*ep)))
	}
	// Replay (zk-2845/zk-1549 only), then Commit; walked in place, as an
	// append of the two would copy every Ready's commits.
	for _, entries := range [2][]zab.Entry{rd.Replay, rd.Commit} {
		for _, en := range entries {
			t, err := e.committedTxn(en)
			if err != nil {
				s.fail(fmt.Errorf("committed txn %s: %w", zab.ZxidString(en.Zxid), err))
				return
			}
			s.applyDigested(t, e.obs.EntryDigest(en))
		}
	}
	if m := rd.ActivateConfig; m != nil {
		s.activateConfig(*m)
		if rc := rd.RoleChange; rc != nil {
			e.roleChanged(*rc)
		}
	}
	for _, env := range rd.Messages {
		if err := e.tr.Send(env); err != nil {
			s.fail(err)
			return
		}
	}
	e.emitMoments(rd)
	for _, r := range rd.Requests {
		e.leaderRequest(r)
	}
	for _, t := range rd.Touches {
		e.leaderTouches(t.Data)
	}
	for _, id := range rd.SyncDone {
		e.syncDone(id)
	}
}

// syncDone finishes a sync barrier: a revalidation or a client's sync.
func (e *ensemble) syncDone(id uint64) {
	if c := e.revalidating[id]; c != nil {
		delete(e.revalidating, id)
		e.finishRevalidation(c)
		return
	}
	r := e.syncs[id]
	if r == nil {
		return
	}
	delete(e.syncs, id)
	// reply with the response encoded in place: boxing a SyncResponse for
	// reply costs an allocation per sync.
	s := e.s
	resp := wire.SyncResponse{Path: r.body.(*wire.SyncRequest).Path}
	resp.Encode(s.beginReply(r, wire.ErrOK))
	s.endReply(r)
	if !r.conn.closing {
		s.advance(r.conn)
	}
}

// sync starts a linearizable sync: later reads of the session wait until
// the leader confirmed its quorum and everything committed before it is
// applied here.
func (e *ensemble) sync(r *request) (bool, error) {
	e.nextSync++
	e.syncs[e.nextSync] = r
	return true, e.peer.Sync(e.nextSync)
}

// touched queues a learner's session touch for the leader.
func (e *ensemble) touched(c *conn) {
	if !e.preps() {
		e.local.Touch(c.session, c.timeoutMS)
	}
}

// emitMoments reports the protocol moments a carried-out Ready reached
// (see Moment), each at most once, in Moments() order.
func (e *ensemble) emitMoments(rd *zab.Ready) {
	if e.role.Serving && e.role.Role != zab.RoleLeading && rd.InstallSnapshot == nil && rd.Truncate == nil &&
		rd.WriteAcceptedEpoch == nil && rd.WriteCurrentEpoch == nil {
		return // a synced learner sends only what no moment names
	}
	var reached [momentCount]bool
	reached[momentSnapReceived] = rd.InstallSnapshot != nil
	reached[momentTruncated] = rd.Truncate != nil
	reached[momentEpochWritten] = rd.WriteAcceptedEpoch != nil || rd.WriteCurrentEpoch != nil
	syncing := e.role.Role != zab.RoleLeading && !e.role.Serving
	for _, env := range rd.Messages {
		p, ok := env.Msg.(*zab.Packet)
		if !ok {
			continue
		}
		switch p.Type {
		case zab.PacketDiff, zab.PacketTrunc, zab.PacketSnap:
			reached[momentSyncSent] = true
		case zab.PacketNewLeader:
			reached[momentNewLeaderSent] = true
		case zab.PacketUpToDate:
			reached[momentUpToDateSent] = true
		case zab.PacketCommit:
			reached[momentCommitSent] = true
		case zab.PacketAck:
			reached[momentSyncAcked] = reached[momentSyncAcked] || syncing
		}
	}
	for i, r := range reached {
		if r {
			e.s.emitMoment(momentIndex(i))
		}
	}
}

func (s *Server) storeErr(err error) {
	if err != nil {
		s.fail(err)
	}
}

// roleChanged starts or stops serving clients.
func (e *ensemble) roleChanged(rc zab.RoleState) {
	s := e.s
	was := e.role
	e.role = rc
	// Commits after a role change are decoded (takeInflight would only
	// match this leader's own proposals anyway): let the txns go.
	clear(s.inflight)
	s.inflight = s.inflight[:0]
	s.env.Emit(RoleChanged{Node: s.env.Name(), Role: roleName(rc.Role), Leader: rc.Leader, Epoch: rc.Epoch, Serving: rc.Serving})
	if was.Serving && (!rc.Serving || was.Role != rc.Role || was.Epoch != rc.Epoch) {
		// ZooKeeper shuts its ZooKeeperServer down on losing its role:
		// clients reconnect elsewhere.
		for _, id := range slices.Sorted(maps.Keys(s.conns)) {
			s.closeConn(s.conns[id])
		}
		s.pending = map[writeKey]*request{}
		s.pendingSessions = map[int64]*conn{}
		e.syncs = map[uint64]*request{}
		e.revalidating = map[uint64]*conn{}
		s.prep.Reset()
	}
	if rc.Serving && rc.Role == zab.RoleLeading && !(was.Serving && was.Role == zab.RoleLeading && was.Epoch == rc.Epoch) {
		// A new leader's tracker holds every global session with a fresh
		// expiry, as a new leader's SessionTrackerImpl does.
		if err := s.restoreSessions(e.global); err != nil {
			s.fail(err)
		}
	}
	if rc.Serving && !was.Serving {
		s.env.Emit(Serving{Node: s.env.Name(), Zxid: s.tree.LastZxid()})
	}
}

func roleName(r zab.Role) string {
	switch r {
	case zab.RoleLeading:
		return "leader"
	case zab.RoleFollowing:
		return "follower"
	case zab.RoleObserving:
		return "observer"
	}
	return "looking"
}

func (e *ensemble) installSnapshot(snap zab.Snapshot) {
	s := e.s
	if !e.loadSnapshot(snap) {
		return
	}
	s.storeErr(s.store.TruncateAfter(-1))
	s.storeErr(s.store.WriteSnapshot(snap.Zxid, snap.Data))
	e.snapshotAt, e.snapshotPending = snap.Zxid, true
	s.resetSyncTarget() // the running fsync covered a log that is gone
	s.storeErr(s.store.Sync())
}

// loadSnapshot replaces the tree with a snapshot from the leader; it
// reports false (the server failed) if the bytes do not decode.
func (e *ensemble) loadSnapshot(snap zab.Snapshot) bool {
	s := e.s
	t, timeouts, err := tree.Deserialize(snap.Data)
	if err != nil {
		s.fail(fmt.Errorf("snapshot from leader: %w", err))
		return false
	}
	t.SetStaleReplay(s.cfg.Bugs.Has(bugs.ZK1046))
	t.SetProviders(s.providers())
	s.tree, e.global = t, timeouts
	// The snapshot's sessions replace ours too (ZKDatabase.deserializeSnapshot
	// refills sessionsWithTimeouts, the learner's view of global sessions):
	// a stale tracker refused a client resuming a session created while we
	// were away (SESSIONEXPIRED for a live session), and a stale touch table
	// dropped that session's touches, so the leader expired it while its
	// client was active here.
	local := session.NewLocalTracker()
	for id, to := range timeouts {
		local.AddGlobal(id, to)
	}
	e.local = local
	if err := s.restoreSessions(timeouts); err != nil {
		s.fail(err)
		return false
	}
	for _, c := range s.conns {
		s.tree.RemoveWatcher(c.watcher) // watches belonged to the old tree
	}
	if s.cfg.ReconfigEnabled {
		s.initConfigNode(e.peer.Config())
	}
	return true
}

// truncate is TRUNC: the log loses its tail. The tree holds only committed
// txns, so it is never ahead of a correct TRUNC; only zk-2845/zk-1549
// (retain) keep a tree that went past the cut, which is their defect.
func (e *ensemble) truncate(z int64, retain bool) {
	s := e.s
	s.storeErr(s.store.TruncateAfter(z))
	s.resetSyncTarget()
	s.storeErr(s.store.Sync()) // make the cut durable (Completion.TruncateDone)
	if s.tree.LastZxid() > z && !retain {
		s.fail(fmt.Errorf("TRUNC to %s below the applied zxid %s", zab.ZxidString(z), zab.ZxidString(s.tree.LastZxid())))
	}
}

// durable reports durability to the peer.
func (e *ensemble) durable(comp storage.Completion) {
	s := e.s
	if comp.SnapshotDone && !(e.snapshotPending && comp.SnapshotZxid == e.snapshotAt) {
		s.snapshotting = false
	}
	if comp.SnapshotDone && e.snapshotPending && comp.SnapshotZxid == e.snapshotAt {
		e.peer.SnapshotPersisted(e.snapshotAt)
		e.snapshotPending = false
	}
	if comp.SnapshotDone {
		s.purge()
	}
	if comp.AcceptedEpochDone || comp.CurrentEpochDone {
		_, acc := s.store.AcceptedEpoch()
		_, cur := s.store.CurrentEpoch()
		e.peer.EpochPersisted(uint32(acc), uint32(cur))
	}
	if !e.snapshotPending {
		e.peer.Persisted(s.store.DurableZxid())
	}
	s.kickSync()
	e.drain()
}

// propose hands a prepped txn to Zab (leader only). The txn waits in
// Server.inflight for its commit, which applies it as prepped: the leader
// never decodes its own proposals, as ZooKeeper's leader applies the
// Request its CommitProcessor matches to a commit.
func (e *ensemble) propose(t txn.Txn) {
	s := e.s
	data := t.Marshal()
	z, err := e.peer.Propose(data)
	if err != nil {
		s.env.Logf("propose %s: %v", zab.ZxidString(t.Header.Zxid), err)
		return
	}
	if z != t.Header.Zxid {
		s.fail(fmt.Errorf("zab assigned %s to a txn prepped as %s", zab.ZxidString(z), zab.ZxidString(t.Header.Zxid)))
		return
	}
	s.inflight = append(s.inflight, t)
}

// committedTxn is the txn a committed (or replayed) entry holds: this
// leader's own prepped txn, or the entry decoded.
func (e *ensemble) committedTxn(en zab.Entry) (txn.Txn, error) {
	if t, ok := e.takeInflight(en.Zxid); ok {
		if e.checkPrepped != nil {
			e.checkPrepped(t, en.Data)
		}
		return t, nil
	}
	return txn.UnmarshalInterned(en.Data, e.s.tree) // entries are immutable
}

// takeInflight returns the txn this leader prepped as zxid, if it did.
// Within one leading stint (Server.inflight is emptied at every role
// change) a zxid names one proposal, the one Propose numbered; Zab commits
// a leader's proposals in zxid order and never alters their bytes, and the
// txn encoding is canonical (txn.Unmarshal of t.Marshal() is t, checked for
// every txn of a run by TestLeaderAppliesPreppedTxn), so applying t is
// applying the decoded entry, without the decoding. A commit older than
// every proposal (the previous epoch's tail) is decoded.
func (e *ensemble) takeInflight(zxid int64) (txn.Txn, bool) {
	s := e.s
	n := 0 // older proposals can no longer be committed here: drop them
	for n < len(s.inflight) && s.inflight[n].Header.Zxid < zxid {
		n++
	}
	ok := false
	var t txn.Txn
	if n < len(s.inflight) && s.inflight[n].Header.Zxid == zxid {
		t, ok = s.inflight[n], true
		n++
	}
	if n > 0 {
		// Shift the rest to the front: the queue keeps reusing one array.
		rest := copy(s.inflight, s.inflight[n:])
		clear(s.inflight[rest:])
		s.inflight = s.inflight[:rest]
	}
	return t, ok
}

func (e *ensemble) snapshotSessions() map[int64]int32 { return e.global }

func encodeTouches(ts []session.Touch) []byte {
	enc := wire.NewEncoder(make([]byte, 0, 4+12*len(ts))) // one allocation
	enc.VectorLen(len(ts), false)
	for _, t := range ts {
		enc.Int64(t.ID)
		enc.Int32(t.TimeoutMS)
	}
	return enc.Bytes()
}

func (e *ensemble) leaderTouches(data []byte) {
	s := e.s
	if e.role.Role != zab.RoleLeading {
		return
	}
	d := wire.NewDecoder(data)
	n, _ := d.VectorLen(12)
	for i := 0; i < n && d.Err() == nil; i++ {
		id, to := d.Int64(), d.Int32()
		if d.Err() == nil {
			s.sessions.Touch(id, to, s.sessionClockMS())
		}
	}
}

// applied keeps every server's view of global sessions.
func (e *ensemble) applied(t txn.Txn) {
	s := e.s
	switch r := t.Record.(type) {
	case *txn.CreateSession:
		e.global[t.Header.ClientID] = r.TimeoutMS
		e.local.AddGlobal(t.Header.ClientID, r.TimeoutMS)
		s.trackRestored(s.sessions, t.Header.ClientID, r.TimeoutMS)
	case *txn.CloseSession:
		delete(e.global, t.Header.ClientID)
		e.local.RemoveGlobal(t.Header.ClientID)
	}
}

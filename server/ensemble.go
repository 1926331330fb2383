package server

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/bugs"
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

// maxPeerFrame bounds a quorum frame (a SNAP carries the whole tree).
const maxPeerFrame = 256 << 20

// ensemble is the replicated mode's state: the Zab peer and its links.
type ensemble struct {
	peer   *zab.Peer
	role   zab.RoleState
	myAddr string
	// quorumListen names the quorum listener: myAddr, or 0.0.0.0 and its
	// port with QuorumListenOnAllIPs.
	quorumListen string
	addrs        map[uint64]string
	peerIDs      []uint64 // the keys of addrs, sorted (addrs is fixed at start)
	// links are the established links: links[i] to peer peerIDs[i] (or
	// nil). A slice, not a map: sendPeer looks a link up per message.
	links  []*peerLink
	byConn map[proc.ConnID]*peerLink
	// dialErr is, per peer, why the last dial failed, until one succeeds:
	// a failure is logged when its cause changes, not every retry.
	dialErr  map[uint64]string
	local    *session.LocalTracker
	global   map[int64]int32 // sessions known from committed txns
	syncs    map[uint64]*request
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
	// rx is the packet peerBytes decodes each quorum message into.
	rx zab.Packet
	// obs derives the invariant checker's observations from Readys.
	obs zab.Observer
	// frames supplies sendPeer's small frames. Env.Send takes ownership of
	// the bytes, so a frame is never reused; cutting frames from shared
	// blocks turns one allocation per message into one per block. A block
	// stays alive while any of its frames does: a follower's log window
	// keeps views of the PROPOSALs it received, and the PROPOSALs of one txn
	// to every follower share blocks, so the windows retain about what they
	// hold.
	frames wire.Slab
	// proposed holds, in zxid order, the txns this server proposed as
	// leader and has not applied yet, each with the very bytes it handed
	// to Zab: the commit of those bytes applies the prepped txn instead of
	// decoding them again (see takeProposed).
	proposed []proposedTxn
	// checkProposed, when set (tests), is called with each txn
	// takeProposed supplies and the bytes it stands for.
	checkProposed func(t txn.Txn, data []byte)
}

// proposedTxn is a txn a leader proposed and the bytes it proposed.
type proposedTxn struct {
	t    txn.Txn
	data []byte
}

// peerLink is one connection to another server. The dialing side (the
// higher id, as in QuorumCnxManager) first sends its id.
type peerLink struct {
	id     uint64
	conn   proc.ConnID
	framer *wire.Framer
	known  bool // the peer's id is known (inbound links learn it from the first frame)
	// announce: a dial to a higher id that only says who we are and where
	// (the peer closes it and dials back), as QuorumCnxManager's initial
	// message carries the address.
	announce bool
}

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

func (s *Server) replicated() bool { return s.ens != nil }

// startEnsemble recovers, builds the Zab peer and starts talking to peers.
func (s *Server) startEnsemble(rec *storage.Recovery) error {
	e := &ensemble{addrs: map[uint64]string{}, byConn: map[proc.ConnID]*peerLink{}, dialErr: map[uint64]string{},
		local: session.NewLocalTracker(), global: map[int64]int32{}, syncs: map[uint64]*request{},
		revalidating: map[uint64]*conn{}}
	for id, to := range s.ensGlobalSeed {
		e.global[id] = to
		e.local.AddGlobal(id, to)
	}
	zc := s.zabConfig(e, rec)
	e.peerIDs = sortedPeerIDs(e.addrs)
	e.links = make([]*peerLink, len(e.peerIDs))
	peer, err := zab.NewPeer(zc)
	if err != nil {
		return err
	}
	e.peer = peer
	if s.cfg.ReconfigEnabled {
		s.initConfigNode(peer.Config())
	}
	e.tickedAtNS = s.env.Mono()
	s.ens = e
	// A restart is, to the invariant checker, a truncation to what recovery
	// put in the tree: the log tail is re-delivered by Zab.
	s.env.Emit(zab.Truncated{Node: uint64(s.cfg.ID), ToZxid: s.tree.LastZxid()})
	e.quorumListen = e.myAddr
	if s.cfg.QuorumListenOnAllIPs {
		e.quorumListen = "0.0.0.0:" + portOf(e.myAddr)
	}
	if err := s.env.Listen(e.quorumListen); err != nil {
		return fmt.Errorf("listen %s: %w", e.quorumListen, err)
	}
	s.dialPeers()
	s.env.After(msToDuration(s.cfg.PeerTickMS), peerTickTag{})
	s.drain()
	s.dirtySnapshotAtLoad(rec)
	return nil
}

// dirtySnapshotAtLoad is zk-1549: ZooKeeper's loadData snapshots the
// database it loaded, which (log replayed) holds uncommitted txns; a later
// TRUNC cannot take them out of that snapshot.
func (s *Server) dirtySnapshotAtLoad(rec *storage.Recovery) {
	if !s.cfg.Bugs.Has(bugs.ZK1549) || s.failed != nil || s.tree.LastZxid() <= rec.SnapshotZxid {
		return
	}
	s.snapshotting = true
	s.storeErr(s.store.WriteSnapshot(s.tree.LastZxid(), s.tree.Serialize(s.ens.global)))
}

// snapshotSource gives the leader the tree to send in a SNAP.
type snapshotSource struct{ s *Server }

func (src snapshotSource) Snapshot() (zab.Snapshot, error) {
	s := src.s
	return zab.Snapshot{Zxid: s.tree.LastZxid(), Data: s.tree.Serialize(s.ens.global)}, nil
}

// dialPeers connects to every lower-id peer not linked yet.
func (s *Server) dialPeers() {
	for _, id := range s.ens.peerIDs {
		if id == uint64(s.cfg.ID) || s.ens.link(id) != nil || s.ens.dialing(id) || s.ens.addrs[id] == "" {
			continue
		}
		announce := id > uint64(s.cfg.ID) // only to tell it our address (reconfig.go)
		if announce && !s.cfg.ReconfigEnabled {
			continue
		}
		c := s.env.Dial(s.ens.addrs[id])
		l := &peerLink{id: id, conn: c, framer: &wire.Framer{MaxBuffer: maxPeerFrame}, announce: announce}
		s.ens.byConn[c] = l
	}
}

// link returns the established link to peer id, or nil.
func (e *ensemble) link(id uint64) *peerLink {
	for i, p := range e.peerIDs {
		if p == id {
			return e.links[i]
		}
	}
	return nil
}

// setLink records l (nil: none) as the link to peer id, a member.
func (e *ensemble) setLink(id uint64, l *peerLink) {
	for i, p := range e.peerIDs {
		if p == id {
			e.links[i] = l
			return
		}
	}
	panic(fmt.Sprintf("link to %d, not a member", id)) // callers check membership
}

func (e *ensemble) dialing(id uint64) bool {
	for _, l := range e.byConn {
		if l.id == id {
			return true
		}
	}
	return false
}

func sortedPeerIDs(m map[uint64]string) []uint64 {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// handlePeerEvent takes the accepts, connects and closes that belong to
// peer links (their bytes arrive through HandleReceived); it reports false
// for client connections. A connection is a peer's when the quorum
// listener accepted it, as ZooKeeper's QuorumCnxManager has a listener of
// its own: Accepted.Local names the listener exactly as this server passed
// it to Listen, whatever address it resolved to or the peer dialled. The
// peer then says who it is: its id is its first frame.
func (s *Server) handlePeerEvent(ev proc.Event) bool {
	e := s.ens
	switch x := ev.(type) {
	case proc.Accepted:
		if x.Local != e.quorumListen { // the listener's name, not an address to compare
			return false
		}
		e.byConn[x.Conn] = &peerLink{conn: x.Conn, framer: &wire.Framer{MaxBuffer: maxPeerFrame}}
	case proc.Connected:
		l := e.byConn[x.Conn]
		if l == nil {
			return false
		}
		l.known = true
		if e.dialErr[l.id] != "" {
			s.env.Logf("connected to peer %d at %s", l.id, e.addrs[l.id])
			delete(e.dialErr, l.id)
		}
		hello := binary.BigEndian.AppendUint64(nil, uint64(s.cfg.ID))
		if l.announce {
			s.env.Send(x.Conn, frameBytes(append(hello, e.myAddr...)))
			break
		}
		s.env.Send(x.Conn, frameBytes(hello))
		s.linkUp(l)
	case proc.Closed:
		l := e.byConn[x.Conn]
		if l == nil {
			return false
		}
		if !l.known && x.Err != nil && e.dialErr[l.id] != x.Err.Error() {
			// A dial that failed (refused, or a name that does not
			// resolve): said once per peer and cause, and retried every
			// peer tick, as QuorumCnxManager warns "Cannot open channel"
			// and retries.
			e.dialErr[l.id] = x.Err.Error()
			s.env.Logf("cannot open channel to peer %d at %s: %v (retrying)", l.id, e.addrs[l.id], x.Err)
		}
		s.linkDown(l)
	default:
		return false
	}
	s.drain()
	return true
}

func frameBytes(body []byte) []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	return append(out, body...)
}

func (s *Server) linkUp(l *peerLink) {
	if old := s.ens.link(l.id); old != nil && old != l {
		// A newer connection replaces an older one (the peer restarted).
		s.env.Close(old.conn)
		delete(s.ens.byConn, old.conn)
		s.ens.peer.PeerDisconnected(l.id)
	}
	s.ens.setLink(l.id, l)
}

func (s *Server) linkDown(l *peerLink) {
	delete(s.ens.byConn, l.conn)
	if l.known && s.ens.link(l.id) == l {
		s.ens.setLink(l.id, nil)
		s.ens.peer.PeerDisconnected(l.id)
	}
}

func (s *Server) peerBytes(l *peerLink, b []byte) {
	l.framer.PushOwned(b) // a Received chunk is ours: frame it without a copy
	for {
		frame, ok, err := l.framer.Next()
		if err != nil {
			s.env.Logf("peer link %d: %v", l.id, err)
			s.env.Close(l.conn)
			s.linkDown(l)
			return
		}
		if !ok {
			return
		}
		if !l.known {
			if len(frame) > 8 && s.cfg.ReconfigEnabled {
				s.peerAnnounced(l, frame)
				return
			}
			if len(frame) != 8 {
				// Not a server saying its id first: a client dialled
				// the quorum port, or something else did.
				s.env.Logf("dropping connection %d on the quorum port: its first frame (%d bytes) is not a server id", l.conn, len(frame))
				s.env.Close(l.conn)
				delete(s.ens.byConn, l.conn)
				return
			}
			l.id, l.known = binary.BigEndian.Uint64(frame), true
			if _, member := s.ens.addrs[l.id]; !member && s.cfg.ReconfigEnabled && l.id != 0 && l.id != uint64(s.cfg.ID) {
				s.ens.setMemberAddr(l.id, "") // a server about to join
			}
			if _, member := s.ens.addrs[l.id]; !member || l.id == uint64(s.cfg.ID) {
				s.env.Logf("dropping peer link from unknown server %d", l.id)
				s.env.Close(l.conn)
				delete(s.ens.byConn, l.conn)
				return
			}
			s.linkUp(l)
			continue
		}
		// Step keeps no reference to the message (only to its Data, a
		// view of frame), so every packet decodes into the same rx.
		m, err := zab.UnmarshalMessageInto(&s.ens.rx, frame, maxPeerFrame)
		if err != nil {
			s.env.Logf("peer %d sent a bad message: %v", l.id, err)
			s.env.Close(l.conn)
			s.linkDown(l)
			return
		}
		s.ens.peer.Step(l.id, m)
		s.drain()
	}
}

// peerTick advances Zab's clock, redials, forwards touches.
func (s *Server) peerTick() {
	e := s.ens
	s.zabTicks()
	s.dialPeers()
	if e.role.Serving && e.role.Role != zab.RoleLeading {
		if ts := e.local.Snapshot(); len(ts) > 0 {
			e.peer.QueueTouches(encodeTouches(ts))
		}
	}
	s.drain()
	s.env.After(msToDuration(s.cfg.PeerTickMS), peerTickTag{})
}

// zabTicks advances Zab's tick count by the peer ticks of monotonic time
// that passed since the last call (at least one): a server that was
// stopped hands Zab the whole stop at once (Peer.Elapse), so deadlines
// that passed meanwhile — syncLimit, initLimit, election timeouts — are
// overdue on resume, as on ZooKeeper, whose deadlines use elapsed time.
func (s *Server) zabTicks() {
	e := s.ens
	now := s.env.Mono()
	ticks := (now - e.tickedAtNS) / (s.cfg.PeerTickMS * 1e6)
	e.tickedAtNS = now
	e.peer.Elapse(uint64(max(ticks, 1)))
	s.drain()
}

// drain carries out the peer's Readys in the documented order.
func (s *Server) drain() {
	e := s.ens
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
		s.applyReady(&rd)
		// Every effect is carried out (messages encoded, entries written
		// and applied; a nested drain had its own Ready): the peer may
		// reuse rd's slices.
		e.peer.Release(&rd)
	}
}

func (s *Server) applyReady(rd *zab.Ready) {
	e := s.ens
	// A config activation that moves this server (a new leader, a new
	// role) changes its role after the commits: the reconfig's own client
	// gets its answer before the connections close.
	if rc := rd.RoleChange; rc != nil && rd.ActivateConfig == nil {
		s.roleChanged(*rc)
	}
	if snap := rd.InstallSnapshot; snap != nil && rd.SnapshotInMemory {
		s.loadSnapshot(*snap) // zk-3642: the disk is left as it was
	} else if snap != nil {
		s.installSnapshot(*snap)
	}
	if t := rd.Truncate; t != nil {
		s.truncate(*t, rd.RetainsState())
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
			t, err := s.committedTxn(en)
			if err != nil {
				s.fail(fmt.Errorf("committed txn %s: %w", zab.ZxidString(en.Zxid), err))
				return
			}
			s.applyEncoded(t, en.Data)
		}
	}
	if m := rd.ActivateConfig; m != nil {
		s.activateConfig(*m)
		if rc := rd.RoleChange; rc != nil {
			s.roleChanged(*rc)
		}
	}
	for _, env := range rd.Messages {
		s.sendPeer(env)
	}
	s.emitMoments(rd)
	for _, r := range rd.Requests {
		s.leaderRequest(r)
	}
	for _, t := range rd.Touches {
		s.leaderTouches(t.Data)
	}
	for _, id := range rd.SyncDone {
		if c := e.revalidating[id]; c != nil {
			delete(e.revalidating, id)
			s.finishRevalidation(c)
			continue
		}
		if r := e.syncs[id]; r != nil {
			delete(e.syncs, id)
			// reply with the response encoded in place: boxing a
			// SyncResponse for reply costs an allocation per sync.
			resp := wire.SyncResponse{Path: r.body.(*wire.SyncRequest).Path}
			resp.Encode(s.beginReply(r, wire.ErrOK))
			s.endReply(r)
			if !r.conn.closing {
				s.advance(r.conn)
			}
		}
	}
}

// emitMoments reports the protocol moments a carried-out Ready reached
// (see Moment), each at most once, in Moments() order.
func (s *Server) emitMoments(rd *zab.Ready) {
	var reached [momentCount]bool
	reached[momentSnapReceived] = rd.InstallSnapshot != nil
	reached[momentTruncated] = rd.Truncate != nil
	reached[momentEpochWritten] = rd.WriteAcceptedEpoch != nil || rd.WriteCurrentEpoch != nil
	syncing := s.ens.role.Role != zab.RoleLeading && !s.ens.role.Serving
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
			s.emitMoment(momentIndex(i))
		}
	}
}

func (s *Server) storeErr(err error) {
	if err != nil {
		s.fail(err)
	}
}

func (s *Server) sendPeer(env zab.Envelope) {
	l := s.ens.link(env.To)
	if l == nil {
		return // no link: Zab's own timeouts and resends cover it
	}
	// Encode straight into the frame (MessageSize is exact: no append
	// outgrows it).
	size := zab.MessageSize(env.Msg)
	b, err := zab.AppendMessage(s.ens.frames.Buf(4 + size)[:4], env.Msg)
	if err != nil {
		s.fail(err)
		return
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	s.env.Send(l.conn, b)
}

// roleChanged starts or stops serving clients.
func (s *Server) roleChanged(rc zab.RoleState) {
	e := s.ens
	was := e.role
	e.role = rc
	// Commits after a role change are decoded (takeProposed would only
	// match this leader's own proposals anyway): let the txns go.
	clear(e.proposed)
	e.proposed = e.proposed[:0]
	s.env.Emit(RoleChanged{Node: s.env.Name(), Role: roleName(rc.Role), Leader: rc.Leader, Epoch: rc.Epoch, Serving: rc.Serving})
	if was.Serving && (!rc.Serving || was.Role != rc.Role || was.Epoch != rc.Epoch) {
		// ZooKeeper shuts its ZooKeeperServer down on losing its role:
		// clients reconnect elsewhere.
		for _, id := range sortedConnIDs(s.conns) {
			s.closeConn(s.conns[id])
		}
		s.pending = map[writeKey]*request{}
		s.pendingSessions = map[int64]*conn{}
		e.syncs = map[uint64]*request{}
		e.revalidating = map[uint64]*conn{}
		s.changes = changeLog{}
	}
	if rc.Serving && rc.Role == zab.RoleLeading && !(was.Serving && was.Role == zab.RoleLeading && was.Epoch == rc.Epoch) {
		s.resetLeaderSessions()
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

// resetLeaderSessions gives a new leader a tracker holding every global
// session with a fresh expiry, as a new leader's SessionTrackerImpl does.
func (s *Server) resetLeaderSessions() {
	if err := s.restoreSessions(s.ens.global); err != nil {
		s.fail(err)
	}
}

func (s *Server) installSnapshot(snap zab.Snapshot) {
	if !s.loadSnapshot(snap) {
		return
	}
	s.storeErr(s.store.TruncateAfter(-1))
	s.storeErr(s.store.WriteSnapshot(snap.Zxid, snap.Data))
	s.ens.snapshotAt, s.ens.snapshotPending = snap.Zxid, true
	s.resetSyncTarget() // the running fsync covered a log that is gone
	s.storeErr(s.store.Sync())
}

// loadSnapshot replaces the tree with a snapshot from the leader; it
// reports false (the server failed) if the bytes do not decode.
func (s *Server) loadSnapshot(snap zab.Snapshot) bool {
	t, timeouts, err := tree.Deserialize(snap.Data)
	if err != nil {
		s.fail(fmt.Errorf("snapshot from leader: %w", err))
		return false
	}
	t.SetStaleReplay(s.cfg.Bugs.Has(bugs.ZK1046))
	t.SetProviders(s.providers())
	s.tree, s.ens.global = t, timeouts
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
	s.ens.local = local
	if err := s.restoreSessions(timeouts); err != nil {
		s.fail(err)
		return false
	}
	for _, c := range s.conns {
		s.tree.RemoveWatcher(c.watcher) // watches belonged to the old tree
	}
	if s.cfg.ReconfigEnabled {
		s.initConfigNode(s.ens.peer.Config())
	}
	return true
}

// truncate is TRUNC: the log loses its tail. The tree holds only committed
// txns, so it is never ahead of a correct TRUNC; only zk-2845/zk-1549
// (retain) keep a tree that went past the cut, which is their defect.
func (s *Server) truncate(z int64, retain bool) {
	s.storeErr(s.store.TruncateAfter(z))
	s.resetSyncTarget()
	s.storeErr(s.store.Sync()) // make the cut durable (Completion.TruncateDone)
	if s.tree.LastZxid() > z && !retain {
		s.fail(fmt.Errorf("TRUNC to %s below the applied zxid %s", zab.ZxidString(z), zab.ZxidString(s.tree.LastZxid())))
	}
}

// ensembleSyncDone reports durability to the peer.
func (s *Server) ensembleSyncDone(comp storage.Completion) {
	e := s.ens
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
	s.drain()
}

// proposeZab hands a prepped txn to Zab (leader only).
func (s *Server) proposeZab(t txn.Txn) {
	data := t.Marshal()
	z, err := s.ens.peer.Propose(data)
	if err != nil {
		s.env.Logf("propose %s: %v", zab.ZxidString(t.Header.Zxid), err)
		return
	}
	if z != t.Header.Zxid {
		s.fail(fmt.Errorf("zab assigned %s to a txn prepped as %s", zab.ZxidString(z), zab.ZxidString(t.Header.Zxid)))
		return
	}
	s.ens.proposed = append(s.ens.proposed, proposedTxn{t: t, data: data})
}

// committedTxn is the txn a committed (or replayed) entry holds.
func (s *Server) committedTxn(en zab.Entry) (txn.Txn, error) {
	if t, ok := s.ens.takeProposed(en); ok {
		if f := s.ens.checkProposed; f != nil {
			f(t, en.Data)
		}
		return t, nil
	}
	return txn.UnmarshalInterned(en.Data, s.tree) // entries are immutable
}

// takeProposed returns the txn this leader prepped for en, if en's bytes
// are the very ones proposeZab marshalled from it. The txn encoding is
// canonical (txn.Unmarshal of t.Marshal() is t: TestLeaderAppliesPreppedTxn
// checks every txn of a run), the bytes are never modified after the
// proposal, and nothing modifies a prepped txn (the standalone pipeline
// applies its prepped txns too), so applying t is applying the decoded
// entry, without the decoding. Anything else (a commit from an earlier
// leader, a follower's) is decoded as before.
func (e *ensemble) takeProposed(en zab.Entry) (txn.Txn, bool) {
	n := 0 // older proposals were applied (decoded) already, or never will be: drop them
	for n < len(e.proposed) && e.proposed[n].t.Header.Zxid < en.Zxid {
		n++
	}
	ok := false
	var t txn.Txn
	if n < len(e.proposed) {
		p := e.proposed[n]
		if p.t.Header.Zxid == en.Zxid && len(p.data) > 0 && len(p.data) == len(en.Data) && &p.data[0] == &en.Data[0] {
			t, ok = p.t, true
			n++
		}
	}
	if n > 0 {
		// Shift the rest to the front: the queue keeps reusing one array.
		rest := copy(e.proposed, e.proposed[n:])
		clear(e.proposed[rest:])
		e.proposed = e.proposed[:rest]
	}
	return t, ok
}

func encodeTouches(ts []session.Touch) []byte {
	enc := wire.NewEncoder(make([]byte, 0, 4+12*len(ts))) // one allocation
	enc.VectorLen(len(ts), false)
	for _, t := range ts {
		enc.Int64(t.ID)
		enc.Int32(t.TimeoutMS)
	}
	return enc.Bytes()
}

func (s *Server) leaderTouches(data []byte) {
	if s.ens.role.Role != zab.RoleLeading {
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

// ensembleSessionApplied keeps every server's view of global sessions.
func (s *Server) ensembleSessionApplied(t txn.Txn) {
	if s.ens == nil {
		return
	}
	switch r := t.Record.(type) {
	case *txn.CreateSession:
		s.ens.global[t.Header.ClientID] = r.TimeoutMS
		s.ens.local.AddGlobal(t.Header.ClientID, r.TimeoutMS)
		s.trackRestored(s.sessions, t.Header.ClientID, r.TimeoutMS)
	case *txn.CloseSession:
		delete(s.ens.global, t.Header.ClientID)
		s.ens.local.RemoveGlobal(t.Header.ClientID)
	}
}

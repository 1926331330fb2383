package zab

import (
	"cmp"
	"errors"
	"slices"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/wire"
)

// Errors returned by Peer methods.
var (
	ErrNotLeader     = errors.New("zab: not the established leader")
	ErrNotServing    = errors.New("zab: not serving (looking or still synchronizing)")
	ErrZxidExhausted = errors.New("zab: zxid counter exhausted; forcing a new election")
)

// Peer is one Zab participant (or observer) as a pure state machine. It does
// no I/O: the host feeds it ticks, messages and storage completions, and
// carries out the effects it returns in Ready. A Peer is not safe for
// concurrent use, and the host must call no other method between Ready and
// Advance.
type Peer struct {
	cfg  Config
	id   uint64
	cur  Membership  // the active config (quorumVerifier)
	next *Membership // a logged, uncommitted reconfig's config (lastSeenQuorumVerifier)
	tick uint64

	// Epochs: requested (written in Ready) and durable (EpochPersisted).
	acceptedEpoch, currentEpoch     uint32
	acceptedDurable, currentDurable uint32

	log        []Entry // window: committed entries kept for DIFF + every uncommitted one
	windowBase int64   // the window holds every txn in (windowBase, lastLogged]
	lastLogged int64   // last zxid handed to the host for logging (or snapshot zxid)
	// replayed are the uncommitted log txns zk-2845/zk-1549 applied at
	// load and no leader has confirmed or cut yet.
	replayed []Entry
	// brokenMidProposal is the zxid a follower would have read next when
	// its leader's stream broke (only zk-2355 uses it).
	brokenMidProposal int64
	persisted         int64 // the host's log is durable up to here
	snapPending       bool  // a SNAP was installed and is not durable yet
	snapZxid          int64 // the zxid of that SNAP
	lastCommitted     int64 // last zxid delivered in Ready.Commit (or the initial state)

	status RoleState
	roleAt uint64 // tick the current role began
	el     election
	ld     *leaderState
	ln     *learnerState

	out         Ready
	statusDirty bool
	// spare holds slices of Readys the host handed back (Release), empty,
	// for the next Ready to reuse; packets is the unused rest of the
	// current Packet chunk (see packet). payloads supplies the small
	// payloads Zab builds itself (a PING round, a PING reply, a sync id):
	// each is written once before it goes into a message and never after,
	// so a receiver may keep it.
	spare    Ready
	packets  []Packet
	payloads wire.Slab
}

// NewPeer builds a peer from its configuration and durable state. It starts
// LOOKING and has already queued its first election notifications.
func NewPeer(cfg Config) (*Peer, error) {
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Peer{cfg: cfg, id: cfg.ID}
	p.cur = Membership{Version: cfg.ConfigVersion, Voters: sortedCopy(cfg.Voters),
		Observers: sortedCopy(cfg.Observers), Text: cfg.ConfigText}
	p.restore(&cfg.Initial)
	p.becomeLooking()
	return p, nil
}

func sortedCopy(ids []uint64) []uint64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func (p *Peer) restore(s *InitialState) {
	p.acceptedEpoch, p.acceptedDurable = s.AcceptedEpoch, s.AcceptedEpoch
	p.currentEpoch, p.currentDurable = s.CurrentEpoch, s.CurrentEpoch
	// Like ZooKeeper's committedLog after loadDataBase, the window starts
	// after the snapshot: older log txns may have holes (a follower applies
	// and snapshots txns before its own fsync, so a crash can keep the
	// snapshot and lose them from the log).
	p.log = slices.Clone(s.Log[len(s.Log)-len(entriesAfter(s.Log, s.LastCommittedZxid)):])
	p.lastCommitted = s.LastCommittedZxid
	p.windowBase = s.LastCommittedZxid
	p.lastLogged = s.LastCommittedZxid
	if n := len(p.log); n > 0 && p.log[n-1].Zxid > p.lastLogged {
		p.lastLogged = p.log[n-1].Zxid
	}
	p.persisted = p.lastLogged
	// A crash after a learner logged a new leader's history but before it
	// wrote currentEpoch leaves a log ahead of the epoch file (ZOOKEEPER-1653).
	// ZooKeeper 3.8 repairs the file from the log's epoch; so do we.
	if e := EpochOf(p.lastLogged); e > p.currentEpoch {
		p.currentEpoch = e
		p.out.WriteCurrentEpoch = ptr(e)
		if e > p.acceptedEpoch {
			p.acceptedEpoch = e
			p.out.WriteAcceptedEpoch = ptr(e)
		}
	}
	if p.cfg.Configs != nil {
		for _, e := range p.log {
			if e.Zxid > p.lastCommitted {
				p.seeEntry(e)
			}
		}
	}
	p.replayLog()
	p.trimLog()
}

// replayLog is zk-2845 and zk-1549: the state machine takes the whole log
// at load, as ZooKeeper's loadDataBase replays it, uncommitted tail
// included. (zabsim keeps the tail out until a leader's history covers it.)
func (p *Peer) replayLog() {
	if !p.cfg.Bugs.Has(bugs.ZK2845) && !p.cfg.Bugs.Has(bugs.ZK1549) {
		return
	}
	p.replayed = slices.Clone(p.entriesAfter(p.lastCommitted))
	p.out.Replay = append(p.out.Replay, p.replayed...)
	p.lastCommitted = p.lastLogged
}

// settleReplayed tells the invariant checker that the replayed txns still
// in the log are covered by the established leader's history.
func (p *Peer) settleReplayed() {
	p.out.Settled = append(p.out.Settled, p.replayed...)
	p.replayed = nil
}

func ptr[T any](v T) *T { return &v }

// ID returns the peer's server id.
func (p *Peer) ID() uint64 { return p.id }

// Status returns the current role, leader, epoch and serving flag.
func (p *Peer) Status() RoleState { return p.status }

// LastLoggedZxid is the last zxid handed to the host for logging.
func (p *Peer) LastLoggedZxid() int64 { return p.lastLogged }

// LastCommittedZxid is the last zxid delivered through Ready.Commit.
func (p *Peer) LastCommittedZxid() int64 { return p.lastCommitted }

// Epochs returns the accepted and current epochs the peer has asked for
// (which may not be durable yet).
func (p *Peer) Epochs() (accepted, current uint32) { return p.acceptedEpoch, p.currentEpoch }

func (p *Peer) isVoter(id uint64) bool { return p.cur.IsVoter(id) }

func (p *Peer) isObserver(id uint64) bool { return p.cur.IsObserver(id) }

// Tick advances the peer's clock by one tick.
func (p *Peer) Tick() { p.Elapse(1) }

// Elapse advances the peer's clock by ticks at once and then does one
// tick's work: the host was stopped (SIGSTOP, a long pause) and reports the
// whole stop on waking, so every deadline that passed meanwhile is overdue
// now — a leader whose learners went silent steps down, a learner whose
// leader went silent looks for another — instead of after another
// syncLimit of ticks. Periodic sends (PINGs, resent notifications) are not
// made up: one is sent if due. Elapse(0) does nothing.
func (p *Peer) Elapse(ticks uint64) {
	if ticks == 0 {
		return
	}
	p.tick += ticks
	switch p.status.Role {
	case RoleLooking:
		p.tickLooking()
	case RoleLeading:
		p.tickLeader()
	default:
		p.tickLearner()
	}
}

// Step hands the peer a message that arrived from peer from. Malformed
// payloads are dropped, and without dynamic reconfiguration so are messages
// from servers outside the config (with it, a server about to join talks
// to the ensemble first: it learns the leader and syncs as a non-voter). The peer keeps no
// reference to m once Step returns (it may keep m's Data), so a host may
// decode the next message into the same Packet.
func (p *Peer) Step(from uint64, m Message) {
	if from == p.id || from == 0 || (p.cfg.Configs == nil && !p.isVoter(from) && !p.isObserver(from)) {
		return
	}
	switch m := m.(type) {
	case *Notification:
		p.stepNotification(from, m)
	case *Packet:
		p.stepPacket(from, m)
	}
}

func (p *Peer) stepPacket(from uint64, m *Packet) {
	switch p.status.Role {
	case RoleLeading:
		p.stepLeader(from, m)
	case RoleFollowing, RoleObserving:
		p.stepLearner(from, m)
	}
}

// PeerDisconnected reports that the connection to or from peer id broke.
// Zab assumes FIFO channels that lose messages only by breaking, so a host
// that drops a quorum message must report the link broken.
func (p *Peer) PeerDisconnected(id uint64) {
	switch p.status.Role {
	case RoleLeading:
		p.dropLearner(id)
	case RoleFollowing, RoleObserving:
		if id == p.status.Leader {
			if p.status.Role == RoleFollowing && p.ln != nil && p.ln.stage == lsActive {
				// What zk-2355 mistakes for a received proposal: the next
				// zxid of the leader's stream.
				p.brokenMidProposal = MakeZxid(EpochOf(p.lastLogged), CounterOf(p.lastLogged)+1)
			}
			p.becomeLooking()
		}
	}
}

// Propose assigns the next zxid to a txn from the leader's prep stage and
// broadcasts it. Only the established leader accepts proposals.
func (p *Peer) Propose(data []byte) (int64, error) {
	if p.status.Role != RoleLeading || !p.status.Serving {
		return 0, ErrNotLeader
	}
	return p.propose(data)
}

// Forward sends a client write to the leader (ZooKeeper's REQUEST). On the
// leader itself it surfaces in Ready.Requests like a forwarded one.
func (p *Peer) Forward(data []byte) error {
	if !p.status.Serving {
		return ErrNotServing
	}
	if p.status.Role == RoleLeading {
		p.out.Requests = append(p.out.Requests, Request{From: p.id, Data: data})
		return nil
	}
	p.send(p.status.Leader, p.packet(PacketRequest, 0, data))
	return nil
}

// Sync starts a linearizable sync: Ready.SyncDone carries id once every txn
// committed before the call has been delivered here and the leader has
// confirmed it still leads a quorum (with sync-no-quorum, ZooKeeper's weaker
// rule: only the first part). Pending syncs are dropped on a role change.
func (p *Peer) Sync(id uint64) error {
	if !p.status.Serving {
		return ErrNotServing
	}
	if p.status.Role == RoleLeading {
		p.leaderSync(p.id, id)
		return nil
	}
	p.send(p.status.Leader, p.packet(PacketSync, 0, appendInt64(p.payloads.Buf(8), int64(id))))
	return nil
}

// QueueTouches queues session touches for the next PING reply to the leader.
func (p *Peer) QueueTouches(data []byte) {
	if p.ln != nil && len(data) > 0 {
		p.ln.touches = append(p.ln.touches, data)
	}
}

// Persisted reports that the host's log is durable up to zxid (fsync done).
func (p *Peer) Persisted(zxid int64) {
	if zxid > p.lastLogged {
		zxid = p.lastLogged
	}
	if zxid <= p.persisted {
		return
	}
	p.persisted = zxid
	p.afterDurable()
}

// EpochPersisted reports that the acceptedEpoch and currentEpoch files are
// durable with the given values.
func (p *Peer) EpochPersisted(accepted, current uint32) {
	p.acceptedDurable = max(p.acceptedDurable, min(accepted, p.acceptedEpoch))
	p.currentDurable = max(p.currentDurable, min(current, p.currentEpoch))
	p.afterDurable()
}

// SnapshotPersisted reports that the snapshot from Ready.InstallSnapshot is
// durable (and the log it replaced is gone).
func (p *Peer) SnapshotPersisted(zxid int64) {
	if p.snapPending && zxid >= p.snapZxid {
		p.snapPending = false
		p.afterDurable()
	}
}

func (p *Peer) afterDurable() {
	switch p.status.Role {
	case RoleLeading:
		p.leaderDurable()
	case RoleFollowing, RoleObserving:
		p.learnerDurable()
	}
}

// durableZxid is how far the peer may claim durability in ACKs.
func (p *Peer) durableZxid() int64 {
	if p.cfg.Bugs.Has(bugs.AckBeforeFsync) {
		return p.lastLogged
	}
	if p.snapPending {
		return -1
	}
	return p.persisted
}

// --- log window ---

func (p *Peer) appendEntry(e Entry) {
	if e.Zxid <= p.lastLogged {
		p.failf("append of %#x after %#x", e.Zxid, p.lastLogged)
	}
	p.log = append(p.log, e)
	p.lastLogged = e.Zxid
	p.out.Append = append(p.out.Append, e)
	if p.cfg.Configs != nil {
		p.seeEntry(e)
	}
}

// entriesAfter returns the held entries with zxid > z.
func (p *Peer) entriesAfter(z int64) []Entry {
	return entriesAfter(p.log, z)
}

func entriesAfter(log []Entry, z int64) []Entry {
	// Every ACK, COMMIT and fsync completion asks, nearly always for the
	// txns after the last committed or acked one: the answer is at the end
	// of the window. So look at the last few entries first, then binary
	// search the rest (by hand: the generic search with a comparison
	// closure showed in profiles).
	n := len(log)
	stop := max(n-entriesAfterScan, 0)
	for i := n - 1; i >= stop; i-- {
		if log[i].Zxid <= z {
			return log[i+1:]
		}
	}
	if stop == 0 {
		return log
	}
	lo, hi := 0, stop // log[hi].Zxid > z
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if log[m].Zxid > z {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return log[lo:]
}

// entriesAfterScan is how many entries entriesAfter checks from the end
// before it searches.
const entriesAfterScan = 8

func (p *Peer) hasEntry(z int64) bool {
	_, ok := slices.BinarySearchFunc(p.log, z, func(e Entry, t int64) int { return cmp.Compare(e.Zxid, t) })
	return ok
}

// truncateLog drops entries after z and tells the host to do the same.
func (p *Peer) truncateLog(z int64) {
	p.retainApplied(z)
	p.dropNextAfter(z)
	p.log = slices.Clone(p.log[:len(p.log)-len(p.entriesAfter(z))])
	p.windowBase = min(p.windowBase, z)
	p.lastLogged = z
	if n := len(p.log); n > 0 {
		p.lastLogged = p.log[n-1].Zxid
	}
	p.persisted = min(p.persisted, p.lastLogged)
	p.lastCommitted = min(p.lastCommitted, p.lastLogged)
	p.out.Append = slices.DeleteFunc(p.out.Append, func(e Entry) bool { return e.Zxid > z })
	t := z
	if p.out.Truncate != nil {
		t = min(t, *p.out.Truncate)
	}
	p.out.Truncate = &t
}

// retainApplied is the other half of zk-2845/zk-1549: a TRUNC to z cuts
// txns the state machine already applied (replayLog), and it keeps them:
// ZOOKEEPER-2845's fix makes ZKDatabase.truncateLog reload the database;
// with zk-1549 the reload finds the dirty snapshot taken at load.
func (p *Peer) retainApplied(z int64) {
	if !p.cfg.Bugs.Has(bugs.ZK2845) && !p.cfg.Bugs.Has(bugs.ZK1549) {
		return
	}
	if len(entriesAfter(p.replayed, z)) > 0 {
		// The state machine keeps every replayed txn, below the cut and
		// beyond it: report them all, in zxid order, as the node's state.
		p.settleReplayed()
	}
}

// installSnapshot replaces the log and state machine with s.
func (p *Peer) installSnapshot(s Snapshot) {
	p.dropNextAfter(-1)
	p.log, p.windowBase = nil, s.Zxid
	p.lastLogged, p.lastCommitted, p.persisted = s.Zxid, s.Zxid, s.Zxid
	p.snapPending, p.snapZxid = true, s.Zxid
	p.out.Append, p.out.Truncate, p.out.Commit = nil, nil, nil
	p.out.InstallSnapshot = &s
	p.out.SnapshotInMemory, p.out.Settled, p.out.Replay, p.replayed = false, nil, nil, nil
}

// loadSnapshotInMemory is zk-3642: Learner.syncWithLeader before the fix
// deserialized a SNAP into memory, set lastProcessedZxid to its zxid and
// wrote it to disk only at NEWLEADER. The peer believes it holds the
// snapshot (it will claim its zxid in the next ACKEPOCH), but nothing of it
// is durable until persistMemorySnapshot runs.
func (p *Peer) loadSnapshotInMemory(s Snapshot) {
	p.dropNextAfter(-1)
	p.log, p.windowBase = nil, s.Zxid
	p.lastLogged, p.lastCommitted, p.persisted = s.Zxid, s.Zxid, s.Zxid
	p.snapPending = false
	p.out.Append, p.out.Truncate, p.out.Commit = nil, nil, nil
	p.out.InstallSnapshot = &s
	p.out.SnapshotInMemory, p.out.Settled, p.out.Replay, p.replayed = true, nil, nil, nil
}

// persistMemorySnapshot is the pre-fix takeSnapshot at NEWLEADER: write the
// snapshot held in memory, then the txns received after it again (the host
// discards the log it replaces).
func (p *Peer) persistMemorySnapshot(s Snapshot) {
	p.snapPending, p.snapZxid = true, s.Zxid
	p.persisted = s.Zxid
	p.out.Truncate, p.out.Commit = nil, nil
	p.out.InstallSnapshot = &s
	p.out.SnapshotInMemory = false
	p.out.Append = slices.Clone(p.log)
}

// commitThrough delivers every held entry up to z in zxid order.
func (p *Peer) commitThrough(z int64) {
	if z <= p.lastCommitted {
		return
	}
	for _, e := range p.entriesAfter(p.lastCommitted) {
		if e.Zxid > z {
			break
		}
		p.out.Commit = append(p.out.Commit, e)
		p.lastCommitted = e.Zxid
		if p.next != nil && e.Zxid == p.next.Version {
			p.activate(*p.next)
		}
	}
	p.trimLog()
}

// trimLog keeps at most CommittedLogEntries committed entries.
func (p *Peer) trimLog() {
	committed := len(p.log) - len(p.entriesAfter(p.lastCommitted))
	if extra := committed - p.cfg.CommittedLogEntries; extra > 0 {
		// Reslicing is amortized O(1): append reallocates from here on
		// and the dropped prefix is then freed.
		p.windowBase = p.log[extra-1].Zxid
		p.log = p.log[extra:]
	}
}

// --- effects ---

func (p *Peer) send(to uint64, m Message) {
	p.out.Messages = append(p.out.Messages, Envelope{To: to, Msg: m})
}

// packetChunk is how many Packets packet allocates at once.
const packetChunk = 64

// packet returns a new Packet. Packets are carved from chunks to save one
// allocation per message (a quorum sends several per txn). Nothing is ever
// reused: a Packet is never written after packet returns it, so a host may
// keep a message as long as it likes (it then keeps its chunk alive).
func (p *Peer) packet(t PacketType, zxid int64, data []byte) *Packet {
	if len(p.packets) == 0 {
		p.packets = make([]Packet, packetChunk)
	}
	m := &p.packets[0]
	p.packets = p.packets[1:]
	*m = Packet{Type: t, Zxid: zxid, Data: data}
	return m
}

func (p *Peer) setStatus(s RoleState) {
	if s != p.status {
		p.status = s
		p.statusDirty = true
	}
}

package zab

import (
	"cmp"
	"slices"

	"github.com/zabsim/zabsim/server/bugs"
)

// The leader side: discovery (Leader.getEpochToPropose, waitForEpochAck),
// synchronization (LearnerHandler.syncFollower, waitForNewLeaderAck) and
// broadcast (propose, processAck, tryToCommit), plus PING and the quorum
// check of Leader.lead.

type handlerStage uint8

const (
	stageInfo           handlerStage = iota // FOLLOWERINFO/OBSERVERINFO received
	stageAckedEpoch                         // ACKEPOCH received
	stageSyncing                            // sync packets and NEWLEADER sent; forwarding
	stageAckedNewLeader                     // NEWLEADER acked
	stageActive                             // UPTODATE sent
)

// learner is the leader's view of one learner (a LearnerHandler).
type learner struct {
	id            uint64
	observer      bool
	stage         handlerStage
	acceptedEpoch uint32
	currentEpoch  uint32
	epochVote     bool // its ACKEPOCH counts toward the discovery quorum
	lastZxid      int64
	deadline      uint64 // tickOfNextAckDeadline
	round         int64  // highest PING round echoed
	acked         int64  // highest proposal zxid ACKed
	// voteCur and voteNext: it is a follower that votes in the active
	// config, in the pending one (setVotes keeps them current).
	// inNext: it votes in the pending config, whatever it connected as.
	voteCur, voteNext, inNext bool
	// newLeaderDue: zk-3642 only. NEWLEADER goes out on the next tick
	// after a SNAP, as ZooKeeper's LearnerHandler queues it behind the
	// snapshot stream; a leader crash in between is the defect's window.
	newLeaderDue bool
}

type pendingSync struct {
	from  uint64
	id    uint64
	after int64 // every zxid up to here must be committed first
	round int64 // a quorum must have echoed this PING round
}

type leaderState struct {
	learners map[uint64]*learner
	// sorted caches the learners in id order (sortedLearners). It is nil
	// when stale: every change to learners goes through setLearner or
	// deleteLearner, which drop it. A rebuild allocates a new slice, so a
	// caller still ranging over an older one (while it deletes learners)
	// keeps the snapshot it started with, as before the cache.
	sorted      []*learner
	newEpoch    uint32 // 0 until a quorum connected
	infoSent    bool   // LEADERINFO went out (acceptedEpoch durable)
	epochAcked  bool   // a quorum sent ACKEPOCH (electionFinished)
	established bool   // a quorum acked NEWLEADER
	historyEnd  int64  // our log end when elected: the new epoch's initial history
	nextZxid    int64
	round       int64 // PING round
	syncs       []pendingSync
}

func (p *Peer) becomeLeader() {
	p.ln = nil
	p.ld = &leaderState{learners: map[uint64]*learner{}, historyEnd: p.lastLogged}
	p.setStatus(RoleState{Role: RoleLeading, Leader: p.id})
	p.maybeProposeEpoch()
}

// sortedLearners returns the learners in id order (map order must not
// leak). The slice is cached until the set of learners changes; callers
// must not modify it.
func (p *Peer) sortedLearners() []*learner {
	ld := p.ld
	if ld.sorted == nil {
		out := make([]*learner, 0, len(ld.learners))
		for _, l := range ld.learners {
			out = append(out, l)
		}
		slices.SortFunc(out, func(a, b *learner) int { return cmp.Compare(a.id, b.id) })
		ld.sorted = out
	}
	return ld.sorted
}

// setLearner registers (or replaces) the handler of learner l.id.
func (p *Peer) setLearner(l *learner) {
	p.ld.learners[l.id] = l
	p.ld.sorted = nil
}

// deleteLearner drops the handler of learner id.
func (p *Peer) deleteLearner(id uint64) {
	delete(p.ld.learners, id)
	p.ld.sorted = nil
}

func (p *Peer) stepLeader(from uint64, m *Packet) {
	if m.Type == PacketFollowerInfo || m.Type == PacketObserverInfo {
		p.onLearnerInfo(from, m)
		return
	}
	l := p.ld.learners[from]
	if l == nil {
		return
	}
	if l.stage >= stageSyncing {
		l.deadline = p.tick + uint64(p.cfg.SyncLimitTicks)
	}
	switch m.Type {
	case PacketAckEpoch:
		p.onAckEpoch(l, m)
	case PacketAck:
		p.onAck(l, m)
	case PacketPing:
		p.onPingReply(l, m)
	case PacketRequest:
		if l.stage == stageActive {
			p.out.Requests = append(p.out.Requests, Request{From: from, Data: m.Data})
		}
	case PacketSync:
		if id, err := decodeInt64(m.Data); err == nil && l.stage == stageActive {
			p.leaderSync(from, uint64(id))
		}
	}
}

func (p *Peer) onLearnerInfo(from uint64, m *Packet) {
	observer := m.Type == PacketObserverInfo
	if observer && p.isVoter(from) || !observer && p.isObserver(from) && (p.next == nil || !p.next.IsVoter(from)) {
		return // a voter claiming to observe, or the reverse: refuse
	}
	if p.cfg.Configs == nil && observer != p.isObserver(from) {
		return
	}
	if old := p.ld.learners[from]; old != nil && old.stage == stageInfo {
		return // a retry of the registration we are already handling
	}
	l := &learner{id: from, observer: observer, acceptedEpoch: EpochOf(m.Zxid)}
	if p.ld.newEpoch != 0 && l.acceptedEpoch > p.ld.newEpoch {
		// It promised a later epoch and will refuse ours forever (ZooKeeper
		// loops: "Leaders epoch is less than accepted epoch"). Re-elect, so
		// the next epoch is above its promise. A zabsim deviation for liveness.
		p.becomeLooking()
		return
	}
	l.deadline = p.tick + uint64(p.cfg.InitLimitTicks+p.cfg.SyncLimitTicks)
	p.setVotes(l)
	p.setLearner(l)
	if p.ld.newEpoch == 0 {
		p.maybeProposeEpoch()
	} else if p.ld.infoSent {
		p.sendLeaderInfo(l)
	}
}

// maybeProposeEpoch is getEpochToPropose: once a quorum of voters connected,
// the new epoch is one past the largest acceptedEpoch among them.
func (p *Peer) maybeProposeEpoch() {
	if !p.quorumCur(true, func(*learner) bool { return true }) {
		return
	}
	epoch := p.acceptedEpoch
	for _, l := range p.ld.learners {
		if !l.observer {
			epoch = max(epoch, l.acceptedEpoch)
		}
	}
	if epoch == MaxCounter {
		p.becomeLooking() // epochs exhausted; nothing sane to do
		return
	}
	p.ld.newEpoch = epoch + 1
	p.acceptedEpoch = p.ld.newEpoch
	p.out.WriteAcceptedEpoch = ptr(p.acceptedEpoch)
}

func (p *Peer) sendLeaderInfo(l *learner) {
	p.send(l.id, p.packet(PacketLeaderInfo, MakeZxid(p.ld.newEpoch, 0), encodeInt32(learnerProtocolVersion)))
}

// leaderDurable moves discovery and broadcast forward after a storage
// completion.
func (p *Peer) leaderDurable() {
	ld := p.ld
	if ld.newEpoch != 0 && !ld.infoSent && p.acceptedDurable >= ld.newEpoch {
		ld.infoSent = true
		for _, l := range p.sortedLearners() {
			p.sendLeaderInfo(l)
		}
		p.maybeFinishEpoch()
	}
	if ld.epochAcked && !ld.established {
		p.maybeWriteLeaderEpoch()
		p.maybeEstablish()
	}
	if ld.established && p.ld == ld { // (a reconfig may have made us step down)
		p.tryCommit()
	}
}

func (p *Peer) onAckEpoch(l *learner, m *Packet) {
	cur, err := decodeInt32(m.Data)
	if err != nil || l.stage != stageInfo || !p.ld.infoSent {
		return
	}
	l.lastZxid = m.Zxid
	// -1: the learner had already accepted this epoch from someone else,
	// so its ack cannot count toward our quorum.
	l.epochVote = cur != -1 && !l.observer
	if l.epochVote {
		l.currentEpoch = uint32(cur)
		ahead := l.currentEpoch > p.currentEpoch || (l.currentEpoch == p.currentEpoch && l.lastZxid > p.lastLogged)
		if ahead && !p.ld.epochAcked {
			// waitForEpochAck: "Follower is ahead of the leader". ZooKeeper
			// drops that handler; the learner times out and re-elects.
			p.deleteLearner(l.id)
			return
		}
	}
	l.stage = stageAckedEpoch
	if p.ld.epochAcked {
		p.syncLearner(l)
		return
	}
	p.maybeFinishEpoch()
}

// maybeFinishEpoch ends discovery once a quorum (us included) acked the
// epoch: write currentEpoch and synchronize everyone waiting.
func (p *Peer) maybeFinishEpoch() {
	ld := p.ld
	if ld.epochAcked || !ld.infoSent {
		return
	}
	if !p.quorumCur(true, func(l *learner) bool { return l.stage >= stageAckedEpoch && l.epochVote }) {
		return
	}
	ld.epochAcked = true
	p.maybeWriteLeaderEpoch()
	for _, l := range p.sortedLearners() {
		if l.stage == stageAckedEpoch {
			p.syncLearner(l)
		}
	}
}

// maybeWriteLeaderEpoch writes currentEpoch once discovery is over and our
// own history is durable, in that order for the same reason a follower does
// (ZOOKEEPER-3911): a durable new epoch over a shorter durable log would
// win the next election with a history missing committed txns.
func (p *Peer) maybeWriteLeaderEpoch() {
	ld := p.ld
	if ld.epochAcked && p.currentEpoch < ld.newEpoch && p.ownDurable() >= ld.historyEnd {
		p.currentEpoch = ld.newEpoch
		p.out.WriteCurrentEpoch = ptr(p.currentEpoch)
	}
}

// syncPoint is the end of the committed history a learner is synced to.
func (p *Peer) syncPoint() int64 {
	if p.ld.established {
		return p.lastCommitted
	}
	return p.ld.historyEnd
}

// syncLearner sends DIFF, TRUNC or SNAP, the txns the learner lacks, and
// NEWLEADER; the learner is forwarded new proposals from here on.
func (p *Peer) syncLearner(l *learner) {
	op, opZxid, from, ok := p.chooseSync(l.lastZxid)
	var snap Snapshot
	if ok && op == PacketSnap {
		snap, ok = p.leaderSnapshot()
		opZxid, from = snap.Zxid, snap.Zxid
	}
	if !ok {
		p.deleteLearner(l.id) // cannot sync it; it times out and retries
		return
	}
	p.send(l.id, p.packet(op, opZxid, snap.Data))
	p.sendHistory(l, from)
	if op == PacketSnap && p.cfg.Bugs.Has(bugs.ZK3642) {
		l.newLeaderDue = true
	} else {
		p.sendNewLeader(l)
	}
	l.stage = stageSyncing
	l.deadline = p.tick + uint64(p.cfg.InitLimitTicks+p.cfg.SyncLimitTicks)
	l.acked = from
}

func (p *Peer) sendNewLeader(l *learner) {
	p.send(l.id, p.packet(PacketNewLeader, MakeZxid(p.ld.newEpoch, 0), p.newLeaderConfig()))
	l.newLeaderDue = false
}

// sendDueNewLeaders sends the NEWLEADERs zk-3642 held back a tick.
func (p *Peer) sendDueNewLeaders() {
	for _, l := range p.sortedLearners() {
		if l.newLeaderDue {
			p.sendNewLeader(l)
		}
	}
}

// sendHistory sends every held txn after from: committed ones as
// PROPOSAL+COMMIT, outstanding ones (to voters only) as PROPOSAL.
func (p *Peer) sendHistory(l *learner, from int64) {
	sp := p.syncPoint()
	for _, e := range p.entriesAfter(from) {
		if e.Zxid > sp && l.observer {
			break // observers learn outstanding txns from INFORM
		}
		p.send(l.id, p.packet(PacketProposal, e.Zxid, e.Data))
		if e.Zxid <= sp {
			p.send(l.id, p.packet(PacketCommit, e.Zxid, nil))
		}
	}
}

// chooseSync is LearnerHandler.syncFollower/queueCommittedProposals: which
// of DIFF, TRUNC or SNAP, its zxid, and after which zxid to send txns.
func (p *Peer) chooseSync(peer int64) (op PacketType, opZxid, from int64, ok bool) {
	maxC := p.syncPoint()
	// The committed window is (windowBase, maxC]: a learner at windowBase
	// itself can take a DIFF too.
	minC := min(p.windowBase, maxC)
	newEpochZxid := CounterOf(peer) == 0
	bug1154 := p.cfg.Bugs.Has(bugs.ZK1154)
	switch {
	case peer == maxC:
		return PacketDiff, maxC, maxC, true
	case peer > maxC && !newEpochZxid:
		if bug1154 {
			return PacketDiff, maxC, maxC, true // keeps txns we never had
		}
		return PacketTrunc, maxC, maxC, true
	case peer >= minC && peer <= maxC:
		return p.chooseInWindow(peer, maxC, newEpochZxid, bug1154)
	}
	return PacketSnap, 0, 0, true
}

func (p *Peer) chooseInWindow(peer, maxC int64, newEpochZxid, bug1154 bool) (PacketType, int64, int64, bool) {
	if peer == p.windowBase || p.hasEntry(peer) || newEpochZxid {
		return PacketDiff, maxC, peer, true
	}
	// The learner has a txn we lack, inside our window.
	if bug1154 {
		// ZOOKEEPER-1154's own example: the learner's 74 lies between
		// minCommittedLog 71 and maxCommittedLog 81, so the leader DIFFs
		// (from 81, the next txn it has) where it must TRUNC or SNAP.
		return PacketDiff, maxC, peer, true
	}
	next := p.entriesAfter(peer)
	if len(next) == 0 || EpochOf(next[0].Zxid) != EpochOf(peer) {
		return PacketSnap, 0, 0, true // "Cannot send TRUNC to peer": fall back to SNAP
	}
	prev := p.windowBase
	if i := len(p.log) - len(next) - 1; i >= 0 {
		prev = p.log[i].Zxid
	}
	return PacketTrunc, prev, prev, true
}

// leaderSnapshot asks the host for a snapshot the window can extend to the
// sync point.
func (p *Peer) leaderSnapshot() (Snapshot, bool) {
	if p.cfg.Snapshots == nil {
		return Snapshot{}, false
	}
	s, err := p.cfg.Snapshots.Snapshot()
	if err != nil || s.Zxid > p.lastCommitted {
		return Snapshot{}, false
	}
	// Every txn after the snapshot must be in the window.
	covered := s.Zxid == p.lastCommitted || s.Zxid == p.windowBase || p.hasEntry(s.Zxid)
	if !covered {
		return Snapshot{}, false
	}
	return s, true
}

func (p *Peer) onAck(l *learner, m *Packet) {
	if l.stage == stageSyncing && m.Zxid == MakeZxid(p.ld.newEpoch, 0) {
		l.stage = stageAckedNewLeader
		if p.ld.established {
			p.sendUpToDate(l)
			return
		}
		p.maybeEstablish()
		return
	}
	if l.stage >= stageAckedNewLeader && !l.observer && m.Zxid > l.acked {
		l.acked = m.Zxid
		p.tryCommit()
	}
}

// selfAckedNewLeader: our currentEpoch and whole initial history are durable.
func (p *Peer) selfAckedNewLeader() bool {
	return p.currentDurable >= p.ld.newEpoch && p.ownDurable() >= p.ld.historyEnd
}

// maybeEstablish is waitForNewLeaderAck: a quorum acked NEWLEADER.
func (p *Peer) maybeEstablish() {
	if !p.quorumAny(p.selfAckedNewLeader(), func(l *learner) bool { return l.stage >= stageAckedNewLeader }) {
		return
	}
	ld := p.ld
	ld.established = true
	ld.nextZxid = MakeZxid(ld.newEpoch, 1)
	p.setStatus(RoleState{Role: RoleLeading, Leader: p.id, Epoch: ld.newEpoch, Serving: true})
	p.el.vote.PeerEpoch = ld.newEpoch // updateElectionVote (ZOOKEEPER-1732)
	p.settleReplayed()
	p.commitThrough(ld.historyEnd)
	if c := p.newLeaderConfig(); c != nil && p.ld != nil {
		if m, err := p.cfg.Configs.ParseConfig(c); err == nil {
			p.activate(m)
		}
	}
	for _, l := range p.sortedLearners() {
		if l.stage == stageAckedNewLeader {
			p.sendUpToDate(l)
		}
	}
	if p.cfg.Configs != nil && !p.cur.IsVoter(p.id) {
		// Our history's reconfig left us out: the learners learn it from
		// UPTODATE and look for a leader it allows; so do we.
		p.becomeLooking()
	}
}

func (p *Peer) sendUpToDate(l *learner) {
	p.send(l.id, p.packet(PacketUpToDate, 0, nil))
	l.stage = stageActive
	l.deadline = p.tick + uint64(p.cfg.SyncLimitTicks)
}

// ownDurable is how far the leader's own log is durable (fsync done; the
// ack-before-fsync switch is about followers only).
func (p *Peer) ownDurable() int64 {
	if p.snapPending {
		return -1
	}
	return p.persisted
}

func (p *Peer) propose(data []byte) (int64, error) {
	zxid := p.ld.nextZxid
	if CounterOf(zxid) == MaxCounter {
		// Leader.propose: "zxid lower 32 bits have rolled over, forcing
		// re-election, and therefore new epoch start".
		p.becomeLooking()
		return 0, ErrZxidExhausted
	}
	p.ld.nextZxid++
	p.appendEntry(Entry{Zxid: zxid, Data: data})
	for _, l := range p.sortedLearners() {
		if !l.observer && l.stage >= stageSyncing {
			p.send(l.id, p.packet(PacketProposal, zxid, data))
		}
	}
	p.tryCommit()
	return zxid, nil
}

// tryCommit commits outstanding proposals in zxid order while a quorum
// (us included once our fsync is done) acked them.
func (p *Peer) tryCommit() {
	for _, e := range p.entriesAfter(p.lastCommitted) {
		if !p.quorumAll(p.ownDurable() >= e.Zxid, func(l *learner) bool { return l.acked >= e.Zxid && l.stage >= stageAckedNewLeader }, e.Zxid) {
			break
		}
		reconfig := p.next != nil && e.Zxid == p.next.Version
		p.commitThrough(e.Zxid)
		if reconfig {
			p.commitReconfig(e)
			if p.ld == nil {
				return // we stepped down
			}
			continue
		}
		p.broadcastCommit(e)
	}
	p.checkSyncs()
}

func (p *Peer) broadcastCommit(e Entry) {
	for _, l := range p.sortedLearners() {
		switch {
		case l.stage < stageSyncing:
		case l.observer:
			p.send(l.id, p.packet(PacketInform, e.Zxid, e.Data))
		default:
			p.send(l.id, p.packet(PacketCommit, e.Zxid, nil))
		}
	}
}

// tickLeader enforces initLimit before establishment and, after it, pings
// learners and steps down without a synced quorum (Leader.lead's loop).
func (p *Peer) tickLeader() {
	ld := p.ld
	p.sendDueNewLeaders()
	if !ld.established {
		if p.tick-p.roleAt > uint64(p.cfg.InitLimitTicks) {
			p.becomeLooking()
		}
		return
	}
	for _, l := range p.sortedLearners() {
		if p.tick > l.deadline {
			p.deleteLearner(l.id) // the handler's socket timed out
		}
	}
	if !p.quorumAny(true, func(l *learner) bool { return l.stage >= stageAckedNewLeader }) {
		p.becomeLooking() // "Not sufficient followers synced"
		return
	}
	if (p.tick-p.roleAt)%uint64(p.cfg.PingIntervalTicks) == 0 {
		p.ping()
	}
}

func (p *Peer) ping() {
	p.ld.round++
	var round []byte // one payload for the round: messages are never mutated
	for _, l := range p.sortedLearners() {
		if l.stage >= stageSyncing {
			if round == nil {
				round = appendInt64(p.payloads.Buf(8), p.ld.round)
			}
			p.send(l.id, p.packet(PacketPing, p.lastLogged, round))
		}
	}
}

func (p *Peer) onPingReply(l *learner, m *Packet) {
	round, touches, err := decodePingReply(m.Data)
	if err != nil {
		return
	}
	l.round = max(l.round, round)
	for _, t := range touches {
		p.out.Touches = append(p.out.Touches, Touch{From: l.id, Data: t})
	}
	p.checkSyncs()
}

// leaderSync queues a sync from a learner (or ourselves) and starts a PING
// round whose quorum of echoes proves we still lead.
func (p *Peer) leaderSync(from, id uint64) {
	s := pendingSync{from: from, id: id, after: p.lastLogged}
	if !p.cfg.Bugs.Has(bugs.SyncNoQuorum) {
		p.ping()
		s.round = p.ld.round
	}
	p.ld.syncs = append(p.ld.syncs, s)
	p.checkSyncs()
}

// checkSyncs answers, in order, the syncs whose conditions hold.
func (p *Peer) checkSyncs() {
	ld := p.ld
	for len(ld.syncs) > 0 {
		s := ld.syncs[0]
		if s.after > p.lastCommitted {
			return
		}
		if s.round > 0 && !p.quorumAny(true, func(l *learner) bool { return l.stage == stageActive && l.round >= s.round }) {
			return
		}
		// Shift the rest to the front rather than reslicing, so the queue
		// keeps reusing one array.
		ld.syncs = ld.syncs[:copy(ld.syncs, ld.syncs[1:])]
		if s.from == p.id {
			p.out.SyncDone = append(p.out.SyncDone, s.id)
		} else if l := ld.learners[s.from]; l != nil {
			p.send(s.from, p.packet(PacketSync, 0, appendInt64(p.payloads.Buf(8), int64(s.id))))
		}
	}
}

func (p *Peer) dropLearner(id uint64) {
	p.deleteLearner(id)
}

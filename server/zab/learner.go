package zab

import "github.com/zabsim/zabsim/server/bugs"

// The learner side (Learner.registerWithLeader, syncWithLeader,
// Follower.processPacket, Observer.processPacket).

type learnerStage uint8

const (
	lsInfoSent      learnerStage = iota // FOLLOWERINFO/OBSERVERINFO sent
	lsEpochPending                      // LEADERINFO received; acceptedEpoch being persisted
	lsSyncing                           // ACKEPOCH sent; receiving DIFF/TRUNC/SNAP and txns
	lsNewLeader                         // NEWLEADER received; making the sync durable
	lsAwaitUpToDate                     // NEWLEADER acked
	lsActive                            // UPTODATE received: serving
)

type learnerState struct {
	stage         learnerStage
	newEpoch      uint32
	newLeaderZxid int64
	lastHeard     uint64 // tick of the last packet from the leader
	commitTarget  int64  // highest zxid the leader said is committed
	syncEnd       int64  // our log end when NEWLEADER arrived
	ackedTo       int64  // highest zxid ACKed
	touches       [][]byte
	reacked       bool        // LEADERINFO's epoch was already accepted
	gotSnap       bool        // this sync came as SNAP
	memSnap       *Snapshot   // zk-3642: the SNAP, held in memory until NEWLEADER
	leaderCfg     *Membership // the config NEWLEADER carried, activated at UPTODATE
}

// claimedZxid is the last zxid a learner reports in ACKEPOCH. Normally its
// log end; with zk-2355, a follower whose connection to its leader broke
// while a PROPOSAL was on the wire claims that proposal too, as ZooKeeper's
// Learner did when it failed while reading the packet but had already moved
// its last zxid: the leader's DIFF then starts after a txn the follower
// never logged, and the follower misses it for good (ZOOKEEPER-2355: an
// ephemeral whose closeSession was that txn is never deleted there).
func (p *Peer) claimedZxid() int64 {
	z := p.lastLogged
	if p.cfg.Bugs.Has(bugs.ZK2355) && p.brokenMidProposal > z {
		z = p.brokenMidProposal
	}
	p.brokenMidProposal = 0
	return z
}

func (p *Peer) becomeLearner(role Role, leader uint64) {
	p.ld = nil
	p.ln = &learnerState{lastHeard: p.tick, commitTarget: p.lastCommitted}
	p.setStatus(RoleState{Role: role, Leader: leader})
	p.sendLearnerInfo()
}

// sendLearnerInfo registers with the leader. The learner repeats it every
// tick until LEADERINFO arrives, as ZooKeeper's connectToLeader retries: the
// leader may not have finished its own election yet and ignores it then.
func (p *Peer) sendLearnerInfo() {
	t := PacketFollowerInfo
	if p.status.Role == RoleObserving {
		t = PacketObserverInfo
	}
	p.send(p.status.Leader, p.packet(t, MakeZxid(p.acceptedEpoch, 0), encodeLearnerInfo(p.id)))
}

// tickLearner gives up on the leader after initLimit without finishing the
// sync, or syncLimit of silence once synced (the socket timeout).
func (p *Peer) tickLearner() {
	ln := p.ln
	if ln.stage != lsActive && p.tick-p.roleAt > uint64(p.cfg.InitLimitTicks) {
		p.becomeLooking()
		return
	}
	if ln.stage == lsActive && p.tick-ln.lastHeard > uint64(p.cfg.SyncLimitTicks) {
		p.becomeLooking()
		return
	}
	if ln.stage == lsInfoSent {
		p.sendLearnerInfo()
	}
}

func (p *Peer) stepLearner(from uint64, m *Packet) {
	if from != p.status.Leader {
		return
	}
	p.ln.lastHeard = p.tick
	switch m.Type {
	case PacketLeaderInfo:
		p.onLeaderInfo(m)
	case PacketDiff, PacketTrunc, PacketSnap:
		p.onSyncMode(m)
	case PacketProposal, PacketInform:
		p.onProposal(m)
	case PacketCommit:
		p.onCommit(m.Zxid)
	case PacketCommitAndActivate:
		if lead, err := decodeInt64(m.Data); err == nil {
			p.onCommitAndActivate(m.Zxid, uint64(lead))
		}
	case PacketInformAndActivate:
		if len(m.Data) >= 8 {
			lead, _ := decodeInt64(m.Data[:8])
			p.onProposal(&Packet{Type: PacketProposal, Zxid: m.Zxid, Data: m.Data[8:]})
			if p.ln != nil {
				p.onCommitAndActivate(m.Zxid, uint64(lead))
			}
		}
	case PacketNewLeader:
		p.onNewLeader(m)
	case PacketUpToDate:
		p.onUpToDate()
	case PacketPing:
		p.onPing(m)
	case PacketSync:
		if id, err := decodeInt64(m.Data); err == nil && p.ln.stage == lsActive {
			p.out.SyncDone = append(p.out.SyncDone, uint64(id))
		}
	}
}

func (p *Peer) onLeaderInfo(m *Packet) {
	e := EpochOf(m.Zxid)
	if p.ln.stage != lsInfoSent {
		return
	}
	if e < p.acceptedEpoch {
		p.becomeLooking() // "Leaders epoch is less than accepted epoch"
		return
	}
	if e > p.acceptedEpoch {
		p.acceptedEpoch = e
		p.out.WriteAcceptedEpoch = ptr(e)
	} else {
		// "since we have already acked an epoch equal to the leaders, we
		// cannot ack again in good conscience": ACKEPOCH carries -1.
		p.ln.reacked = true
	}
	p.ln.newEpoch = e
	p.ln.stage = lsEpochPending
	p.learnerDurable()
}

func (p *Peer) onSyncMode(m *Packet) {
	if p.ln.stage != lsSyncing {
		return
	}
	switch m.Type {
	case PacketTrunc:
		p.truncateLog(m.Zxid)
	case PacketSnap:
		snap := Snapshot{Zxid: m.Zxid, Data: m.Data}
		if p.cfg.Bugs.Has(bugs.ZK3642) {
			p.loadSnapshotInMemory(snap)
			p.ln.memSnap = &snap
		} else {
			p.installSnapshot(snap)
		}
		p.ln.gotSnap = true
	}
	p.ln.commitTarget = m.Zxid
}

func (p *Peer) onProposal(m *Packet) {
	if p.ln.stage < lsSyncing {
		return
	}
	if m.Zxid <= p.lastLogged {
		p.becomeLooking() // out of order: our log no longer matches the leader's
		return
	}
	p.appendEntry(Entry{Zxid: m.Zxid, Data: m.Data})
	if m.Type == PacketInform {
		p.onCommit(m.Zxid)
		return
	}
	if p.ln.stage >= lsAwaitUpToDate {
		p.sendAcks()
	}
}

func (p *Peer) onCommit(zxid int64) {
	if zxid > p.lastLogged {
		p.becomeLooking() // COMMIT for a txn we never got
		return
	}
	p.ln.commitTarget = max(p.ln.commitTarget, zxid)
	if p.ln.stage == lsActive {
		p.commitThrough(p.ln.commitTarget)
	}
}

func (p *Peer) onNewLeader(m *Packet) {
	if p.ln.stage != lsSyncing || EpochOf(m.Zxid) != p.ln.newEpoch {
		return
	}
	p.ln.stage = lsNewLeader
	p.ln.newLeaderZxid = m.Zxid
	p.ln.leaderCfg = p.leaderConfigFrom(m.Data)
	p.ln.syncEnd = p.lastLogged
	if s := p.ln.memSnap; s != nil {
		// zk-3642: only now does the snapshot go to disk. A sync that ended
		// before NEWLEADER (the leader crashed) left it in memory for good.
		p.persistMemorySnapshot(*s)
		p.ln.memSnap = nil
	}
	p.learnerDurable()
}

func (p *Peer) onUpToDate() {
	if p.ln.stage != lsAwaitUpToDate {
		return
	}
	p.ln.stage = lsActive
	p.setStatus(RoleState{Role: p.status.Role, Leader: p.status.Leader, Epoch: p.ln.newEpoch, Serving: true})
	p.el.vote.PeerEpoch = p.ln.newEpoch // updateElectionVote (ZOOKEEPER-1732)
	p.settleReplayed()
	if c := p.ln.leaderCfg; c != nil {
		p.activate(*c)
	}
	p.commitThrough(p.ln.commitTarget)
	p.sendAcks()
	if p.cfg.Configs != nil {
		p.moveTo(p.status.Leader) // the config may leave us out, or make us vote
	}
}

func (p *Peer) onPing(m *Packet) {
	round, err := decodeInt64(m.Data)
	if err != nil {
		return
	}
	p.send(p.status.Leader, p.packet(PacketPing, p.lastLogged, appendPingReply(p.payloads.Buf(pingReplySize(p.ln.touches)), round, p.ln.touches)))
	p.ln.touches = nil
}

// learnerDurable moves discovery and synchronization forward after a
// storage completion.
func (p *Peer) learnerDurable() {
	ln := p.ln
	switch ln.stage {
	case lsEpochPending:
		if p.acceptedDurable >= ln.newEpoch {
			cur := int32(p.currentEpoch)
			if ln.reacked {
				cur = -1
			}
			p.send(p.status.Leader, p.packet(PacketAckEpoch, p.claimedZxid(), encodeInt32(cur)))
			ln.stage = lsSyncing
		}
	case lsNewLeader:
		p.maybeAckNewLeader()
	case lsAwaitUpToDate, lsActive:
		p.sendAcks()
	}
}

// maybeAckNewLeader ACKs NEWLEADER once the synced txns (or snapshot) and
// then currentEpoch are durable, in that order: a durable currentEpoch over
// a missing history is what ZOOKEEPER-3911/-3104 lose data through.
func (p *Peer) maybeAckNewLeader() {
	ln := p.ln
	// zk-3104: before the fix a SNAP-synced follower held the snapshot and
	// the txns after it in memory only when it ACKed.
	bug3104 := p.cfg.Bugs.Has(bugs.ZK3104) && ln.gotSnap
	logOK := p.persisted >= ln.syncEnd || p.cfg.Bugs.Has(bugs.ZK3911) || bug3104
	snapOK := !p.snapPending || bug3104
	if p.cfg.Bugs.Has(bugs.ZK4646) {
		// zk-4646: the epoch file is written at NEWLEADER while the synced
		// txns are still being logged (asynchronously in ZooKeeper). The
		// ACK below still waits for them; a crash in between leaves a
		// durable new epoch over an old log, and that vote wins.
		p.writeLearnerEpoch()
	}
	if !logOK || !snapOK {
		return
	}
	p.writeLearnerEpoch()
	if p.currentDurable < ln.newEpoch {
		return
	}
	p.send(p.status.Leader, p.packet(PacketAck, ln.newLeaderZxid, nil))
	ln.stage = lsAwaitUpToDate
	// The sync's txns the leader had not committed (PROPOSAL without
	// COMMIT: its outstanding proposals) need our ACKs to commit, as
	// ZooKeeper's learner ACKs each of its packetsNotCommitted once logged.
	// They follow the NEWLEADER ACK, which the leader must see first.
	ln.ackedTo = min(ln.commitTarget, ln.syncEnd)
	p.sendAcks()
}

// writeLearnerEpoch asks for currentEpoch = the new leader's epoch.
func (p *Peer) writeLearnerEpoch() {
	if e := p.ln.newEpoch; p.currentEpoch < e {
		p.currentEpoch = e
		p.out.WriteCurrentEpoch = ptr(e)
	}
}

// sendAcks ACKs, in order, every txn logged after the sync that is durable.
func (p *Peer) sendAcks() {
	if p.status.Role != RoleFollowing {
		return
	}
	d := p.durableZxid()
	for _, e := range p.entriesAfter(p.ln.ackedTo) {
		if e.Zxid > d {
			break
		}
		p.send(p.status.Leader, p.packet(PacketAck, e.Zxid, nil))
		p.ln.ackedTo = e.Zxid
	}
}

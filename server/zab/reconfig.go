package zab

import (
	"encoding/binary"
	"slices"
)

// Dynamic reconfiguration, after ZooKeeper 3.5+'s QuorumPeer/Leader:
//
//   - A peer holds its active config (quorumVerifier) and, while a reconfig
//     txn is in its log but not committed, the next one (lastSeenQuorumVerifier).
//   - While a reconfig is pending, everything the leader decides (epoch,
//     NEWLEADER, each proposal from the reconfig on, the quorum check of
//     its tick) needs a quorum of both configs; elections too.
//   - The commit of a reconfig txn activates its config. The leader sends
//     COMMITANDACTIVATE to followers and INFORMANDACTIVATE to observers,
//     naming the designated leader: itself if it is still a voter, else the
//     new voter that acked the most. A removed leader steps down at once; a
//     learner whose leader or role changed goes straight to its new role
//     (ZooKeeper's reconfigFlag path), without an election.
//   - NEWLEADER carries the leader's active config and a learner activates
//     it at UPTODATE; notifications carry the sender's active config and a
//     looking peer adopts a newer one (FastLeaderElection does both).
//   - The first leader of an ensemble whose config has version 0 gives it
//     the version of its new epoch's first zxid (ZOOKEEPER-1783).
//
// Everything here is inert without Config.Configs: an ensemble with
// reconfiguration disabled behaves, and sends bytes, exactly as before.

// Membership is one configuration of the ensemble: ZooKeeper's majority
// QuorumVerifier. Text is the host's rendering of it (a dynamic config
// file's lines, whose version line must say Version); Zab carries it
// opaquely in NEWLEADER and notifications and hands it back in
// Ready.ActivateConfig.
type Membership struct {
	Version   int64
	Voters    []uint64 // sorted
	Observers []uint64 // sorted
	Text      []byte
}

// IsVoter reports whether id votes in m.
func (m *Membership) IsVoter(id uint64) bool {
	_, ok := slices.BinarySearch(m.Voters, id)
	return ok
}

// IsObserver reports whether id observes in m.
func (m *Membership) IsObserver(id uint64) bool {
	_, ok := slices.BinarySearch(m.Observers, id)
	return ok
}

func (m *Membership) quorum(n int) bool { return 2*n > len(m.Voters) }

// ConfigCodec is how a Peer reads configs out of the host's bytes.
type ConfigCodec interface {
	// ReconfigText returns the new config's text if txn (an entry's Data)
	// is a reconfig txn. It is asked for every logged entry, so it must
	// be cheap for the others.
	ReconfigText(txn []byte) ([]byte, bool)
	// ParseConfig parses a config text (Voters and Observers sorted).
	ParseConfig(text []byte) (Membership, error)
	// WithVersion renders m with another version.
	WithVersion(m Membership, version int64) []byte
}

// Config returns the active configuration.
func (p *Peer) Config() Membership { return p.cur }

// NextConfig returns the pending configuration (a reconfig txn logged
// and not committed), if any.
func (p *Peer) NextConfig() (Membership, bool) {
	if p.next == nil {
		return Membership{}, false
	}
	return *p.next, true
}

// ReconfigPending reports whether a reconfig is proposed and not yet
// active (PrepRequestProcessor's RECONFIGINPROGRESS).
func (p *Peer) ReconfigPending() bool { return p.next != nil }

// QuorumSynced is Leader.isQuorumSynced: do the leader (if it votes in m)
// and its synced followers that vote in m form a quorum of m?
func (p *Peer) QuorumSynced(m *Membership) bool {
	if p.ld == nil {
		return false
	}
	n := 0
	if m.IsVoter(p.id) {
		n++
	}
	for _, l := range p.sortedLearners() {
		if !l.observer && l.stage == stageActive && m.IsVoter(l.id) {
			n++
		}
	}
	return m.quorum(n)
}

// seeEntry notes a reconfig txn as the next config (setLastSeenQuorumVerifier).
func (p *Peer) seeEntry(e Entry) {
	text, ok := p.cfg.Configs.ReconfigText(e.Data)
	if !ok {
		return
	}
	m, err := p.cfg.Configs.ParseConfig(text)
	if err != nil {
		return // the host prepped it; it parses
	}
	m.Version = e.Zxid
	if m.Version > p.cur.Version && (p.next == nil || m.Version > p.next.Version) {
		p.next = &m
		p.refreshVotes()
	}
}

// activate makes m the active config if it is newer.
func (p *Peer) activate(m Membership) bool {
	if m.Version <= p.cur.Version {
		return false
	}
	p.cur = m
	if p.next != nil && p.next.Version <= m.Version {
		p.next = nil
	}
	p.out.ActivateConfig = ptr(m)
	p.refreshVotes()
	return true
}

// dropNextAfter forgets a pending config whose txn a truncation cut.
func (p *Peer) dropNextAfter(z int64) {
	if p.next != nil && p.next.Version > z {
		p.next = nil
		p.refreshVotes()
	}
}

// refreshVotes recomputes which learners vote in which config.
func (p *Peer) refreshVotes() {
	if p.ld == nil {
		return
	}
	for _, l := range p.ld.learners {
		p.setVotes(l)
	}
}

func (p *Peer) setVotes(l *learner) {
	l.voteCur = !l.observer && p.cur.IsVoter(l.id)
	l.inNext = p.next != nil && p.next.IsVoter(l.id)
	l.voteNext = !l.observer && l.inNext
}

// quorumAll reports whether us (when self) and the followers for which ok
// holds form a quorum of the active config and, when a reconfig is pending
// and zxid is at or past it, of the next config too (a proposal's ack sets).
func (p *Peer) quorumAll(self bool, ok func(*learner) bool, zxid int64) bool {
	return p.quorumOf(self, ok, p.next != nil && zxid >= p.next.Version, false)
}

// quorumAny is quorumAll for the checks ZooKeeper counts by server id,
// whatever the learner connected as (SyncedLearnerTracker.addAck: the
// NEWLEADER acks, the leader's tick check): with a reconfig pending, an
// observer the next config makes a voter counts there.
func (p *Peer) quorumAny(self bool, ok func(*learner) bool) bool {
	return p.quorumOf(self, ok, p.next != nil, true)
}

func (p *Peer) quorumOf(self bool, ok func(*learner) bool, needNext, anyLearner bool) bool {
	nc, nn := 0, 0
	if self {
		if p.cur.IsVoter(p.id) {
			nc++
		}
		if needNext && p.next.IsVoter(p.id) {
			nn++
		}
	}
	for _, l := range p.sortedLearners() {
		inNext := needNext && (l.voteNext || anyLearner && l.inNext)
		if !l.voteCur && !inNext || !ok(l) {
			continue
		}
		if l.voteCur {
			nc++
		}
		if inNext {
			nn++
		}
	}
	return p.cur.quorum(nc) && (!needNext || p.next.quorum(nn))
}

// quorumCur is a quorum of the active config only: discovery
// (getEpochToPropose and waitForEpochAck count isParticipant by the
// active config).
func (p *Peer) quorumCur(self bool, ok func(*learner) bool) bool {
	return p.quorumOf(self, ok, false, false)
}

// designatedLeader is Leader.getDesignatedLeader, for the reconfig at zxid
// (already active): us if we still vote, else the new voter that acked
// the reconfig and the most proposals after it (the lowest id on a tie).
func (p *Peer) designatedLeader(zxid int64) uint64 {
	if p.cur.IsVoter(p.id) {
		return p.id
	}
	var best *learner
	for _, l := range p.sortedLearners() {
		if l.observer || !p.cur.IsVoter(l.id) || l.acked < zxid || l.stage < stageAckedNewLeader {
			continue
		}
		if best == nil || l.acked > best.acked {
			best = l
		}
	}
	if best == nil {
		return 0
	}
	return best.id
}

// commitReconfig is the leader's side of committing the reconfig e (its
// config just activated): COMMITANDACTIVATE and INFORMANDACTIVATE, then a
// leader that is no longer designated steps down.
func (p *Peer) commitReconfig(e Entry) {
	designated := p.designatedLeader(e.Zxid)
	var lead [8]byte
	binary.BigEndian.PutUint64(lead[:], designated)
	commit := slices.Clone(lead[:])
	inform := append(slices.Clone(lead[:]), e.Data...)
	for _, l := range p.sortedLearners() {
		switch {
		case l.stage < stageSyncing:
		case l.observer:
			p.send(l.id, p.packet(PacketInformAndActivate, e.Zxid, inform))
		default:
			p.send(l.id, p.packet(PacketCommitAndActivate, e.Zxid, commit))
		}
	}
	if designated != p.id {
		p.moveTo(designated)
		return
	}
	// A learner the config turned from follower into observer or back
	// leaves on COMMITANDACTIVATE and comes back as the other kind; its
	// handler is gone now (ZooKeeper's dies with the closed socket), so
	// the leader never counts it as what it no longer is.
	for _, l := range p.sortedLearners() {
		if l.observer != p.cur.IsObserver(l.id) {
			p.deleteLearner(l.id)
		}
	}
}

// moveTo takes up the role the active config gives us under leader
// designated (QuorumPeer's reconfigFlag path: no election). It does
// nothing when that role and leader are the ones we have. A server the
// config leaves out follows without a vote.
func (p *Peer) moveTo(designated uint64) {
	want := RoleLooking
	switch {
	case designated == 0:
	case !p.cur.IsVoter(designated):
		// A leader the config leaves out (elected before it was active
		// here): look for one the config allows.
	case designated == p.id:
		want = RoleLeading
	case p.cur.IsObserver(p.id):
		want = RoleObserving
	default:
		// A voter, or a server the config does not name: a non-voting
		// participant (QuorumPeer.updateLearnerType).
		want = RoleFollowing
	}
	if want == p.status.Role && designated == p.status.Leader {
		return
	}
	p.roleAt = p.tick
	switch want {
	case RoleLooking:
		p.becomeLooking()
	case RoleLeading:
		p.el.vote = Notification{Leader: p.id, Zxid: p.lastLogged, PeerEpoch: p.currentEpoch}
		p.becomeLeader()
	default:
		p.el.vote = Notification{Leader: designated, Zxid: p.lastLogged, PeerEpoch: p.currentEpoch}
		p.becomeLearner(want, designated)
	}
}

// onCommitAndActivate is a learner's COMMITANDACTIVATE / INFORMANDACTIVATE:
// commit (activating the config), then move if the leader or our role
// changed.
func (p *Peer) onCommitAndActivate(zxid int64, designated uint64) {
	p.onCommit(zxid)
	if p.ln == nil || p.ln.stage != lsActive {
		return
	}
	p.moveTo(designated)
}

// configText is what NEWLEADER and notifications carry: the active
// config's text once it has a version (nil before, and always without a
// codec, so those messages keep their bytes).
func (p *Peer) configText() []byte {
	if p.cfg.Configs == nil || p.cur.Version == 0 {
		return nil
	}
	return p.cur.Text
}

// adoptGossip is FastLeaderElection's handling of a notification's config:
// a looking peer takes a newer one and restarts its election.
func (p *Peer) adoptGossip(text []byte) bool {
	if p.cfg.Configs == nil || len(text) == 0 {
		return false
	}
	m, err := p.cfg.Configs.ParseConfig(text)
	if err != nil || m.Version <= p.cur.Version {
		return false
	}
	p.activate(m)
	p.becomeLooking()
	return true
}

// leaderConfigFrom parses the config a NEWLEADER carried.
func (p *Peer) leaderConfigFrom(data []byte) *Membership {
	if p.cfg.Configs == nil || len(data) == 0 {
		return nil
	}
	m, err := p.cfg.Configs.ParseConfig(data)
	if err != nil {
		return nil
	}
	return &m
}

// newLeaderConfig is the config text NEWLEADER carries and the leader
// activates once established: its active config, versioned by the new
// epoch if it still has version 0 (ZOOKEEPER-1783's lastSeen version).
func (p *Peer) newLeaderConfig() []byte {
	if p.cfg.Configs == nil {
		return nil
	}
	if p.cur.Version == 0 && p.next == nil {
		m := p.cur
		m.Version = MakeZxid(p.ld.newEpoch, 0)
		return p.cfg.Configs.WithVersion(m, m.Version)
	}
	return p.configText()
}

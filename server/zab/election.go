package zab

// Fast leader election, after FastLeaderElection.lookForLeader of ZooKeeper
// 3.8. A vote is (leader, zxid, peerEpoch); votes are ordered by peerEpoch,
// then zxid, then server id. electionEpoch is the logical clock of rounds.

type election struct {
	clock      uint64       // logicalclock
	vote       Notification // our proposal (State is ignored)
	recv       map[uint64]Notification
	outOf      map[uint64]Notification // FOLLOWING/LEADING peers
	finalizeAt uint64                  // tick at which to decide; 0 = not finalizing
	resendAt   uint64
	backoff    uint64 // current resend interval in ticks
}

// betterVote is FastLeaderElection.totalOrderPredicate: does (id, zxid,
// epoch) beat cur? Only voters can win.
func (p *Peer) betterVote(n, cur *Notification) bool {
	if !p.isVoter(n.Leader) {
		return false
	}
	if n.PeerEpoch != cur.PeerEpoch {
		return n.PeerEpoch > cur.PeerEpoch
	}
	if n.Zxid != cur.Zxid {
		return n.Zxid > cur.Zxid
	}
	return n.Leader > cur.Leader
}

// sameVote is Vote.equals: LOOKING votes match on every field, votes of
// peers out of the election only on leader and peerEpoch.
func sameVote(a, b *Notification) bool {
	if a.State == RoleLooking || b.State == RoleLooking {
		return a.Leader == b.Leader && a.Zxid == b.Zxid && a.ElectionEpoch == b.ElectionEpoch && a.PeerEpoch == b.PeerEpoch
	}
	return a.Leader == b.Leader && a.PeerEpoch == b.PeerEpoch
}

// hasQuorum is termPredicate: do the voters among votes agree on v? With
// a reconfig pending, a quorum of both configs must (SyncedLearnerTracker
// holds the last seen config too).
func (p *Peer) hasQuorum(votes map[uint64]Notification, v *Notification) bool {
	nc, nn := 0, 0
	for sid, w := range votes {
		if !sameVote(&w, v) {
			continue
		}
		if p.isVoter(sid) {
			nc++
		}
		if p.next != nil && p.next.IsVoter(sid) {
			nn++
		}
	}
	return p.cur.quorum(nc) && (p.next == nil || p.next.quorum(nn))
}

// becomeLooking starts a new election round with a vote for ourselves.
func (p *Peer) becomeLooking() {
	p.ld, p.ln = nil, nil
	p.roleAt = p.tick
	p.setStatus(RoleState{Role: RoleLooking})
	p.el.clock++
	p.el.recv = map[uint64]Notification{}
	p.el.outOf = map[uint64]Notification{}
	p.el.finalizeAt = 0
	p.el.vote = p.initialVote()
	p.recordOwnVote()
	p.el.backoff = uint64(p.cfg.FinalizeWaitTicks)
	p.sendNotifications()
	p.maybeFinalize() // a single voter is its own quorum
}

// initialVote is getInitId/getInitLastLoggedZxid/getPeerEpoch; an observer
// proposes nobody, so any voter's vote beats it.
func (p *Peer) initialVote() Notification {
	if !p.isVoter(p.id) {
		return Notification{State: RoleLooking, Zxid: -1}
	}
	return Notification{State: RoleLooking, Leader: p.id, Zxid: p.lastLogged, PeerEpoch: p.currentEpoch}
}

func (p *Peer) recordOwnVote() {
	if p.isVoter(p.id) {
		p.el.recv[p.id] = p.currentVote()
	}
}

// currentVote is the vote we send: our proposal, round and state.
func (p *Peer) currentVote() Notification {
	v := p.el.vote
	v.State = p.status.Role
	v.ElectionEpoch = p.el.clock
	v.Config = p.configText()
	return v
}

// sendNotifications sends our vote to every other voter, of the pending
// config too (getCurrentAndNextConfigVoters).
func (p *Peer) sendNotifications() {
	for _, sid := range p.cur.Voters {
		if sid != p.id {
			p.sendVote(sid)
		}
	}
	if p.next != nil {
		for _, sid := range p.next.Voters {
			if sid != p.id && !p.cur.IsVoter(sid) {
				p.sendVote(sid)
			}
		}
	}
	p.el.resendAt = p.tick + p.el.backoff
}

func (p *Peer) sendVote(to uint64) {
	v := p.currentVote()
	p.send(to, &v)
}

// tickLooking resends notifications with exponential backoff (ZooKeeper's
// notTimeout) and decides once finalizeWait passed without a better vote.
func (p *Peer) tickLooking() {
	if p.el.finalizeAt != 0 && p.tick >= p.el.finalizeAt {
		p.decide(p.el.vote.Leader)
		return
	}
	if p.tick >= p.el.resendAt {
		p.el.backoff = min(2*p.el.backoff, uint64(p.cfg.MaxNotificationIntervalTicks))
		p.sendNotifications()
	}
}

func (p *Peer) stepNotification(from uint64, n *Notification) {
	if p.status.Role == RoleLooking {
		p.adoptGossip(n.Config) // a newer config restarts the election under it
	}
	if p.status.Role != RoleLooking {
		// WorkerReceiver: a peer out of the election answers a LOOKING
		// peer with the vote it followed.
		if n.State == RoleLooking {
			p.sendVote(from)
		}
		return
	}
	if !p.isVoter(from) && (p.next == nil || !p.next.IsVoter(from)) {
		// A non-voter's vote never counts, but it learns ours. (A voter
		// of the pending config counts: FLE's validVoter.) Two non-voters
		// would answer each other forever: only a voter answers.
		if n.State == RoleLooking && (p.cfg.Configs == nil || p.isVoter(p.id) || p.next != nil && p.next.IsVoter(p.id)) {
			p.sendVote(from)
		}
		return
	}
	if n.State == RoleLooking {
		p.stepLookingVote(from, n)
		return
	}
	p.stepDecidedVote(from, n)
}

func (p *Peer) stepLookingVote(from uint64, n *Notification) {
	switch {
	case n.ElectionEpoch > p.el.clock:
		p.el.clock = n.ElectionEpoch
		p.el.recv = map[uint64]Notification{}
		p.el.finalizeAt = 0
		p.el.vote = p.initialVote()
		if p.betterVote(n, &p.el.vote) {
			p.adopt(n)
		}
		p.recordOwnVote()
		p.sendNotifications()
	case n.ElectionEpoch < p.el.clock:
		// Help the laggard catch up. An observer does not: the voter
		// would answer it (non-voters always get an answer) and the two
		// would ping-pong forever.
		if p.isVoter(p.id) {
			p.sendVote(from)
		}
		return
	case p.betterVote(n, &p.el.vote):
		p.adopt(n)
		p.el.finalizeAt = 0
		p.recordOwnVote()
		p.sendNotifications()
	}
	p.el.recv[from] = *n
	p.maybeFinalize()
}

func (p *Peer) adopt(n *Notification) {
	p.el.vote = Notification{State: RoleLooking, Leader: n.Leader, Zxid: n.Zxid, PeerEpoch: n.PeerEpoch}
}

// maybeFinalize starts the finalizeWait countdown once a quorum agrees.
func (p *Peer) maybeFinalize() {
	v := p.currentVote()
	if p.el.finalizeAt == 0 && p.hasQuorum(p.el.recv, &v) {
		p.el.finalizeAt = p.tick + uint64(p.cfg.FinalizeWaitTicks)
	}
}

// stepDecidedVote handles a FOLLOWING/LEADING notification: join an existing
// leader once a quorum follows it and the leader itself says LEADING.
func (p *Peer) stepDecidedVote(from uint64, n *Notification) {
	if n.ElectionEpoch == p.el.clock {
		p.el.recv[from] = *n
		if p.hasQuorum(p.el.recv, n) && p.leaderConfirmed(p.el.recv, n) {
			p.join(n)
			return
		}
	}
	p.el.outOf[from] = *n
	if p.hasQuorum(p.el.outOf, n) && p.leaderConfirmed(p.el.outOf, n) {
		p.el.clock = n.ElectionEpoch
		p.join(n)
	} else if p.joinsEstablished(n) {
		p.join(n)
	}
}

// joinsEstablished: with a reconfig pending here, a server joins a leader
// a quorum of its active config follows, even while the pending config
// lacks its quorum: that may need this very server (a voter there) to
// sync first, or the pending txn is one the leader's history cuts. Joining
// decides nothing; the leader was established by its own quorums.
func (p *Peer) joinsEstablished(n *Notification) bool {
	if p.next == nil {
		return false
	}
	c := 0
	for sid, w := range p.el.outOf {
		if p.isVoter(sid) && sameVote(&w, n) {
			c++
		}
	}
	if p.cur.quorum(c) && p.leaderConfirmed(p.el.outOf, n) {
		p.el.clock = n.ElectionEpoch
		return true
	}
	return false
}

// leaderConfirmed is checkLeader: the proposed leader must have told us it
// leads (or be us, in our own round).
func (p *Peer) leaderConfirmed(votes map[uint64]Notification, n *Notification) bool {
	if n.Leader == p.id {
		return n.ElectionEpoch == p.el.clock
	}
	v, ok := votes[n.Leader]
	return ok && v.State == RoleLeading
}

func (p *Peer) join(n *Notification) {
	p.el.vote = Notification{Leader: n.Leader, Zxid: n.Zxid, PeerEpoch: n.PeerEpoch}
	p.decide(n.Leader)
}

// decide ends the election.
func (p *Peer) decide(leader uint64) {
	p.el.finalizeAt = 0
	p.roleAt = p.tick
	switch {
	case leader == p.id:
		p.becomeLeader()
	case p.isVoter(p.id), !p.isObserver(p.id):
		// A server the config does not name (one about to join, or one
		// a reconfig removed) is a non-voting participant: it follows,
		// and its ACKs count for a pending config that names it.
		p.becomeLearner(RoleFollowing, leader)
	default:
		p.becomeLearner(RoleObserving, leader)
	}
}

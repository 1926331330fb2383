// Package zab implements ZooKeeper's atomic broadcast as ZooKeeper 3.8 runs
// it — fast leader election, discovery, synchronization, broadcast,
// observers — as a pure state machine in the style of etcd-io/raft.
//
// It owns: the Peer (FLE, Leader/LearnerHandler, Learner/Follower/Observer
// logic), the quorum message vocabulary and its jute encoding (QuorumPacket
// and FLE notifications), the bug switches that re-create ZooKeeper defects,
// and the online invariant checker (Invariants) fed by observations hosts
// emit. It must not import sim, live, checker, client or any package outside
// server/wire and the standard library; it never reads the clock, sleeps,
// starts goroutines, locks, or uses global randomness (FLE breaks ties by
// server id, so the Peer needs no randomness at all).
//
// # Driving a Peer
//
//	p, err := zab.NewPeer(zab.Config{ID: 1, Voters: []uint64{1, 2, 3}, Initial: durableState, Snapshots: tree})
//	for each event {
//		p.Tick()                        // every tick of the local clock
//		p.Step(from, msg)               // a message from peer `from` (decoded, or as a Go value)
//		p.PeerDisconnected(id)          // the FIFO link to id broke (drop its queue)
//		p.Persisted(zxid)               // log fsynced up to zxid
//		p.EpochPersisted(acc, cur)      // epoch files fsynced
//		p.SnapshotPersisted(zxid)       // a SNAP-installed snapshot is durable
//		p.Propose(txn) / p.Forward(txn) / p.Sync(id) / p.QueueTouches(b)
//		for p.HasReady() { rd := p.Ready(); carry out rd (see Ready); p.Advance(rd) }
//	}
//
// Ready's ordering contract is on the Ready type. The short form: apply
// InstallSnapshot, Truncate, Append, epoch writes and Commit in that order,
// then send Messages; report durability later through Persisted,
// EpochPersisted and SnapshotPersisted. The Peer itself withholds every
// message that claims durability until told, so the host may send at once.
// Links must be FIFO and lose messages only by breaking (TCP); when a link
// breaks, tell both ends with PeerDisconnected.
//
// # Packet payloads
//
// FOLLOWERINFO/OBSERVERINFO: zxid = acceptedEpoch<<32, data = LearnerInfo
// {sid i64, protocolVersion i32, configVersion i64}. LEADERINFO: zxid =
// newEpoch<<32, data = protocolVersion i32. ACKEPOCH: zxid = last logged
// zxid, data = currentEpoch i32 (-1: epoch already accepted). DIFF/TRUNC:
// zxid only. SNAP: zxid = snapshot zxid, data = the host's snapshot bytes
// (ZooKeeper streams it after the packet). NEWLEADER and its ACK: zxid =
// newEpoch<<32. PROPOSAL/INFORM: zxid, data = txn. COMMIT/ACK: zxid.
// PING from the leader: zxid = last zxid, data = round i64; the reply: data =
// round i64 + vector<buffer> of session touches. REQUEST: data = the client
// request. SYNC: data = sync id i64 both ways (ZooKeeper's learner sends a
// REQUEST of type sync instead; zabsim's sync differs anyway, see Sync).
// COMMITANDACTIVATE (9): zxid, data = the designated leader i64.
// INFORMANDACTIVATE (19): zxid, data = the designated leader i64 + txn.
// With dynamic reconfiguration NEWLEADER's data is the leader's config text
// and a notification's config buffer the sender's (empty otherwise).
//
// # Dynamic reconfiguration
//
// With Config.Configs set (ZooKeeper's reconfigEnabled) a Peer follows
// config changes as ZooKeeper 3.5+ does; reconfig.go describes the rules.
// A reconfig txn is an ordinary entry the host's ConfigCodec recognises;
// its commit activates its config (Ready.ActivateConfig). Without Configs
// nothing of it runs and every message keeps its bytes.
//
// # Bug switches
//
// All off by default; with every switch off nothing changes.
//
// The switches of the Zab layer (zk-3911, zk-3104, zk-1154, ack-before-fsync,
// sync-no-quorum, zk-2355, zk-4646, zk-2845, zk-1549, zk-3642) are typed in
// server/bugs, whose table says each one's JIRA, trigger and symptom;
// Config.Bugs carries the set. Three of them change what a Ready means:
// zk-2845 and zk-1549 replay the whole log into the state at load
// (Ready.Replay) and keep that state across a TRUNC (Ready.Settled);
// zk-3642 holds a SNAP in memory until NEWLEADER (Ready.SnapshotInMemory).
//
// zk-1154 covers both of ZooKeeper's cases: a learner past the sync point
// (TRUNC in the fix) and, the JIRA's own example, a learner inside the
// committed window holding a txn the leader lacks (SNAP in the fix).
//
// Only zk-3642 changes the leader's timing (NEWLEADER a tick after a SNAP):
// zabsim sends a whole sync in one batch, which closes the window that
// ZooKeeper's LearnerHandler leaves open while it streams the snapshot.
//
// # Deviations from ZooKeeper 3.8, and why
//
//   - A host's state machine reflects only committed txns: InitialState
//     separates LastCommittedZxid from the logged tail, which the Peer commits
//     once an established leader's history covers it (ZooKeeper applies its
//     whole log on load and relies on TRUNC to reload).
//   - Learners apply the synced history at UPTODATE, not during the sync:
//     nothing can be read from a learner before then anyway, and the
//     invariant checker may then treat every Commit as a decision.
//   - A restart whose log is ahead of currentEpoch repairs the epoch instead
//     of refusing to start (ZooKeeper's updatingEpoch mechanism, ZOOKEEPER-1653).
//   - Sync is linearizable (a PING round confirms the quorum) unless
//     sync-no-quorum is on.
//   - A leader that cannot sync a learner (it is ahead during discovery, or
//     needs a SNAP the host cannot give) ignores it; the learner times out
//     after initLimit and re-elects, where ZooKeeper would close the socket.
//   - A leader writes currentEpoch only once its own initial history is
//     durable (the follower's rule, applied to the leader): otherwise a
//     crash leaves a durable new epoch over a shorter log, whose vote then
//     wins with a history missing committed txns. The randomized harness
//     found this window.
//   - A leader that meets a learner which promised a later epoch
//     (acceptedEpoch > ours) steps down so the next epoch is higher;
//     ZooKeeper's learner refuses and rejoins the same leader forever.
//   - Learners repeat FOLLOWERINFO/OBSERVERINFO every tick until LEADERINFO
//     arrives (ZooKeeper's connectToLeader retries the TCP connection).
//   - An observer does not answer a voter's stale-round notification (a
//     voter always answers a non-voter, so the two would ping-pong).
//   - The DIFF window starts at the snapshot the peer started from, like
//     ZooKeeper's committedLog; there is no txn-log-based DIFF beyond it.
//   - No REVALIDATE (session revalidation is the session package's job).
//   - Reconfiguration: a learner whose leader or role a committed config
//     changes moves at once (a leader the config leaves out steps down
//     after COMMITANDACTIVATE, or right after establishing when its history
//     held the change); a server with a pending config joins a leader a
//     quorum of its active config follows (ZooKeeper's FLE would wait for
//     both, and can wait forever); only voters answer a non-voter's
//     notification (two non-voters would answer each other forever); NEWLEADER
//     carries the leader's active config, not its last seen one. A server
//     no config names (about to join, or removed) follows as a non-voting
//     participant, as QuorumPeer.updateLearnerType makes it. The
//     uncommitted log tail stands for zoo.cfg.dynamic.next.
package zab

package zab

// Ready holds the effects a Peer produced since the last Advance. The host
// carries them out in this order (and calls Advance, see there):
//
//  1. RoleChange: informational (stop serving clients at once when Serving
//     turned false; start only when it turned true).
//  2. InstallSnapshot: load it into the state machine, discard the whole log,
//     write the snapshot; call SnapshotPersisted once it is durable.
//  3. Truncate: cut the log after *Truncate. If the state machine reflects a
//     later zxid, reload it (only a bug switch makes this happen).
//  4. Append: write the entries to the log in order. They need not be durable
//     yet: call Persisted(z) when everything up to z is fsynced. Persisted
//     must never run ahead of the log's durable prefix, nor (after a SNAP)
//     ahead of SnapshotPersisted.
//  5. WriteAcceptedEpoch / WriteCurrentEpoch: write the epoch files; call
//     EpochPersisted once durable.
//  6. Commit: apply the txns to the state machine in order, after their
//     Append was written (it may not be durable: a follower applies a txn
//     the quorum made durable even if its own fsync is pending).
//  7. Messages: send, in order, each on its FIFO link. Messages may go out
//     before any write above is durable: the Peer withholds every message
//     that claims durability (ACK, ACKEPOCH, the NEWLEADER ACK, LEADERINFO)
//     until Persisted/EpochPersisted/SnapshotPersisted said so — unless a bug
//     switch says otherwise, which is the point of those switches.
//  8. Requests, Touches: hand to the leader's prep stage / session tracker.
//  9. SyncDone: answer those syncs (after applying this Ready's Commit).
//
// (Advance resets every field by name: a new field must be added there.)
type Ready struct {
	RoleChange         *RoleState
	InstallSnapshot    *Snapshot
	Truncate           *int64
	Append             []Entry
	WriteAcceptedEpoch *uint32
	WriteCurrentEpoch  *uint32
	Commit             []Entry
	Messages           []Envelope
	Requests           []Request
	Touches            []Touch
	SyncDone           []uint64

	// ActivateConfig is a config that became active (a reconfig txn
	// committed — it is in this Ready's Commit — or a newer config learned
	// from the leader or an election): write it down (ZooKeeper's
	// zoo.cfg.dynamic.<version>), connect to its members and stop serving
	// as what it no longer lets this server be; RoleChange says the rest.
	ActivateConfig *Membership

	// SnapshotInMemory is set only by zk-3642: load InstallSnapshot into
	// the state machine but leave the disk as it is (no snapshot written,
	// no log discarded, no SnapshotPersisted). Later Appends go to the old log.
	SnapshotInMemory bool
	// Replay is set only by zk-2845 and zk-1549, at load: apply these
	// logged but uncommitted txns to the state machine, as ZooKeeper's
	// loadDataBase replays the whole log (before Commit; they are not
	// decisions, so the invariant checker does not count them).
	Replay []Entry
	// Settled is set only by zk-2845 and zk-1549: replayed txns that are
	// now the node's state for good, either because a leader's history
	// covered them (sync finished) or because Truncate cut them from the
	// log and the state machine keeps them anyway (the defect: no reload).
	// The host has nothing to apply; the invariant checker counts them as
	// applied from here on.
	Settled []Entry
}

// IsEmpty reports whether rd holds no effect.
func (rd *Ready) IsEmpty() bool {
	// The lengths summed, not tested one by one: fewer branches, and
	// small enough that HasReady (a drain's every turn) inlines.
	return len(rd.Append)+len(rd.Commit)+len(rd.Messages)+len(rd.Requests)+len(rd.Touches)+
		len(rd.SyncDone)+len(rd.Replay)+len(rd.Settled) == 0 &&
		rd.RoleChange == nil && rd.InstallSnapshot == nil && rd.Truncate == nil &&
		rd.WriteAcceptedEpoch == nil && rd.WriteCurrentEpoch == nil && rd.ActivateConfig == nil
}

// RetainsState reports whether Truncate must leave the state machine as
// it is (zk-2845/zk-1549: it keeps replayed txns from beyond the cut).
func (rd *Ready) RetainsState() bool {
	if rd.Truncate == nil {
		return false
	}
	for _, e := range rd.Settled {
		if e.Zxid > *rd.Truncate {
			return true
		}
	}
	return false
}

// HasReady reports whether Ready would return anything.
func (p *Peer) HasReady() bool {
	return p.statusDirty || !p.out.IsEmpty()
}

// Ready returns the pending effects. Call Advance after carrying them out.
func (p *Peer) Ready() Ready {
	rd := p.out
	if p.statusDirty {
		rd.RoleChange = ptr(p.status)
	}
	p.checkCheap(&rd)
	return rd
}

// Advance tells the peer that rd (the value Ready returned) has been handed
// to the host; the peer forgets those effects. Calling Advance right after
// Ready, before carrying rd out, is fine and lets the host call Propose and
// friends while it handles rd (their effects go into the next Ready); what
// must not happen is another method call between Ready and Advance, whose
// effects Advance would drop.
//
// Advance is a wrapper small enough to inline, so that the 35-word Ready
// it does not read is not copied into the call (once per Ready); advance
// does the work.
func (p *Peer) Advance(rd Ready) { p.advance() }

func (p *Peer) advance() {
	// The next Ready starts from the slices Release handed back, if any
	// (empty; none are shared with a Ready the host still holds). Field by
	// field: most are nil already, and rewriting the whole struct costs
	// write barriers on every field.
	o, sp := &p.out, &p.spare
	o.Append, sp.Append = sp.Append, nil
	o.Commit, sp.Commit = sp.Commit, nil
	o.Messages, sp.Messages = sp.Messages, nil
	o.Requests, sp.Requests = sp.Requests, nil
	o.Touches, sp.Touches = sp.Touches, nil
	o.SyncDone, sp.SyncDone = sp.SyncDone, nil
	if o.RoleChange != nil || o.InstallSnapshot != nil || o.Truncate != nil ||
		o.WriteAcceptedEpoch != nil || o.WriteCurrentEpoch != nil ||
		o.SnapshotInMemory || o.Replay != nil || o.Settled != nil || o.ActivateConfig != nil {
		o.RoleChange, o.InstallSnapshot, o.Truncate, o.ActivateConfig = nil, nil, nil, nil
		o.WriteAcceptedEpoch, o.WriteCurrentEpoch = nil, nil
		o.SnapshotInMemory, o.Replay, o.Settled = false, nil, nil
	}
	p.statusDirty = false
}

// Release hands the slices of rd (a Ready already passed to Advance) back
// to the peer, which reuses their storage for later Readys instead of
// growing new ones on every Advance. Call it only once the host is done
// with rd: Release sets its Append, Commit, Messages, Requests, Touches and
// SyncDone to nil, and copies of those slices are overwritten later (the
// txn bytes and messages they point to are not, and stay valid). Calling
// Release is optional.
func (p *Peer) Release(rd *Ready) {
	sp := &p.spare
	recycle(&sp.Append, &rd.Append)
	recycle(&sp.Commit, &rd.Commit)
	recycle(&sp.Messages, &rd.Messages)
	recycle(&sp.Requests, &rd.Requests)
	recycle(&sp.Touches, &rd.Touches)
	recycle(&sp.SyncDone, &rd.SyncDone)
}

// recycle keeps *s, emptied, as *spare if it is the larger of the two, and
// takes it from the host's Ready (so a use after Release finds nothing
// rather than later effects).
func recycle[T any](spare, s *[]T) {
	if *s == nil {
		return
	}
	if cap(*s) > cap(*spare) {
		if len(*s) > recycleClearAbove {
			// A burst (a sync's history): drop its references (txn
			// bytes, a snapshot) for the GC rather than keep them
			// until later Readys overwrite them.
			clear(*s)
		}
		*spare = (*s)[:0]
	}
	*s = nil
}

// recycleClearAbove is the length above which recycle clears a slice. A
// few stale elements of a short one (the steady state: a message per
// learner) are overwritten by the next Readys; clearing them costs write
// barriers on every Release while the GC runs.
const recycleClearAbove = 16

package server

// Observations the server hands to proc.Env.Emit, for recorders, timelines
// and online invariant checkers. They never affect the server.

// Serving reports that the server accepts clients.
type Serving struct {
	Node string
	Zxid int64
}

// Failed reports that the server stopped serving (bad disk, corrupt state).
type Failed struct {
	Node string
	Err  string
}

// Committed reports a txn applied to the tree.
type Committed struct {
	Node    string
	Zxid    int64
	Type    string
	Session int64  // the txn header's session (clientId)
	Cxid    int32  // the txn header's cxid: the xid of the request it came from
	Digest  uint64 // FNV-1a of the txn bytes
	// Path is a deleteContainer txn's path (the server's own request, which
	// no client history names); Err an error txn's error name. Both are ""
	// for every other txn.
	Path, Err string
}

// SessionExpired reports that the server expired a session.
type SessionExpired struct {
	Node    string
	Session int64
}

// Moment reports that the server has just carried out a named protocol step:
// the windows where real ZooKeeper defects live (a crash right after a
// follower ACKed NEWLEADER, while a SNAP or DIFF is in flight, right after an
// epoch file write, while a snapshot is written, ...). A harness may aim
// faults at them (the simulator's window faults, FoundationDB's BUGGIFY);
// the server never reads them back.
type Moment struct {
	Node string
	Kind MomentKind
}

// MomentKind names a protocol moment.
type MomentKind string

// The moments a server reports. Each is emitted once per step, after the
// step's writes were issued and its messages sent (not yet durable).
const (
	MomentSyncSent        MomentKind = "sync-sent"        // a leader sent DIFF, TRUNC or SNAP to a learner
	MomentNewLeaderSent   MomentKind = "newleader-sent"   // a leader sent NEWLEADER
	MomentUpToDateSent    MomentKind = "uptodate-sent"    // a leader sent UPTODATE
	MomentCommitSent      MomentKind = "commit-sent"      // a leader sent COMMITs (between one learner's and the next's)
	MomentSyncAcked       MomentKind = "sync-acked"       // a learner still syncing sent an ACK (NEWLEADER's, or a synced proposal's)
	MomentSnapReceived    MomentKind = "snap-received"    // a learner took a SNAP (its snapshot not durable yet)
	MomentTruncated       MomentKind = "truncated"        // a learner cut its log (TRUNC)
	MomentEpochWritten    MomentKind = "epoch-written"    // acceptedEpoch or currentEpoch was written (not durable yet)
	MomentSnapshotWriting MomentKind = "snapshot-writing" // a periodic snapshot is being written
)

// Moments lists every MomentKind, in a fixed order.
func Moments() []MomentKind { return append([]MomentKind(nil), momentKinds[:]...) }

// momentIndex indexes momentKinds.
type momentIndex int

const (
	momentSyncSent momentIndex = iota
	momentNewLeaderSent
	momentUpToDateSent
	momentCommitSent
	momentSyncAcked
	momentSnapReceived
	momentTruncated
	momentEpochWritten
	momentSnapshotWriting
	momentCount
)

var momentKinds = [momentCount]MomentKind{MomentSyncSent, MomentNewLeaderSent, MomentUpToDateSent, MomentCommitSent,
	MomentSyncAcked, MomentSnapReceived, MomentTruncated, MomentEpochWritten, MomentSnapshotWriting}

// emitMoment reports moment k. The notes are boxed once per process: a
// leader reaches commit-sent on every write, and Emit takes an interface.
func (s *Server) emitMoment(k momentIndex) {
	if s.moments == nil {
		s.moments = make([]any, momentCount)
		for i := range s.moments {
			s.moments[i] = Moment{Node: s.env.Name(), Kind: momentKinds[i]}
		}
	}
	s.env.Emit(s.moments[k])
}

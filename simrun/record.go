package simrun

import (
	"strings"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/sim"
)

// recorder collects the history and role changes of a run. It is a sim
// observer, so it sees everything in execution order.
type recorder struct {
	ops     opLog
	roles   []rundir.RoleChange
	role    map[string]server.RoleChanged // latest per node
	config  server.ConfigActivated        // the highest-versioned config a server activated (at first the initial one)
	servers map[string]bool
	commits int
	inv     *zab.Invariants
	// lastOK is when each worker last completed an operation successfully.
	lastOK map[string]int64
	// lastClose is the highest closeSession zxid recorded: the first
	// server to apply a closeSession is the one whose quorum committed it
	// (the leader, or a standalone server), and later applications of it
	// (learners, replays after restarts) are not new closings.
	lastClose int64
	// txns, when set, makes the recorder write a "txn" cluster record for
	// every txn the quorum commits (the api checker replays them); lastTxn
	// is the highest zxid written.
	txns    bool
	lastTxn int64
	// onMoment, if set, is called when a server reaches a protocol moment
	// (window faults).
	onMoment func(server.Moment)
	// onFailed is called when a server stops serving on its own (disk
	// error, corrupt state): the runner's supervisor restarts it.
	onFailed func(failure)
}

// failure is a server that stopped serving on its own.
type failure struct {
	node, reason string
	kind         failureKind
}

// failureKind says why a server stopped serving, as the supervisor tells
// the cases apart.
type failureKind uint8

const (
	// failedExit: the server exits (an fsync error, as ZooKeeper does);
	// restarting it is the remedy.
	failedExit failureKind = iota
	// failedCorrupt: its data is corrupt and it refuses to start; an
	// ensemble member's data directory is cleared (the admin guide's
	// remedy).
	failedCorrupt
)

// failureOf classifies a server's Failed note. The server reports the
// error as text, so this is the one place that reads it.
func failureOf(node string, n server.Failed) failure {
	f := failure{node: node, reason: n.Err}
	if strings.Contains(n.Err, "corrupt") {
		f.kind = failedCorrupt
	}
	return f
}

func newRecorder(servers []string) *recorder {
	r := &recorder{servers: map[string]bool{}, role: map[string]server.RoleChanged{}, inv: zab.NewInvariants(), lastOK: map[string]int64{}}
	for _, s := range servers {
		r.servers[s] = true
	}
	return r
}

// Observes implements sim.KindObserver: the recorder reads notes and
// lifecycle changes only, so the world need not build a record of every
// delivered event for it.
func (r *recorder) Observes(k sim.RecordKind) bool {
	return k == sim.RecordNote || k == sim.RecordLifecycle
}

func (r *recorder) Observe(rec *sim.Record) {
	switch rec.Kind {
	case sim.RecordNote:
		r.note(rec)
	case sim.RecordLifecycle:
		if r.servers[rec.Node] {
			r.lifecycle(rec)
		}
	}
}

func (r *recorder) note(rec *sim.Record) {
	switch n := rec.Note.(type) {
	case history.Op:
		n.Time = int64(rec.At)
		r.ops.add(n)
		if n.Type == history.OK {
			r.lastOK[rec.Node] = n.Time
		}
	case server.RoleChanged:
		r.role[rec.Node] = n
		r.addRole(rec, rundir.Role(n.Role), !n.Serving && n.Role != string(rundir.RoleLooking), int64(n.Epoch))
	case server.Serving:
		if _, replicated := r.role[rec.Node]; !replicated {
			r.addRole(rec, rundir.RoleStandalone, false, 0)
		}
	case server.Failed:
		r.addRole(rec, rundir.RoleFailed, false, 0)
		if r.onFailed != nil {
			r.onFailed(failureOf(rec.Node, n))
		}
	case server.Moment:
		if r.onMoment != nil {
			r.onMoment(n)
		}
	case server.ConfigActivated:
		if n.Version > r.config.Version {
			r.config = n
		}
	case server.Committed:
		r.commits++
		if n.Type == closeSessionType && n.Zxid > r.lastClose {
			r.sessionClosed(rec, n)
		}
		if r.txns && n.Zxid > r.lastTxn {
			r.txnCommitted(rec, n)
		}
	default:
		r.inv.Observe(rec.Note) // zab observations
	}
}

// opLog is the history under construction, in chunks of opChunk records:
// appending never copies earlier records (a growing slice of 128-byte
// records with pointers copies the history again at every growth, paying GC
// write barriers), and all makes the contiguous history once, at the end.
type opLog struct {
	chunks [][]history.Op
	n      int
}

// opChunk is 128 records (16 KiB): a small allocation, zeroed just before
// it fills, so the records are written to memory still in cache (a large
// chunk's tail was cold by the time it filled).
const opChunk = 128

// add appends op as the next record, setting its Index.
func (l *opLog) add(op history.Op) {
	op.Index = l.n
	if k := len(l.chunks); k == 0 || len(l.chunks[k-1]) == opChunk {
		l.chunks = append(l.chunks, make([]history.Op, 0, opChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, op)
	l.n++
}

// all returns the history in order, as one slice.
func (l *opLog) all() []history.Op {
	if l.n == 0 {
		return nil
	}
	out := make([]history.Op, 0, l.n)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}

// closeSessionType is server.Committed's Type of a closeSession txn.
var closeSessionType = wire.OpCloseSession.String()

// sessionClosed records the quorum's commit of a session's closing: the
// sessions checker holds every server to it (no operation of the session
// invoked afterwards may succeed).
func (r *recorder) sessionClosed(rec *sim.Record, n server.Committed) {
	r.lastClose = n.Zxid
	r.ops.add(history.Op{Time: int64(rec.At), Process: history.ClusterProcess, Type: history.Info,
		F: history.FSessionClosed, Node: n.Node, Zxid: n.Zxid, Session: n.Session})
}

// txnCommitted records a txn's first application, which is its quorum's
// commit (as for sessionClosed).
func (r *recorder) txnCommitted(rec *sim.Record, n server.Committed) {
	r.lastTxn = n.Zxid
	v, _ := history.EncodeValue(history.TxnValue{Type: n.Type, Cxid: n.Cxid, Path: n.Path, Err: n.Err})
	r.ops.add(history.Op{Time: int64(rec.At), Process: history.ClusterProcess, Type: history.Info,
		F: history.FTxn, Node: n.Node, Zxid: n.Zxid, Session: n.Session, Value: v})
}

func (r *recorder) lifecycle(rec *sim.Record) {
	switch rec.Lifecycle {
	case sim.Crashed:
		delete(r.role, rec.Node)
		r.addRole(rec, rundir.RoleDown, false, 0)
	case sim.Started, sim.Restarted:
		r.addRole(rec, rundir.RoleStarting, false, 0)
	case sim.Paused:
		r.addRole(rec, rundir.RolePaused, false, 0)
	case sim.Resumed:
		// The role it had when paused, drawn as serving: the server tells
		// whether it still serves with its next role change.
		if rc, ok := r.role[rec.Node]; ok {
			r.addRole(rec, rundir.Role(rc.Role), false, int64(rc.Epoch))
		}
	}
}

func (r *recorder) addRole(rec *sim.Record, role rundir.Role, syncing bool, epoch int64) {
	r.roles = append(r.roles, rundir.RoleChange{TimeNS: int64(rec.At), Node: rec.Node, Role: role, Syncing: syncing, Epoch: epoch})
}

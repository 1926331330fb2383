package server

import (
	"errors"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/storage"
	"github.com/zabsim/zabsim/server/txn"
)

// replication is the seam between the request pipeline and the way a write
// becomes durable and committed. The pipeline is one for every server:
// prep (on the server that preps writes) → replication → apply → reply.
// Behind the seam a standalone server logs and fsyncs its txns itself and
// applies them once durable (standalone); an ensemble member goes through
// Zab (ensemble): its leader preps its own clients' writes directly and
// proposes them, as ZooKeeper's leader runs PrepRequestProcessor itself,
// and only learners forward writes to the leader, whose txns come back as
// commits. Either way committed txns reach Server.apply in zxid order.
type replication interface {
	// serving reports whether clients may connect: always standalone; an
	// ensemble member while it leads or follows an established leader.
	serving() bool
	// preps reports whether this server preps writes, expires sessions
	// and cleans up containers: standalone, or an ensemble's serving
	// leader. A server that does not prep forwards writes.
	preps() bool
	// owner is the owner a session's write is prepped for on this server
	// (request.getOwner()): nil standalone (the session is owned by its
	// connection, checked at attach), this server on a leader.
	owner() *session.Owner
	// nextZxid is the zxid the next prepped txn gets.
	nextZxid() int64
	// propose hands on a prepped txn: logged and fsynced, or proposed to
	// Zab. Server.apply sees it once it is committed.
	propose(t txn.Txn)
	// forward hands a client write of c's session to the leader (only
	// where !preps()); forwardSession asks the leader for a session.
	forward(c *conn, xid int32, frame []byte) error
	forwardSession(c *conn, id int64) error
	// sync starts a linearizable sync for r (ensemble): Server.syncDone
	// answers it. It reports false where sync is a plain read (standalone).
	sync(r *request) (bool, error)
	// touched renews c's session where the leader must hear of it (a
	// learner queues the touch).
	touched(c *conn)
	// reopened tells the leader that a client resumed its session id on
	// c; it reports true when the connect response waits for the leader's
	// confirmation (a learner's revalidation).
	reopened(c *conn, id int64) (wait bool)
	// durable takes a storage completion (an fsync, a snapshot, an epoch
	// file made durable).
	durable(comp storage.Completion)
	// snapshotSessions are the sessions a snapshot carries.
	snapshotSessions() map[int64]int32
	// applied follows every applied txn (an ensemble keeps its view of
	// global sessions).
	applied(t txn.Txn)
	// event takes a connection event of the replication's own links;
	// received takes bytes of them and timer its timers: each reports
	// whether the event was its own.
	event(ev proc.Event) bool
	received(e proc.Received) bool
	timer(tag any) bool
	// catchUp hands a process woken up late the time it was away.
	catchUp(monoNS int64) // monoNS: Env.Mono now
	// flush carries out the effects the last calls left pending.
	flush()
}

// standalone is the replication of a server without peers: a prepped txn is
// appended to the log, a group-commit fsync makes it durable, and it is
// applied then (ZooKeeper's SyncRequestProcessor → FinalRequestProcessor).
type standalone struct{ s *Server }

func (standalone) serving() bool               { return true }
func (standalone) preps() bool                 { return true }
func (standalone) owner() *session.Owner       { return nil }
func (r standalone) nextZxid() int64           { return r.s.lastZxid + 1 }
func (standalone) touched(*conn)               {}
func (standalone) applied(txn.Txn)             {}
func (standalone) event(proc.Event) bool       { return false }
func (standalone) received(proc.Received) bool { return false }
func (standalone) timer(any) bool              { return false }
func (standalone) catchUp(int64)               {}
func (standalone) flush()                      {}

func (standalone) forward(*conn, int32, []byte) error { return errStandalone }
func (standalone) forwardSession(*conn, int64) error  { return errStandalone }
func (standalone) sync(*request) (bool, error)        { return false, nil }

// reopened: a standalone server is the leader; nothing waits.
func (standalone) reopened(*conn, int64) bool { return false }

func (r standalone) propose(t txn.Txn) {
	s := r.s
	if err := s.store.Append(t.Header.Zxid, t.Marshal()); err != nil {
		s.fail(err)
		return
	}
	s.inflight = append(s.inflight, t)
	s.kickSync()
}

func (r standalone) durable(comp storage.Completion) {
	s := r.s
	if comp.SnapshotDone {
		s.snapshotting = false
		s.purge()
	}
	s.commitDurable()
	s.kickSync()
}

func (r standalone) snapshotSessions() map[int64]int32 { return r.s.sessionTimeouts() }

// errStandalone: a standalone server has no leader to forward to.
var errStandalone = errors.New("standalone: no leader to forward to")

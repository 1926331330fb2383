package server

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/monitor"
	"github.com/zabsim/zabsim/server/prep"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/storage"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// Server is a standalone ZooKeeper-compatible server as a proc.Process.
type Server struct {
	cfg Config
	env proc.Env

	tree     *tree.Tree
	store    *storage.Store
	sessions *session.Tracker
	failed   error // set when recovery or the disk failed: the server stops serving

	conns       map[proc.ConnID]*conn
	sessionConn map[int64]*conn
	nextWatcher tree.Watcher

	// Requests waiting for their txn to be applied, and connections
	// waiting for their createSession.
	pending         map[writeKey]*request
	pendingSessions map[int64]*conn

	lastZxid int64 // highest zxid assigned by prep
	prep     *prep.Processor

	// Writes waiting for durability, in zxid order.
	inflight     []txn.Txn // prepped txns on their way through log → apply (standalone)
	syncTarget   int64     // the log zxid the running group-commit fsync covers
	sinceSnap    int
	snapshotting bool

	stats monitor.Stats // ServerStats' counters

	// replyEnc is scratch space for encoding replies (beginReply,
	// endReply). Every reply is copied out of it before it is kept or sent
	// (the host takes ownership of what Send is given), so the scratch can
	// be reused at once; the copy is the reply's one allocation.
	replyEnc wire.Encoder

	// startMonoNS is Env.Mono when the process started: elapsedMS counts
	// from it. Session expiry runs on elapsed monotonic time, as
	// ZooKeeper's tracker uses Time.currentElapsedTime since
	// ZOOKEEPER-1366: a wall-clock step must not expire every session, and
	// a process stopped for longer than a session's timeout must find it
	// overdue when it wakes up (a count of its own tick firings would not
	// have moved while it was stopped).
	startMonoNS int64
	// expiredAtMS is the elapsed time of the latest expiry pass (tick or
	// catchUp).
	expiredAtMS int64

	// repl is how prepped txns become durable and committed: standalone,
	// or the ensemble (see replication).
	repl          replication
	ens           *ensemble       // the ensemble's state; nil for a standalone server
	ensGlobalSeed map[int64]int32 // sessions in the recovered snapshot

	// moments holds the Moment notes, boxed once (emitMoment).
	moments []any

	// restored holds the sessions this process recovered from its own
	// snapshot and log at start; only the zk-1367 switch reads it.
	restored map[int64]bool
	// recent holds the last fuzzyWindow+1 applied txns; only the zk-1046
	// switch keeps it, to write fuzzy snapshots.
	recent []recentTxn
}

// recentTxn is one applied txn as a fuzzy snapshot needs it: its zxid and,
// for a plain create, the parent whose cversion it moved.
type recentTxn struct {
	zxid   int64
	parent string
}

// fuzzyWindow is how many txns a zk-1046 fuzzy snapshot holds beyond its
// label: the txns ZooKeeper applies while it serializes the tree.
const fuzzyWindow = 8

// writeKey finds the local request a committed txn answers, as ZooKeeper's
// CommitProcessor matches commits to pending requests by session and cxid.
type writeKey struct {
	session int64
	cxid    int32
}

// tickTag tags the server's periodic timer.
type tickTag struct{}

// containerTag tags the ContainerManager's timer.
type containerTag struct{}

// New returns a server for cfg, or an error when cfg is unusable.
func New(cfg Config) (*Server, error) {
	c, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	return &Server{cfg: c}, nil
}

// Factory returns a proc.Factory building servers with cfg. It validates cfg
// once, up front.
func Factory(cfg Config) (proc.Factory, error) {
	if _, err := New(cfg); err != nil {
		return nil, err
	}
	return func() proc.Process {
		s, _ := New(cfg)
		return s
	}, nil
}

// Start recovers durable state and begins serving.
func (s *Server) Start(env proc.Env) {
	s.env = env
	s.startMonoNS = env.Mono()
	s.conns = map[proc.ConnID]*conn{}
	s.sessionConn = map[int64]*conn{}
	s.pending = map[writeKey]*request{}
	s.pendingSessions = map[int64]*conn{}
	s.repl = standalone{s}
	s.prep = prep.New(prepHost{s}, prep.Options{ExtendedTypes: s.cfg.ExtendedTypesEnabled,
		StandaloneDisabled: s.cfg.StandaloneDisabled, SkipACL: s.cfg.SkipACL, Bugs: s.cfg.Bugs})
	rec, err := s.recover()
	if err != nil {
		s.fail(fmt.Errorf("recovery: %w", err))
		return
	}
	if err := env.Listen(s.cfg.ClientAddr); err != nil {
		s.fail(fmt.Errorf("listen %s: %w", s.cfg.ClientAddr, err))
		return
	}
	s.armTick()
	if len(s.cfg.Peers) > 0 {
		if err := s.startEnsemble(rec); err != nil {
			s.fail(err)
		}
		env.After(msToDuration(s.cfg.ContainerCheckIntervalMS), containerTag{})
		return
	}
	env.Emit(Serving{Node: env.Name(), Zxid: s.lastZxid})
	env.After(msToDuration(s.cfg.ContainerCheckIntervalMS), containerTag{})
}

func (s *Server) fail(err error) {
	s.failed = err
	s.env.Logf("server stopped: %v", err)
	s.env.Emit(Failed{Node: s.env.Name(), Err: err.Error()})
	for _, id := range slices.Sorted(maps.Keys(s.conns)) {
		s.env.Close(id)
	}
	s.conns = map[proc.ConnID]*conn{}
}

// nowMS is the wall clock in milliseconds: txn times (ctime, mtime) and
// TTL/container ages, which ZooKeeper also takes from the wall clock.
func (s *Server) nowMS() int64 { return s.env.Now() / 1e6 }

// tickMS is the period of the server's tick timer.
func (s *Server) tickMS() int64 { return max(s.cfg.TickTimeMS/2, 1) }

// elapsedMS is monotonic time in milliseconds since the process started.
// Before Start (no Env yet) it is 0.
func (s *Server) elapsedMS() int64 {
	if s.env == nil {
		return 0
	}
	return (s.env.Mono() - s.startMonoNS) / 1e6
}

func (s *Server) armTick() {
	// Half a tick keeps expiry within one tick of ZooKeeper's bucket edges.
	s.env.After(msToDuration(s.tickMS()), tickTag{})
}

// recover loads the latest snapshot and, standalone, replays the log over
// it. In an ensemble the log past the snapshot is handed to Zab instead: the
// tree holds only txns known to be committed, and the new leader decides the
// rest.
func (s *Server) recover() (*storage.Recovery, error) {
	store, rec, err := storage.Open(s.env.Disk(), storage.Options{})
	if err != nil {
		return nil, err
	}
	// Without a valid snapshot the log must start at the first txn of
	// history (counter 1): a crash or fsync error while a SNAP-synced
	// learner's new snapshot was not yet durable, after the old files were
	// cut, left a log starting past it and no snapshot, and the server
	// claimed that zxid over an empty tree. ZooKeeper refuses the same ("No
	// snapshot found, but there are log entries. Something is broken!").
	if len(rec.Records) > 0 && !rec.HasSnapshot && rec.Records[0].Zxid&0xffffffff != 1 {
		return nil, fmt.Errorf("%w: the log starts at %#x with no snapshot before it", storage.ErrCorrupt, rec.Records[0].Zxid)
	}
	s.store = store
	t := tree.New()
	timeouts := map[int64]int32{}
	if rec.HasSnapshot {
		t, timeouts, err = tree.Deserialize(rec.Snapshot)
		if err != nil {
			return nil, fmt.Errorf("snapshot %#x: %w", rec.SnapshotZxid, err)
		}
	}
	t.SetStaleReplay(s.cfg.Bugs.Has(bugs.ZK1046))
	t.SetProviders(s.providers())
	if len(s.cfg.Peers) > 0 {
		s.tree = t
		s.lastZxid = t.LastZxid()
		s.noteRestored(timeouts, rec.Records)
		if err := s.restoreSessions(timeouts); err != nil {
			return nil, err
		}
		s.ensGlobalSeed = timeouts
		return rec, nil
	}
	for _, r := range rec.Records {
		tx, err := txn.Unmarshal(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("log record %#x: %w", r.Zxid, err)
		}
		t.ApplyTxn(tx)
		trackReplayedSession(timeouts, tx)
		// A txn made durable just before a crash may never have been
		// applied (the crash came before its fsync completion reached the
		// process): its first application is this one, and observers
		// that record each txn's first application must see it. Those
		// applied before the crash are seen again; they dedupe by zxid.
		s.env.Emit(committedNote(s.env.Name(), tx, zab.Digest(r.Payload)))
	}
	s.tree = t
	s.lastZxid = rec.LastZxid
	s.noteRestored(timeouts, nil)
	return rec, s.restoreSessions(timeouts)
}

// noteRestored records, for zk-1367, the sessions recovered at start: those
// of the snapshot and those a log record (past the snapshot, re-delivered by
// Zab in an ensemble) creates and no later record closes.
func (s *Server) noteRestored(snapshot map[int64]int32, tail []storage.Record) {
	if !s.cfg.Bugs.Has(bugs.ZK1367) {
		return
	}
	live := map[int64]int32{}
	for id, to := range snapshot {
		live[id] = to
	}
	for _, r := range tail {
		if tx, err := txn.Unmarshal(r.Payload); err == nil {
			trackReplayedSession(live, tx)
		}
	}
	s.restored = map[int64]bool{}
	for id := range live {
		s.restored[id] = true
	}
}

func trackReplayedSession(timeouts map[int64]int32, tx txn.Txn) {
	switch r := tx.Record.(type) {
	case *txn.CreateSession:
		timeouts[tx.Header.ClientID] = r.TimeoutMS
	case *txn.CloseSession:
		delete(timeouts, tx.Header.ClientID)
	}
}

func (s *Server) restoreSessions(timeouts map[int64]int32) error {
	cfg := session.Config{TickTimeMS: s.cfg.TickTimeMS, MinSessionTimeoutMS: s.cfg.MinSessionTimeoutMS, MaxSessionTimeoutMS: s.cfg.MaxSessionTimeoutMS}
	// Session ids mix in wall time (as ZooKeeper's do); expiry runs on
	// elapsed time.
	tr, err := session.NewTracker(cfg, s.cfg.ID, s.nowMS())
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(timeouts))
	for id := range timeouts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		s.trackRestored(tr, id, timeouts[id])
	}
	s.sessions = tr
	return nil
}

// trackRestored adds a known session to a tracker and arms its expiry. With
// zk-1367 a session this process restored from its own disk is not armed
// (ZOOKEEPER-1367: after a whole-cluster restart the leader never expires
// them): if its client is gone, its ephemerals stay forever. A touch (the
// client reconnecting) arms it.
func (s *Server) trackRestored(tr *session.Tracker, id int64, timeoutMS int32) {
	if s.restored[id] {
		tr.AddUnarmed(id, timeoutMS)
		return
	}
	tr.Add(id, timeoutMS, s.sessionClockMS())
}

// catchUp runs the periodic work a stopped process owes before it handles
// anything else: woken up late (SIGSTOP, a long pause), the server first
// lets Zab see how long it was away — a deposed leader steps down, a
// learner that lost its leader stops serving — and then expires the
// sessions that became overdue meanwhile, so no request of theirs is
// served first. Its timers fire late too, but input that arrived during
// the stop may come before them. On time (within two tick periods of the
// last pass) it does nothing: the timers are due, not overdue.
//
// It runs before every input, so it reads the clock once for both checks.
func (s *Server) catchUp() {
	now := s.env.Mono()
	s.repl.catchUp(now)
	if (now-s.startMonoNS)/1e6-s.expiredAtMS >= 2*s.tickMS() { // elapsedMS
		s.expire()
	}
}

// Handle dispatches one event.
func (s *Server) Handle(ev proc.Event) {
	switch e := ev.(type) { // the frequent events have unboxed entry points
	case proc.Received:
		s.HandleReceived(e)
		return
	case proc.TimerFired:
		s.HandleTimer(e)
		return
	case proc.SyncDone:
		s.HandleSyncDone(e)
		return
	}
	if s.failed != nil {
		if a, ok := ev.(proc.Accepted); ok {
			s.env.Close(a.Conn)
		}
		return
	}
	s.catchUp()
	if s.repl.event(ev) {
		return
	}
	switch e := ev.(type) {
	case proc.Accepted:
		s.accept(e)
	case proc.Closed:
		if c := s.conns[e.Conn]; c != nil {
			s.dropConn(c)
		}
	}
}

// The simulator delivers the frequent events through these unboxed.
var (
	_ proc.ReceivedHandler = (*Server)(nil)
	_ proc.TimerHandler    = (*Server)(nil)
	_ proc.SyncDoneHandler = (*Server)(nil)
)

// HandleReceived takes bytes from a peer link or a client connection
// (proc.ReceivedHandler: Handle without boxing the event).
func (s *Server) HandleReceived(e proc.Received) {
	if s.failed != nil {
		return
	}
	s.catchUp()
	if s.repl.received(e) {
		return
	}
	if c := s.conns[e.Conn]; c != nil {
		s.receive(c, e.Bytes)
	}
}

// HandleTimer runs the server's periodic work (proc.TimerHandler).
func (s *Server) HandleTimer(e proc.TimerFired) {
	if s.failed != nil {
		return
	}
	switch e.Tag.(type) {
	case tickTag:
		s.expire()
		s.armTick()
	case containerTag:
		s.catchUp()
		s.checkContainers()
		s.env.After(msToDuration(s.cfg.ContainerCheckIntervalMS), containerTag{})
	default:
		s.repl.timer(e.Tag)
	}
}

// HandleSyncDone finishes an fsync (proc.SyncDoneHandler).
func (s *Server) HandleSyncDone(e proc.SyncDone) {
	if s.failed != nil {
		return
	}
	s.catchUp()
	s.syncDone(e)
}

// expire closes the sessions whose deadline passed, when this server
// decides expiry.
func (s *Server) expire() {
	s.expiredAtMS = s.elapsedMS()
	if !s.repl.preps() {
		return
	}
	for _, id := range s.expireSessions() {
		s.env.Emit(SessionExpired{Node: s.env.Name(), Session: id})
		s.submitCloseSession(id)
	}
}

// sessionClockMS is the clock session deadlines run on: elapsed monotonic
// time, as ZooKeeper's tracker uses since ZOOKEEPER-1366. With zk-1366 it is
// the wall clock, as before that fix, so a clock step on the leader moves
// every deadline: forwards, it expires every session at once.
func (s *Server) sessionClockMS() int64 {
	if s.cfg.Bugs.Has(bugs.ZK1366) {
		return s.nowMS()
	}
	return s.elapsedMS()
}

// expireSessions takes the sessions whose deadline passed. Expiry marks
// them closing, so a request of theirs prepped before the closeSession is
// applied fails; zk-1208 skips the mark.
func (s *Server) expireSessions() []int64 {
	if s.cfg.Bugs.Has(bugs.ZK1208) {
		return s.sessions.ExpiredOpen(s.sessionClockMS())
	}
	return s.sessions.Expired(s.sessionClockMS())
}

// checkContainers is ZooKeeper's ContainerManager: it submits a
// deleteContainer for every empty container that once had children and every
// expired TTL node; prep re-checks each, so a node that gained a child in the
// meantime fails harmlessly with NOTEMPTY.
func (s *Server) checkContainers() {
	if !s.repl.preps() {
		return
	}
	for _, path := range s.tree.CleanupCandidates(s.nowMS(), s.cfg.ContainerMaxNeverUsedMS) {
		s.repl.propose(s.prep.DeleteContainer(s.nextHeader(0, 0, wire.OpDeleteContainer), path))
	}
}

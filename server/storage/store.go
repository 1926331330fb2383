package storage

import (
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/zabsim/zabsim/proc"
)

// Options configure a Store. Zero fields take the defaults noted.
type Options struct {
	// RollBytes starts a new log file once the current one holds at least
	// this many bytes (default 64 MiB, ZooKeeper's preallocation size).
	RollBytes int64
	// RollRecords starts a new log file once the current one holds this many
	// records (default 0: no record limit). ZooKeeper rolls on snapshots;
	// a small limit here exercises rolls in tests.
	RollRecords int
	// MaxRecordBytes bounds a record's payload (default 4 MiB). Recovery
	// treats a length field beyond it as damage, so garbage cannot make it
	// allocate.
	MaxRecordBytes int
	// TruncateCorrupt makes Open cut the log at the first damaged record
	// even when valid records follow (losing them), instead of failing with
	// ErrCorrupt. The cut is reported in RecoveryStats.
	TruncateCorrupt bool
	_               struct{}
}

const (
	defaultRollBytes      = 64 << 20
	defaultMaxRecordBytes = 4 << 20
)

func (o Options) withDefaults() Options {
	if o.RollBytes <= 0 {
		o.RollBytes = defaultRollBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = defaultMaxRecordBytes
	}
	return o
}

// Completion says what a SyncDone made durable. Fields not touched by the
// event keep their zero value, except DurableZxid, which is always current.
type Completion struct {
	// Known is false when the sync was not the store's.
	Known bool
	// DurableZxid is the highest zxid such that it and every record before
	// it are durable; LogAdvanced reports whether this event raised it.
	DurableZxid int64
	LogAdvanced bool
	// TruncateDone reports that a TRUNC's cut inside a file became durable;
	// until then a crash may bring the cut records back (see TruncatePending).
	TruncateDone bool
	// SnapshotDone reports that snapshot.<SnapshotZxid> is durable and in
	// place.
	SnapshotDone bool
	SnapshotZxid int64
	// AcceptedEpochDone / CurrentEpochDone report that the epoch file now
	// durably holds the value given.
	AcceptedEpochDone bool
	AcceptedEpoch     int64
	CurrentEpochDone  bool
	CurrentEpoch      int64
}

type snapWrite struct {
	id        proc.SyncID
	zxid      int64
	cancelled bool // a TRUNC below its zxid arrived while it was in flight
}

// Store is a server's durable state. It is a state machine driven by calls
// and by SyncDone events; it never blocks.
type Store struct {
	disk      proc.Disk
	opts      Options
	log       txnLog
	snapshots []int64 // durable, valid, ascending
	snapWrite []snapWrite
	accepted  epochFile
	current   epochFile
	failed    error
}

func newStore(disk proc.Disk, opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{
		disk: disk,
		opts: opts,
		log: txnLog{
			disk:           disk,
			rollBytes:      opts.RollBytes,
			rollRecords:    opts.RollRecords,
			maxRecordBytes: opts.MaxRecordBytes,
		},
		accepted: epochFile{name: acceptedEpochF},
		current:  epochFile{name: currentEpochF},
	}
}

// fail makes the store fail-stop on a disk error and returns the error.
func (s *Store) fail(err error) error {
	if err == nil {
		return nil
	}
	if s.failed == nil {
		s.failed = fmt.Errorf("%w: %w", ErrFailed, err)
	}
	return s.failed
}

// Err returns the disk error that stopped the store, or nil.
func (s *Store) Err() error { return s.failed }

// Append adds a record to the log. zxids must increase strictly. The record
// is not durable until a Sync called after it completes.
func (s *Store) Append(zxid int64, payload []byte) error {
	if s.failed != nil {
		return s.failed
	}
	err := s.log.append(zxid, payload)
	if err == nil || isCallerError(err) {
		return err
	}
	return s.fail(err)
}

func isCallerError(err error) bool {
	return errors.Is(err, ErrZxidOrder) || errors.Is(err, ErrTooLarge)
}

// Sync starts making every record appended so far durable, with one disk
// sync however many records that is (group commit). HandleSyncDone reports
// the new DurableZxid when it completes.
func (s *Store) Sync() error {
	if s.failed != nil {
		return s.failed
	}
	s.log.sync()
	return nil
}

// LastZxid is the highest zxid appended (durable or not), or the recovered
// snapshot's zxid if that is higher.
func (s *Store) LastZxid() int64 { return s.log.lastZxid }

// DurableZxid is the highest zxid below which the whole log is durable.
// Records recovered by Open count as durable.
func (s *Store) DurableZxid() int64 { return s.log.durableZxid }

// FirstLogZxid is the zxid of the oldest record still in the log: a peer
// behind it needs a snapshot, not a DIFF.
func (s *Store) FirstLogZxid() (int64, bool) {
	for _, f := range s.log.files {
		if f.records > 0 {
			return f.firstZxid, true
		}
	}
	if len(s.log.waiting) > 0 {
		return s.log.waiting[0].Zxid, true
	}
	return 0, false
}

// ReadFrom yields the log's records with Zxid >= zxid in order, durable or
// not (a DIFF source). It reads one file at a time; do not mutate the store
// while iterating.
func (s *Store) ReadFrom(zxid int64) iter.Seq2[Record, error] { return s.log.readFrom(zxid) }

// TruncateAfter removes every record above zxid (Zab's TRUNC), and every
// snapshot above it, as ZooKeeper's FileTxnSnapLog.truncateLog. Removed
// files are gone at once; a cut inside a file becomes durable with a sync
// (Completion.TruncateDone), and no later record is reported durable before
// it is. A follower must not acknowledge NEWLEADER while TruncatePending:
// a crash before then can bring the cut records back.
func (s *Store) TruncateAfter(zxid int64) error {
	if s.failed != nil {
		return s.failed
	}
	for i := range s.snapWrite {
		if s.snapWrite[i].zxid > zxid {
			s.snapWrite[i].cancelled = true
		}
	}
	for len(s.snapshots) > 0 && s.snapshots[len(s.snapshots)-1] > zxid {
		last := s.snapshots[len(s.snapshots)-1]
		if err := s.disk.Remove(snapName(last)); err != nil {
			return s.fail(err)
		}
		s.snapshots = s.snapshots[:len(s.snapshots)-1]
	}
	return s.fail(s.log.truncateAfter(zxid))
}

// WriteSnapshot starts writing a snapshot: the payload goes to a temp file,
// which is synced and then renamed to snapshot.<zxid hex>; HandleSyncDone
// reports SnapshotDone when it is in place.
//
// The contract that makes a fuzzy snapshot correct: zxid must be a txn that
// was applied to the state before serialization began, and every txn after
// it must stay in the log (or arrive again by DIFF) until a later snapshot
// replaces this one. Recovery replays every log record above zxid over the
// payload, so txns applied while the payload was being serialized are
// applied twice: applying a txn must be idempotent, as ZooKeeper's DataTree
// replay is. When installing a leader's snapshot (SNAP), call TruncateAfter
// first if the log may hold records above zxid from another history.
func (s *Store) WriteSnapshot(zxid int64, payload []byte) error {
	if s.failed != nil {
		return s.failed
	}
	if slices.ContainsFunc(s.snapWrite, func(w snapWrite) bool { return w.zxid == zxid }) {
		// Its temp file is in flight: rewriting it could let the first
		// sync's rename put undurable bytes in place.
		return fmt.Errorf("%w: snapshot %#x", ErrSnapshotInFlight, zxid)
	}
	tmp := snapName(zxid) + tmpSuffix
	if err := s.disk.WriteFile(tmp, encodeSnapshot(zxid, payload)); err != nil {
		return s.fail(err)
	}
	s.snapWrite = append(s.snapWrite, snapWrite{id: s.disk.Sync(tmp), zxid: zxid})
	return nil
}

// Snapshots returns the zxids of the valid, durable snapshots, ascending.
func (s *Store) Snapshots() []int64 { return slices.Clone(s.snapshots) }

// SetAcceptedEpoch starts writing acceptedEpoch durably; HandleSyncDone
// reports AcceptedEpochDone. A value set while a write is in flight is
// written after it; only the latest value is kept.
func (s *Store) SetAcceptedEpoch(epoch int64) error {
	return s.setEpoch(&s.accepted, epoch)
}

// SetCurrentEpoch is SetAcceptedEpoch for currentEpoch.
func (s *Store) SetCurrentEpoch(epoch int64) error {
	return s.setEpoch(&s.current, epoch)
}

func (s *Store) setEpoch(f *epochFile, epoch int64) error {
	if s.failed != nil {
		return s.failed
	}
	return s.fail(f.set(s.disk, epoch))
}

// AcceptedEpoch returns the latest value set (durable or not) and the latest
// durable value.
func (s *Store) AcceptedEpoch() (latest, durable int64) { return s.accepted.value, s.accepted.durable }

// CurrentEpoch returns the latest value set and the latest durable value.
func (s *Store) CurrentEpoch() (latest, durable int64) { return s.current.value, s.current.durable }

// TruncatePending reports whether a TRUNC's cut is not yet durable.
func (s *Store) TruncatePending() bool { return s.log.cutsPending > 0 }

// Pending reports whether any write the store started is still waiting for
// its sync.
func (s *Store) Pending() bool {
	return len(s.log.inflight) > 0 || len(s.log.waiting) > 0 || len(s.snapWrite) > 0 ||
		s.accepted.writing || s.current.writing
}

// HandleSyncDone takes a SyncDone event from the host and reports what it
// made durable. A failed sync makes the store fail-stop (ErrFailed).
func (s *Store) HandleSyncDone(ev proc.SyncDone) (Completion, error) {
	c := Completion{DurableZxid: s.log.durableZxid}
	if !s.owns(ev.ID) {
		return c, nil
	}
	c.Known = true
	if s.failed != nil {
		return c, s.failed
	}
	if ev.Err != nil {
		return c, s.fail(fmt.Errorf("sync %s: %w", ev.File, ev.Err))
	}
	err := s.dispatch(ev.ID, &c)
	c.DurableZxid = s.log.durableZxid
	return c, s.fail(err)
}

func (s *Store) owns(id proc.SyncID) bool {
	if s.log.owns(id) || s.accepted.owns(id) || s.current.owns(id) {
		return true
	}
	return slices.ContainsFunc(s.snapWrite, func(w snapWrite) bool { return w.id == id })
}

func (s *Store) dispatch(id proc.SyncID, c *Completion) error {
	var err error
	switch {
	case s.log.owns(id):
		c.LogAdvanced, c.TruncateDone, err = s.log.syncDone(id)
	case s.accepted.owns(id):
		c.AcceptedEpochDone = true
		c.AcceptedEpoch, err = s.accepted.done(s.disk)
	case s.current.owns(id):
		c.CurrentEpochDone = true
		c.CurrentEpoch, err = s.current.done(s.disk)
	default:
		c.SnapshotZxid, c.SnapshotDone, err = s.snapshotDone(id)
	}
	return err
}

func (s *Store) snapshotDone(id proc.SyncID) (int64, bool, error) {
	i := slices.IndexFunc(s.snapWrite, func(w snapWrite) bool { return w.id == id })
	w := s.snapWrite[i]
	s.snapWrite = slices.Delete(s.snapWrite, i, i+1)
	tmp := snapName(w.zxid) + tmpSuffix
	if w.cancelled {
		return 0, false, s.disk.Remove(tmp)
	}
	if err := s.disk.Rename(tmp, snapName(w.zxid)); err != nil {
		return 0, false, err
	}
	if !slices.Contains(s.snapshots, w.zxid) {
		s.snapshots = append(s.snapshots, w.zxid)
		slices.Sort(s.snapshots)
	}
	return w.zxid, true, nil
}

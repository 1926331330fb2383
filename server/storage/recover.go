package storage

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/proc"
)

// Recovery is what Open found on disk.
type Recovery struct {
	// HasSnapshot reports whether a valid snapshot was found; if so Snapshot
	// is its payload and SnapshotZxid its zxid.
	HasSnapshot  bool
	SnapshotZxid int64
	Snapshot     []byte
	// Records are the log records above SnapshotZxid, in zxid order: replay
	// them over the snapshot.
	Records []Record
	// LastZxid is the highest zxid recovered (snapshot or log).
	LastZxid int64
	// AcceptedEpoch and CurrentEpoch are the Zab epochs in effect.
	AcceptedEpoch int64
	CurrentEpoch  int64
	Stats         RecoveryStats
}

// FileProblem locates damage in one file.
type FileProblem struct {
	File   string
	Offset int64
	Reason string
}

func (p FileProblem) String() string {
	return fmt.Sprintf("%s at offset %d: %s", p.File, p.Offset, p.Reason)
}

// RecoveryStats reports what Open skipped or repaired.
type RecoveryStats struct {
	// BadSnapshots were skipped (newest first) in favour of an older one.
	BadSnapshots []FileProblem
	// TornTail is where a torn log tail began; TornBytes were cut away.
	TornTail  *FileProblem
	TornBytes int64
	// CorruptionTruncated is where the log was cut although valid records
	// followed (only with Options.TruncateCorrupt); those bytes count in
	// TornBytes too.
	CorruptionTruncated *FileProblem
	// RemovedFiles lists files deleted by the repair or as stale temp files.
	RemovedFiles []string
	// RecordsSkipped counts log records at or below the snapshot's zxid.
	RecordsSkipped int
	// The epoch files that were missing and derived from the last zxid, as
	// ZooKeeper's QuorumPeer.loadDataBase does, and whether currentEpoch was
	// taken from currentEpoch.tmp (the ZOOKEEPER-1653 repair).
	DerivedAcceptedEpoch bool
	DerivedCurrentEpoch  bool
	CurrentEpochFromTmp  bool
}

// Open recovers the state on disk and returns a store ready to append after
// it. It never panics on any disk content: damage a crash explains (a torn
// log tail, a half-written temp file) is repaired and reported in the stats;
// anything else is ErrCorrupt. Repairs that must be durable are started
// here; deliver the SyncDone events to HandleSyncDone as usual (appends made
// meanwhile wait in memory).
func Open(disk proc.Disk, opts Options) (*Store, *Recovery, error) {
	s := newStore(disk, opts)
	names, err := disk.List()
	if err != nil {
		return nil, nil, err
	}
	rec := &Recovery{}
	if err := s.removeStaleTemps(names, rec); err != nil {
		return nil, nil, err
	}
	if err := s.recoverSnapshot(names, rec); err != nil {
		return nil, nil, err
	}
	if err := s.recoverLog(names, rec); err != nil {
		return nil, nil, err
	}
	if err := s.recoverEpochs(rec); err != nil {
		return nil, nil, err
	}
	return s, rec, nil
}

// removeStaleTemps deletes snapshot temp files a crash left behind. Epoch
// temp files stay: currentEpoch.tmp may be needed (ZOOKEEPER-1653).
func (s *Store) removeStaleTemps(names []string, rec *Recovery) error {
	for _, n := range names {
		if strings.HasPrefix(n, snapPrefix) && strings.HasSuffix(n, tmpSuffix) {
			if err := s.disk.Remove(n); err != nil {
				return err
			}
			rec.Stats.RemovedFiles = append(rec.Stats.RemovedFiles, n)
		}
	}
	return nil
}

// zxidsOf returns the zxids of the files named <prefix><hex>, ascending.
func zxidsOf(names []string, prefix string) []int64 {
	var zs []int64
	for _, n := range names {
		if z, ok := parseName(n, prefix); ok {
			zs = append(zs, z)
		}
	}
	slices.Sort(zs)
	return slices.Compact(zs)
}

// recoverSnapshot picks the newest valid snapshot, as FileSnap.deserialize.
func (s *Store) recoverSnapshot(names []string, rec *Recovery) error {
	zxids := zxidsOf(names, snapPrefix)
	for i := len(zxids) - 1; i >= 0; i-- {
		payload, err := s.readSnapshot(zxids[i])
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				return err
			}
			rec.Stats.BadSnapshots = append(rec.Stats.BadSnapshots, FileProblem{File: snapName(zxids[i]), Reason: err.Error()})
			continue
		}
		if !rec.HasSnapshot {
			rec.HasSnapshot, rec.SnapshotZxid, rec.Snapshot = true, zxids[i], payload
		}
		s.snapshots = append(s.snapshots, zxids[i])
	}
	slices.Sort(s.snapshots)
	if len(zxids) > 0 && !rec.HasSnapshot {
		return fmt.Errorf("%w: none of %d snapshots is valid (newest: %s)", ErrCorrupt, len(zxids), rec.Stats.BadSnapshots[0])
	}
	return nil
}

func (s *Store) readSnapshot(zxid int64) ([]byte, error) {
	data, err := s.disk.ReadFile(snapName(zxid))
	if err != nil {
		return nil, err
	}
	got, payload, err := decodeSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if got != zxid {
		return nil, fmt.Errorf("%w: snapshot holds zxid %#x, name says %#x", ErrCorrupt, got, zxid)
	}
	return payload, nil
}

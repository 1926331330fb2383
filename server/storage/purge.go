package storage

import (
	"errors"
	"fmt"
	"slices"
)

// ErrBadPurge reports a Purge asked to keep no snapshot.
var ErrBadPurge = errors.New("storage: purge must keep at least one snapshot")

// Purge deletes old files as ZooKeeper's PurgeTxnLog does: it keeps the
// keepSnapshots newest valid snapshots, and the log files that may hold
// records above the oldest kept one (the newest file starting at or below
// it, and every later file). Damaged snapshot files older than the oldest
// kept one go too. Files with a sync in flight are never removed. It
// returns the names removed.
func (s *Store) Purge(keepSnapshots int) ([]string, error) {
	if s.failed != nil {
		return nil, s.failed
	}
	if keepSnapshots < 1 {
		return nil, fmt.Errorf("%w: keep %d", ErrBadPurge, keepSnapshots)
	}
	if len(s.snapshots) <= keepSnapshots {
		return nil, nil
	}
	oldestKept := s.snapshots[len(s.snapshots)-keepSnapshots]
	removed, err := s.purgeSnapshots(oldestKept)
	if err != nil {
		return removed, s.fail(err)
	}
	logs, err := s.purgeLogs(oldestKept)
	return append(removed, logs...), s.fail(err)
}

func (s *Store) purgeSnapshots(oldestKept int64) ([]string, error) {
	names, err := s.disk.List()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, z := range zxidsOf(names, snapPrefix) {
		if z >= oldestKept {
			continue
		}
		if err := s.disk.Remove(snapName(z)); err != nil {
			return removed, err
		}
		removed = append(removed, snapName(z))
	}
	s.snapshots = slices.DeleteFunc(s.snapshots, func(z int64) bool { return z < oldestKept })
	return removed, nil
}

func (s *Store) purgeLogs(oldestKept int64) ([]string, error) {
	// keepFrom is the newest file starting at or below oldestKept: it may
	// hold the records just above the snapshot.
	keepFrom := 0
	for i, f := range s.log.files {
		if f.firstZxid <= oldestKept {
			keepFrom = i
		}
	}
	var removed []string
	var kept []logFile
	for i, f := range s.log.files {
		if i >= keepFrom || s.log.hasInflight(f.name) {
			kept = append(kept, f)
			continue
		}
		if err := s.disk.Remove(f.name); err != nil {
			return removed, err
		}
		removed = append(removed, f.name)
	}
	s.log.files = kept
	return removed, nil
}

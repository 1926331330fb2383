package storage

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/proc"
)

// recoverEpochs reads the epoch files as ZooKeeper's QuorumPeer.loadDataBase
// does: a missing file is derived from the last zxid's epoch (and written);
// a currentEpoch behind the last zxid is taken from currentEpoch.tmp if that
// exists (ZOOKEEPER-1653), else it is an error; acceptedEpoch must not be
// behind currentEpoch.
func (s *Store) recoverEpochs(rec *Recovery) error {
	zxidEpoch := EpochOf(rec.LastZxid)
	cur, found, err := s.readEpoch(currentEpochF, false)
	if err != nil {
		return err
	}
	writeCur := !found
	if !found {
		cur, rec.Stats.DerivedCurrentEpoch = zxidEpoch, true
	}
	if zxidEpoch > cur {
		tmp, ok, err := s.readEpoch(currentEpochF+tmpSuffix, true)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			return err
		}
		if !ok || err != nil {
			return fmt.Errorf("%w: currentEpoch %d is older than the last zxid %#x", ErrCorrupt, cur, rec.LastZxid)
		}
		cur, writeCur, rec.Stats.CurrentEpochFromTmp = tmp, true, true
	}
	acc, accFound, err := s.readEpoch(acceptedEpochF, false)
	if err != nil {
		return err
	}
	if !accFound {
		acc, rec.Stats.DerivedAcceptedEpoch = zxidEpoch, true
	}
	if acc < cur {
		return fmt.Errorf("%w: acceptedEpoch %d is less than currentEpoch %d", ErrCorrupt, acc, cur)
	}
	rec.AcceptedEpoch, rec.CurrentEpoch = acc, cur
	s.accepted.value, s.current.value = acc, cur
	if accFound {
		s.accepted.durable = acc
	}
	if !writeCur {
		s.current.durable = cur
	}
	if writeCur {
		if err := s.current.set(s.disk, cur); err != nil {
			return err
		}
	}
	if !accFound {
		return s.accepted.set(s.disk, acc)
	}
	return nil
}

// readEpoch reads one epoch file; found is false when it does not exist.
// complete requires the trailing newline this package writes, so that a
// torn temp file ("12" of "123\n") is never taken for a value.
func (s *Store) readEpoch(name string, complete bool) (epoch int64, found bool, err error) {
	data, err := s.disk.ReadFile(name)
	if errors.Is(err, proc.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if complete && (len(data) == 0 || data[len(data)-1] != '\n') {
		return 0, true, fmt.Errorf("%w: %s is incomplete", ErrCorrupt, name)
	}
	v, err := decodeEpoch(data)
	if err != nil {
		return 0, true, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	return v, true, nil
}

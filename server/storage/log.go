package storage

import (
	"errors"
	"fmt"
	"iter"

	"github.com/zabsim/zabsim/proc"
)

// Errors the store returns; test with errors.Is.
var (
	// ErrCorrupt reports damage that a crash cannot explain: a checksum
	// failure with valid data after it, a bad snapshot with no valid one left,
	// inconsistent epoch files. ZooKeeper refuses to start on it.
	ErrCorrupt = errors.New("storage: corrupt data")
	// ErrZxidOrder reports an Append whose zxid is not above the last one.
	ErrZxidOrder = errors.New("storage: zxid not increasing")
	// ErrTooLarge reports a payload above Options.MaxRecordBytes.
	ErrTooLarge = errors.New("storage: record too large")
	// ErrSnapshotInFlight reports a WriteSnapshot for a zxid whose previous
	// snapshot write has not completed.
	ErrSnapshotInFlight = errors.New("storage: snapshot write already in flight")
	// ErrFailed reports a store that met a disk error (a failed write, sync
	// or rename). It is fail-stop, as ZooKeeper's SyncRequestProcessor: after
	// an fsync error nothing about the file can be trusted, so the process
	// must restart and recover.
	ErrFailed = errors.New("storage: failed after disk error")
)

type logFile struct {
	name      string
	firstZxid int64 // from the name
	lastZxid  int64 // highest record written to it; 0 when none
	sizeBytes int64
	records   int
}

type logSync struct {
	id         proc.SyncID
	file       string
	coversZxid int64 // highest zxid in the file when Sync was called
	barrier    bool  // the next log file waits for it
	cut        bool  // it makes a TRUNC's cut durable
	done       bool
}

// txnLog is the append side of the transaction log.
type txnLog struct {
	disk           proc.Disk
	rollBytes      int64
	rollRecords    int
	maxRecordBytes int

	files       []logFile // oldest first; the last is current when open
	open        bool      // files[len-1] takes appends
	dirty       bool      // the current file has bytes no issued sync covers
	lastZxid    int64     // highest zxid appended (written or waiting)
	writtenZxid int64     // highest zxid handed to the disk
	durableZxid int64
	inflight    []logSync // issue order
	barriers    int       // barrier syncs not yet done
	waiting     []Record  // appends held until barriers clear
	syncWanted  bool      // Sync was called while appends were held
	cutsPending int       // TRUNC cuts not yet durable

	// scratch holds the record being written: every disk copies what
	// Append is given (sim.Disk and live's files, like an io.Writer, keep
	// no reference to it), so one buffer serves every append.
	scratch []byte
}

// maxScratch bounds the record buffer kept between appends, so one huge
// txn does not pin its size for the life of the log.
const maxScratch = 64 << 10

func (l *txnLog) current() *logFile { return &l.files[len(l.files)-1] }

// append writes one record (or holds it behind a barrier).
func (l *txnLog) append(zxid int64, payload []byte) error {
	if zxid <= l.lastZxid {
		return fmt.Errorf("%w: append %#x after %#x", ErrZxidOrder, zxid, l.lastZxid)
	}
	if len(payload) > l.maxRecordBytes {
		return fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(payload), l.maxRecordBytes)
	}
	l.lastZxid = zxid
	if l.barriers == 0 && l.open && l.needRoll() {
		l.startBarrier()
	}
	if l.barriers > 0 {
		l.waiting = append(l.waiting, Record{Zxid: zxid, Payload: append([]byte(nil), payload...)})
		return nil
	}
	return l.write(zxid, payload)
}

func (l *txnLog) needRoll() bool {
	c := l.current()
	return c.records > 0 && (c.sizeBytes >= l.rollBytes || (l.rollRecords > 0 && c.records >= l.rollRecords))
}

// startBarrier closes the current file for appends and, unless it is
// already wholly durable, syncs it; the next file gets no byte before that
// sync completes, so only the newest file can ever hold unsynced bytes.
func (l *txnLog) startBarrier() {
	c := l.current()
	l.open = false
	if !l.dirty && !l.hasInflight(c.name) {
		return
	}
	l.issueSync(c.name, l.writtenZxid, true)
}

func (l *txnLog) hasInflight(name string) bool {
	for _, s := range l.inflight {
		if s.file == name && !s.done {
			return true
		}
	}
	return false
}

func (l *txnLog) issueSync(name string, coversZxid int64, barrier bool) {
	id := l.disk.Sync(name)
	l.inflight = append(l.inflight, logSync{id: id, file: name, coversZxid: coversZxid, barrier: barrier})
	if barrier {
		l.barriers++
	}
	if l.open && name == l.current().name {
		l.dirty = false
	}
}

// write puts a record on disk, opening a new file first if none is open.
func (l *txnLog) write(zxid int64, payload []byte) error {
	if !l.open {
		name := logName(zxid)
		if err := l.disk.WriteFile(name, appendFileHeader(nil, logMagic)); err != nil {
			return err
		}
		l.files = append(l.files, logFile{name: name, firstZxid: zxid, sizeBytes: fileHeaderBytes})
		l.open = true
	}
	c := l.current()
	l.scratch = appendRecord(l.scratch[:0], zxid, payload)
	err := l.disk.Append(c.name, l.scratch)
	if cap(l.scratch) > maxScratch {
		l.scratch = nil
	}
	if err != nil {
		return err
	}
	c.sizeBytes += recordBytes(len(payload))
	c.records++
	c.lastZxid = zxid
	l.writtenZxid = zxid
	l.dirty = true
	return nil
}

// sync starts making every appended record durable.
func (l *txnLog) sync() {
	if l.barriers > 0 {
		l.syncWanted = true
		return
	}
	if l.open && l.dirty {
		l.issueSync(l.current().name, l.writtenZxid, false)
	}
}

// owns reports whether a sync id belongs to the log.
func (l *txnLog) owns(id proc.SyncID) bool {
	for _, s := range l.inflight {
		if s.id == id {
			return true
		}
	}
	return false
}

// syncDone records a successful sync; it reports whether the durable zxid
// moved and whether a TRUNC's cut became durable.
func (l *txnLog) syncDone(id proc.SyncID) (advanced, cutDone bool, err error) {
	for i := range l.inflight {
		s := &l.inflight[i]
		if s.id != id || s.done {
			continue
		}
		s.done = true
		if s.barrier {
			l.barriers--
		}
		if s.cut {
			l.cutsPending--
			cutDone = true
		}
	}
	before := l.durableZxid
	n := 0
	for ; n < len(l.inflight) && l.inflight[n].done; n++ {
		l.durableZxid = max(l.durableZxid, l.inflight[n].coversZxid)
	}
	// Shift the rest to the front (rarely more than one) rather than
	// reslicing past the done ones, so the array is reused by the next
	// issueSync instead of reallocated once its tail is used up.
	l.inflight = append(l.inflight[:0], l.inflight[n:]...)
	if l.barriers == 0 {
		if err := l.releaseWaiting(); err != nil {
			return false, cutDone, err
		}
	}
	return l.durableZxid != before, cutDone, nil
}

// releaseWaiting writes the held appends into a fresh file, and syncs them
// if a Sync was asked for meanwhile.
func (l *txnLog) releaseWaiting() error {
	waiting := l.waiting
	l.waiting = nil
	if len(waiting) == 0 {
		l.syncWanted = false // a TRUNC dropped what it was for
		return nil
	}
	for _, r := range waiting {
		if err := l.write(r.Zxid, r.Payload); err != nil {
			return err
		}
	}
	if l.syncWanted {
		l.syncWanted = false
		l.sync()
	}
	return nil
}

// truncateAfter drops every record above zxid (Zab's TRUNC).
func (l *txnLog) truncateAfter(zxid int64) error {
	l.waiting = dropAbove(l.waiting, zxid)
	for len(l.files) > 0 && l.files[len(l.files)-1].firstZxid > zxid {
		last := l.files[len(l.files)-1]
		if err := l.disk.Remove(last.name); err != nil {
			return err
		}
		l.files = l.files[:len(l.files)-1]
		l.open = false
	}
	for i := range l.inflight {
		l.inflight[i].coversZxid = min(l.inflight[i].coversZxid, zxid)
	}
	l.durableZxid = min(l.durableZxid, zxid)
	l.writtenZxid = min(l.writtenZxid, zxid)
	l.lastZxid = min(l.lastZxid, zxid)
	if len(l.files) == 0 || l.current().lastZxid <= zxid {
		return nil
	}
	return l.cutFile(l.current(), zxid)
}

// cutFile truncates f just after its last record ≤ zxid, and makes the next
// file wait until the cut is durable.
func (l *txnLog) cutFile(f *logFile, zxid int64) error {
	data, err := l.disk.ReadFile(f.name)
	if err != nil {
		return err
	}
	off, records, last := int64(fileHeaderBytes), 0, int64(0)
	for off < int64(len(data)) {
		r, st, why := parseRecord(data, off, l.maxRecordBytes+zxidBytes)
		if st != recOK {
			return fmt.Errorf("%w: %s at offset %d: %s", ErrCorrupt, f.name, off, why)
		}
		if r.Zxid > zxid {
			break
		}
		off, records, last = r.endOff, records+1, r.Zxid
	}
	if err := l.disk.Truncate(f.name, off); err != nil {
		return err
	}
	f.sizeBytes, f.records, f.lastZxid = off, records, last
	l.open = true
	l.dirty = true
	l.startBarrier() // dirty: always issues a sync
	l.inflight[len(l.inflight)-1].cut = true
	l.cutsPending++
	return nil
}

func dropAbove(rs []Record, zxid int64) []Record {
	for i, r := range rs {
		if r.Zxid > zxid {
			return rs[:i]
		}
	}
	return rs
}

// readFrom yields every record with Zxid >= zxid, in order: those on disk,
// then those still held in memory behind a barrier.
func (l *txnLog) readFrom(zxid int64) iter.Seq2[Record, error] {
	files := append([]logFile(nil), l.files...)
	waiting := append([]Record(nil), l.waiting...)
	return func(yield func(Record, error) bool) {
		for _, f := range files {
			if f.records == 0 || f.lastZxid < zxid {
				continue
			}
			if !l.yieldFile(f, zxid, yield) {
				return
			}
		}
		for _, r := range waiting {
			if r.Zxid >= zxid && !yield(r, nil) {
				return
			}
		}
	}
}

func (l *txnLog) yieldFile(f logFile, zxid int64, yield func(Record, error) bool) bool {
	data, err := l.disk.ReadFile(f.name)
	if err != nil {
		yield(Record{}, err)
		return false
	}
	off := int64(fileHeaderBytes)
	for n := 0; n < f.records; n++ {
		r, st, why := parseRecord(data, off, l.maxRecordBytes+zxidBytes)
		if st != recOK { // damaged since Open: stop, the rest cannot be trusted
			yield(Record{}, fmt.Errorf("%w: %s at offset %d: %s", ErrCorrupt, f.name, off, why))
			return false
		}
		off = r.endOff
		if r.Zxid >= zxid && !yield(r.Record, nil) {
			return false
		}
	}
	return true
}

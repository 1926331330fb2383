package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/proc"
	"pgregory.net/rapid"
)

// CrashDisk adapts a disk with crash semantics (this package's FakeDisk or
// sim's Disk) to the crash-recovery properties.
type CrashDisk struct {
	Disk proc.Disk
	// CompleteAll completes every pending sync, in call order.
	CompleteAll func() []proc.SyncDone
	// Crash applies crash mode i (0 ≤ i < Modes) and forgets pending syncs.
	Crash func(mode int) error
	// ModeName names mode i in failure messages.
	ModeName func(mode int) string
	Modes    int
	// Corrupt damages bytes [off, off+n) of a file, synced contents included.
	Corrupt func(name string, off, n int64) error
	// FailNextSyncs / FailNextWrites make the next n syncs or writes fail
	// with proc.ErrIO.
	FailNextSyncs, FailNextWrites func(n int)
}

// FakeCrashDisk wraps a FakeDisk.
func FakeCrashDisk(seed uint64) CrashDisk {
	d := NewFakeDisk(seed)
	return CrashDisk{
		Disk:        d,
		CompleteAll: d.CompletePendingSyncs,
		Crash:       func(m int) error { return d.Crash(CrashMode(m)) },
		ModeName: func(m int) string {
			return [...]string{"lose-unsynced", "keep-prefix", "tear-last-write", "keep-all"}[m]
		},
		Modes:          int(numCrashModes),
		Corrupt:        d.Corrupt,
		FailNextSyncs:  d.FailNextSyncs,
		FailNextWrites: d.FailNextWrites,
	}
}

// crashModel is what the test knows was asked of the store.
type crashModel struct {
	// histories are the record sequences the log may hold: the current one
	// last, and the ones a TRUNC replaced while its cut was not yet durable
	// (a crash may bring them back).
	histories [][]Record
	ackedZxid int64   // highest DurableZxid the store reported
	snapshots []int64 // snapshots whose write completed, not truncated away
	// snapshotsLoose: a TRUNC stopped half-way may have removed some of
	// them, so recovery may pick any, not only the newest.
	snapshotsLoose bool
	acceptedSet    int64 // latest acceptedEpoch asked for
	acceptedDone   int64 // latest acceptedEpoch reported durable
	currentSet     int64
	currentDone    int64
}

func (m *crashModel) current() []Record { return m.histories[len(m.histories)-1] }

func (m *crashModel) lastZxid() int64 {
	if h := m.current(); len(h) > 0 {
		return h[len(h)-1].Zxid
	}
	return 0
}

// crashCoverage counts what the crash property exercised, so a test can
// show the generator reaches the cases that matter.
type crashCoverage struct {
	opens, tornTails, resurrected, snapshotsRecovered int
}

var crashSeen crashCoverage

type crashRun struct {
	t    *rapid.T
	d    CrashDisk
	opts Options
	s    *Store
	m    crashModel
	log  []string // actions, printed on failure
	// injected is set once a disk fault was injected; failed once the store
	// stopped on it (fail-stop: the run then waits for the crash).
	injected, failed bool
}

// stopped reports whether err is the fail-stop an injected fault explains;
// any other error fails the test.
func (r *crashRun) stopped(what string, err error) bool {
	if err == nil {
		return false
	}
	if r.injected && errors.Is(err, ErrFailed) {
		r.note("store stopped: %v", err)
		r.failed = true
		return true
	}
	r.fatalf("%s: %v", what, err)
	return true
}

func (r *crashRun) fatalf(format string, args ...any) {
	r.t.Fatalf("%s\nactions:\n  %s", fmt.Sprintf(format, args...), strings.Join(r.log, "\n  "))
}

func (r *crashRun) note(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// complete delivers every pending sync to the store and updates the model.
func (r *crashRun) complete() {
	for range 100 {
		evs := r.d.CompleteAll()
		if len(evs) == 0 {
			return
		}
		for _, ev := range evs {
			c, err := r.s.HandleSyncDone(ev)
			if r.stopped("HandleSyncDone", err) {
				return
			}
			r.absorb(c)
		}
	}
	r.fatalf("syncs never settle")
}

func (r *crashRun) absorb(c Completion) {
	if c.DurableZxid < r.m.ackedZxid && !c.LogAdvanced {
		// only a TRUNC lowers it, and the model lowered acked then
		r.fatalf("durable zxid went back from %#x to %#x", r.m.ackedZxid, c.DurableZxid)
	}
	r.m.ackedZxid = c.DurableZxid
	if c.TruncateDone && !r.s.TruncatePending() {
		// the cuts are durable: the replaced histories cannot come back
		r.m.histories = r.m.histories[len(r.m.histories)-1:]
	}
	if c.SnapshotDone {
		r.m.snapshots = append(r.m.snapshots, c.SnapshotZxid)
	}
	if c.AcceptedEpochDone {
		r.m.acceptedDone = c.AcceptedEpoch
	}
	if c.CurrentEpochDone {
		r.m.currentDone = c.CurrentEpoch
	}
}

func (r *crashRun) step() {
	if r.failed {
		return
	}
	switch rapid.IntRange(0, 10).Draw(r.t, "action") {
	case 0, 1, 2, 3:
		z := r.m.lastZxid() + rapid.Int64Range(1, 3).Draw(r.t, "gap")
		p := rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(r.t, "payload")
		r.note("append %#x (%d bytes)", z, len(p))
		if r.stopped("Append", r.s.Append(z, p)) {
			return
		}
		h := r.m.current()
		r.m.histories[len(r.m.histories)-1] = append(h, Record{Zxid: z, Payload: p})
	case 4, 5:
		r.note("sync")
		r.stopped("Sync", r.s.Sync())
	case 6:
		r.note("complete syncs")
		r.complete()
	case 7:
		z := r.s.DurableZxid()
		r.note("snapshot %#x", z)
		if err := r.s.WriteSnapshot(z, snapPayload(z)); !errors.Is(err, ErrSnapshotInFlight) {
			r.stopped("WriteSnapshot", err)
		}
	case 8:
		r.epochStep()
	case 9:
		r.truncStep()
	case 10:
		r.faultStep()
	}
}

// faultStep makes the next sync or write fail, if the disk can.
func (r *crashRun) faultStep() {
	if r.d.FailNextSyncs == nil || rapid.IntRange(0, 3).Draw(r.t, "fault?") != 0 {
		return
	}
	r.injected = true
	if rapid.Bool().Draw(r.t, "syncFault") {
		r.note("fail next sync")
		r.d.FailNextSyncs(1)
		return
	}
	r.note("fail next write")
	r.d.FailNextWrites(1)
}

func snapPayload(zxid int64) []byte { return []byte(fmt.Sprintf("snap@%x", zxid)) }

func (r *crashRun) epochStep() {
	if rapid.Bool().Draw(r.t, "accepted") {
		r.m.acceptedSet++
		r.note("acceptedEpoch %d", r.m.acceptedSet)
		r.stopped("SetAcceptedEpoch", r.s.SetAcceptedEpoch(r.m.acceptedSet))
		return
	}
	r.m.currentSet = r.m.acceptedDone // never ahead of a durable acceptedEpoch
	r.note("currentEpoch %d", r.m.currentSet)
	r.stopped("SetCurrentEpoch", r.s.SetCurrentEpoch(r.m.currentSet))
}

func (r *crashRun) truncStep() {
	h := r.m.current()
	if len(h) == 0 {
		return
	}
	i := rapid.IntRange(0, len(h)-1).Draw(r.t, "trunc")
	z := h[i].Zxid
	r.note("truncate after %#x", z)
	if r.stopped("TruncateAfter", r.s.TruncateAfter(z)) {
		// The truncate may have happened in part: both histories stay possible.
		r.m.histories = append(r.m.histories, slices.Clone(h[:i+1]))
		r.m.ackedZxid = min(r.m.ackedZxid, z)
		r.m.snapshotsLoose = true
		return
	}
	r.m.histories = append(r.m.histories, slices.Clone(h[:i+1]))
	r.m.ackedZxid = min(r.m.ackedZxid, z)
	r.m.snapshots = slices.DeleteFunc(r.m.snapshots, func(s int64) bool { return s > z })
}

// verify checks a recovery against the model and returns the recovered
// sequence (snapshot-covered records from the model, then the log's).
func (r *crashRun) verify(rec *Recovery) []Record {
	var full []Record
	if rec.HasSnapshot {
		if !slices.Contains(r.m.snapshots, rec.SnapshotZxid) || !bytes.Equal(rec.Snapshot, snapPayload(rec.SnapshotZxid)) {
			r.fatalf("recovered snapshot %#x %q was never completed (completed %v)", rec.SnapshotZxid, rec.Snapshot, r.m.snapshots)
		}
		for _, x := range r.m.current() {
			if x.Zxid <= rec.SnapshotZxid {
				full = append(full, x)
			}
		}
	}
	if len(r.m.snapshots) > 0 && !r.m.snapshotsLoose && rec.SnapshotZxid != slices.Max(r.m.snapshots) {
		r.fatalf("recovered snapshot %#x, newest completed is %#x", rec.SnapshotZxid, slices.Max(r.m.snapshots))
	}
	full = append(full, rec.Records...)
	if !r.isPrefixOfAHistory(full) {
		r.fatalf("recovered %v is not a prefix of any history %v", zxidsOfRecords(full), r.historyZxids())
	}
	for _, x := range r.m.current() {
		if x.Zxid <= r.m.ackedZxid && !slices.ContainsFunc(full, func(y Record) bool { return y.Zxid == x.Zxid }) {
			r.fatalf("durable record %#x lost (acked %#x, recovered %v)", x.Zxid, r.m.ackedZxid, zxidsOfRecords(full))
		}
	}
	r.verifyEpochs(rec)
	return full
}

func (r *crashRun) isPrefixOfAHistory(full []Record) bool {
	return slices.ContainsFunc(r.m.histories, func(h []Record) bool { return r.isPrefixOf(full, h) })
}

func (r *crashRun) isPrefixOf(full, h []Record) bool {
	return len(full) <= len(h) && slices.EqualFunc(full, h[:len(full)], func(a, b Record) bool {
		return a.Zxid == b.Zxid && bytes.Equal(a.Payload, b.Payload)
	})
}

func (r *crashRun) historyZxids() [][]int64 {
	var out [][]int64
	for _, h := range r.m.histories {
		out = append(out, zxidsOfRecords(h))
	}
	return out
}

func (r *crashRun) verifyEpochs(rec *Recovery) {
	if rec.AcceptedEpoch < r.m.acceptedDone || rec.AcceptedEpoch > r.m.acceptedSet {
		r.fatalf("acceptedEpoch %d outside [durable %d, set %d]", rec.AcceptedEpoch, r.m.acceptedDone, r.m.acceptedSet)
	}
	if rec.CurrentEpoch < r.m.currentDone || rec.CurrentEpoch > max(r.m.currentSet, r.m.currentDone) {
		r.fatalf("currentEpoch %d outside [durable %d, set %d]", rec.CurrentEpoch, r.m.currentDone, r.m.currentSet)
	}
}

// CheckCrashRecovery is the crash-recovery property: random appends, syncs,
// snapshots, epoch writes and TRUNCs, a crash at a random point under a
// random mode, reopen; repeated over several incarnations. Every record whose
// sync completed survives; what survives is a prefix of what was appended
// (no gaps, nothing half-applied); snapshots and epochs are ones that
// completed or were in flight.
func CheckCrashRecovery(t *rapid.T, d CrashDisk) {
	r := &crashRun{t: t, d: d, opts: Options{
		RollRecords: rapid.IntRange(0, 4).Draw(t, "rollRecords"),
		RollBytes:   int64(rapid.IntRange(50, 400).Draw(t, "rollBytes")),
	}}
	r.m.histories = [][]Record{nil}
	for cycle := range rapid.IntRange(1, 4).Draw(t, "cycles") {
		r.open(cycle)
		for range rapid.IntRange(0, 40).Draw(t, "steps") {
			r.step()
		}
		if d.FailNextSyncs != nil { // faults must not outlive the incarnation
			d.FailNextSyncs(0)
			d.FailNextWrites(0)
		}
		r.injected, r.failed = false, false
		mode := rapid.IntRange(0, d.Modes-1).Draw(t, "crashMode")
		r.note("crash %s", d.ModeName(mode))
		if err := d.Crash(mode); err != nil {
			r.fatalf("Crash: %v", err)
		}
	}
	r.open(-1)
}

func (r *crashRun) open(cycle int) {
	s, rec, err := Open(r.d.Disk, r.opts)
	if err != nil {
		r.fatalf("Open (cycle %d): %v", cycle, err)
	}
	full := r.verify(rec)
	crashSeen.opens++
	if rec.Stats.TornTail != nil {
		crashSeen.tornTails++
	}
	if rec.HasSnapshot {
		crashSeen.snapshotsRecovered++
	}
	if len(r.m.histories) > 1 && !r.isPrefixOf(full, r.m.current()) {
		crashSeen.resurrected++ // a TRUNC not yet durable was undone by the crash
	}
	r.note("open: recovered %d records, snapshot %#x, stats %+v", len(full), rec.SnapshotZxid, rec.Stats)
	r.s = s
	r.m.histories = [][]Record{full}
	r.m.ackedZxid = s.DurableZxid()
	r.m.acceptedSet, r.m.acceptedDone = rec.AcceptedEpoch, rec.AcceptedEpoch
	r.m.currentSet, r.m.currentDone = rec.CurrentEpoch, rec.CurrentEpoch
	r.m.snapshots = s.Snapshots() // older valid snapshots stay as fallbacks
	r.m.snapshotsLoose = false
	r.complete()
}

// CheckCorruptionDetected is the corruption property: synced records, then
// damage to the bytes of one record that another valid record follows (or
// that sits in an older log file). Open must fail with ErrCorrupt, and with
// TruncateCorrupt it must return exactly the records before the damage.
func CheckCorruptionDetected(t *rapid.T, d CrashDisk) {
	opts := Options{RollRecords: rapid.IntRange(0, 3).Draw(t, "rollRecords")}
	s, _, err := Open(d.Disk, opts)
	if err != nil {
		t.Fatal(err)
	}
	n := rapid.IntRange(2, 12).Draw(t, "records")
	for z := int64(1); z <= int64(n); z++ {
		if err := s.Append(z, rapid.SliceOfN(rapid.Byte(), 0, 30).Draw(t, "payload")); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		settleRapid(t, s, d)
	}
	locs := recordLocations(t, d.Disk)
	victim := rapid.IntRange(0, len(locs)-1).Draw(t, "victim")
	loc := locs[victim]
	off := loc.off + rapid.Int64Range(0, loc.end-loc.off-1).Draw(t, "offset")
	nBytes := rapid.Int64Range(1, min(4, loc.end-off)).Draw(t, "bytes")
	if err := d.Corrupt(loc.file, off, nBytes); err != nil {
		t.Fatal(err)
	}
	_, rec, err := Open(d.Disk, opts)
	lastOfNewest := victim == len(locs)-1
	if lastOfNewest {
		// Indistinguishable from a torn write (see the package doc): it may
		// be cut, but never returned damaged.
		if err == nil && len(rec.Records) != victim {
			t.Fatalf("damaged last record: recovered %d records, want %d", len(rec.Records), victim)
		}
		return
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damage in record %d of %d (%s offset %d): Open = %v, want ErrCorrupt", victim, len(locs), loc.file, off, err)
	}
	opts.TruncateCorrupt = true
	_, rec, err = Open(d.Disk, opts)
	if err != nil || len(rec.Records) != victim || rec.Stats.CorruptionTruncated == nil {
		t.Fatalf("TruncateCorrupt: err %v, %d records, want %d", err, len(rec.Records), victim)
	}
}

func settleRapid(t *rapid.T, s *Store, d CrashDisk) {
	for range 100 {
		evs := d.CompleteAll()
		if len(evs) == 0 {
			return
		}
		for _, ev := range evs {
			if _, err := s.HandleSyncDone(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("syncs never settle")
}

type recordLoc struct {
	file     string
	off, end int64
}

// recordLocations lists every record on disk in zxid order.
func recordLocations(t *rapid.T, d proc.Disk) []recordLoc {
	names, _ := d.List()
	var locs []recordLoc
	for _, z := range zxidsOf(names, logPrefix) {
		data, err := d.ReadFile(logName(z))
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(fileHeaderBytes); off < int64(len(data)); {
			r, st, why := parseRecord(data, off, defaultMaxRecordBytes+zxidBytes)
			if st != recOK {
				t.Fatalf("%s at %d: %s", logName(z), off, why)
			}
			locs = append(locs, recordLoc{file: logName(z), off: off, end: r.endOff})
			off = r.endOff
		}
	}
	return locs
}

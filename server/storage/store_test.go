package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/proc"
)

// mustOpen opens the store and completes the writes Open starts (derived
// epoch files, the sync of the last log file).
func mustOpen(t *testing.T, d *FakeDisk, opts Options) (*Store, *Recovery) {
	t.Helper()
	s, rec, err := Open(d, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	settle(t, s, d)
	return s, rec
}

func logFiles(d *FakeDisk) []string {
	names, _ := d.List()
	return slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, logPrefix) })
}

// settle completes every pending sync, feeding each to the store, until the
// store starts no more; it returns the completions.
func settle(t *testing.T, s *Store, d *FakeDisk) []Completion {
	t.Helper()
	var out []Completion
	for range 100 {
		evs := d.CompletePendingSyncs()
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			c, err := s.HandleSyncDone(ev)
			if err != nil {
				t.Fatalf("HandleSyncDone: %v", err)
			}
			out = append(out, c)
		}
	}
	t.Fatal("syncs never settle")
	return nil
}

func payloadOf(zxid int64) []byte { return []byte(fmt.Sprintf("txn-%x", zxid)) }

func appendAll(t *testing.T, s *Store, zxids ...int64) {
	t.Helper()
	for _, z := range zxids {
		if err := s.Append(z, payloadOf(z)); err != nil {
			t.Fatalf("Append(%#x): %v", z, err)
		}
	}
}

func zxidsOfRecords(rs []Record) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.Zxid)
	}
	return out
}

func checkPayloads(t *testing.T, rs []Record) {
	t.Helper()
	for _, r := range rs {
		if !bytes.Equal(r.Payload, payloadOf(r.Zxid)) {
			t.Fatalf("record %#x payload %q", r.Zxid, r.Payload)
		}
	}
}

func reopen(t *testing.T, d *FakeDisk, opts Options) (*Store, *Recovery) {
	t.Helper()
	if err := d.Crash(LoseUnsynced); err != nil {
		t.Fatal(err)
	}
	return mustOpen(t, d, opts)
}

func TestGroupCommitOneSyncForManyRecords(t *testing.T) {
	d := NewFakeDisk(1)
	s, _ := mustOpen(t, d, Options{})
	appendAll(t, s, 1, 2, 3, 4, 5)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := len(d.PendingIDs()); n != 1 {
		t.Fatalf("%d disk syncs for one group commit, want 1", n)
	}
	if s.DurableZxid() != 0 {
		t.Fatalf("durable %d before the sync completed", s.DurableZxid())
	}
	cs := settle(t, s, d)
	if len(cs) != 1 || !cs[0].Known || !cs[0].LogAdvanced || cs[0].DurableZxid != 5 {
		t.Fatalf("completions %+v, want one advancing to 5", cs)
	}
	if err := s.Sync(); err != nil || len(d.PendingIDs()) != 0 {
		t.Fatalf("Sync with nothing new issued a disk sync (err %v)", err)
	}
}

func TestDurableAdvancesInSyncOrder(t *testing.T) {
	d := NewFakeDisk(1)
	s, _ := mustOpen(t, d, Options{})
	appendAll(t, s, 1)
	s.Sync()
	appendAll(t, s, 2)
	s.Sync()
	ids := d.PendingIDs()
	ev, _ := d.Complete(ids[1])
	if c, _ := s.HandleSyncDone(ev); c.LogAdvanced || c.DurableZxid != 0 {
		t.Fatalf("later sync alone advanced durability: %+v", c)
	}
	ev, _ = d.Complete(ids[0])
	if c, _ := s.HandleSyncDone(ev); !c.LogAdvanced || c.DurableZxid != 2 {
		t.Fatalf("after both syncs: %+v, want durable 2", c)
	}
}

func TestAppendRejectsBadInput(t *testing.T) {
	s, _ := mustOpen(t, NewFakeDisk(1), Options{MaxRecordBytes: 10})
	appendAll(t, s, 5)
	for _, z := range []int64{5, 4, 0, -1} {
		if err := s.Append(z, nil); !errors.Is(err, ErrZxidOrder) {
			t.Errorf("Append(%d) = %v, want ErrZxidOrder", z, err)
		}
	}
	if err := s.Append(6, make([]byte, 11)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized Append = %v", err)
	}
	if s.Err() != nil {
		t.Fatalf("caller errors made the store fail: %v", s.Err())
	}
	appendAll(t, s, 6)
}

func TestRoundTripAcrossRolls(t *testing.T) {
	d := NewFakeDisk(1)
	opts := Options{RollRecords: 3}
	s, _ := mustOpen(t, d, opts)
	var want []int64
	for z := int64(1); z <= 10; z++ {
		appendAll(t, s, z)
		want = append(want, z)
		s.Sync()
		settle(t, s, d)
	}
	names, _ := d.List()
	if logs := zxidsOf(names, logPrefix); !slices.Equal(logs, []int64{1, 4, 7, 10}) {
		t.Fatalf("log files %v, want starts 1 4 7 10", logs)
	}
	_, rec := reopen(t, d, opts)
	if got := zxidsOfRecords(rec.Records); !slices.Equal(got, want) {
		t.Fatalf("recovered %v, want %v", got, want)
	}
	checkPayloads(t, rec.Records)
	s2, _ := mustOpen(t, d, opts)
	var read []int64
	for r, err := range s2.ReadFrom(5) {
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, r.Zxid)
	}
	if !slices.Equal(read, want[4:]) {
		t.Fatalf("ReadFrom(5) = %v", read)
	}
	if first, ok := s2.FirstLogZxid(); !ok || first != 1 {
		t.Fatalf("FirstLogZxid = %d,%v", first, ok)
	}
}

// A roll must not put a byte in the new file before the old one is durable:
// otherwise a crash could tear the old file under valid records in the new.
func TestRollWaitsForOlderFileSync(t *testing.T) {
	d := NewFakeDisk(1)
	s, _ := mustOpen(t, d, Options{RollRecords: 2})
	appendAll(t, s, 1, 2, 3)
	if names := logFiles(d); !slices.Equal(names, []string{"log.1"}) {
		t.Fatalf("files %v: the new log began before the old was durable", names)
	}
	if len(d.PendingIDs()) != 1 {
		t.Fatal("the roll did not sync the old file")
	}
	s.Sync()
	if len(d.PendingIDs()) != 1 {
		t.Fatal("Sync issued a disk sync for a record still held in memory")
	}
	var read []int64
	for r := range s.ReadFrom(0) {
		read = append(read, r.Zxid)
	}
	if !slices.Equal(read, []int64{1, 2, 3}) {
		t.Fatalf("ReadFrom sees %v, want the held record too", read)
	}
	cs := settle(t, s, d)
	if last := cs[len(cs)-1]; last.DurableZxid != 3 {
		t.Fatalf("durable %d after settling, want 3", last.DurableZxid)
	}
	if names := logFiles(d); !slices.Equal(names, []string{"log.1", "log.3"}) {
		t.Fatalf("files %v", names)
	}
}

func writeSynced(t *testing.T, d *FakeDisk, opts Options, zxids ...int64) *Store {
	t.Helper()
	s, _ := mustOpen(t, d, opts)
	appendAll(t, s, zxids...)
	s.Sync()
	settle(t, s, d)
	return s
}

func TestTornTailIsCutAndLogContinues(t *testing.T) {
	d := NewFakeDisk(1)
	writeSynced(t, d, Options{}, 1, 2, 3)
	full, _ := d.ReadFile("log.1")
	d.SetFile("log.1", full[:len(full)-4]) // the last record lost its tail
	s, rec := mustOpen(t, d, Options{})
	if got := zxidsOfRecords(rec.Records); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("recovered %v, want [1 2]", got)
	}
	if rec.Stats.TornTail == nil || rec.Stats.TornBytes != recordBytes(len(payloadOf(3)))-4 {
		t.Fatalf("stats %+v", rec.Stats)
	}
	appendAll(t, s, 3)
	s.Sync()
	settle(t, s, d)
	_, rec = reopen(t, d, Options{})
	if got := zxidsOfRecords(rec.Records); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("after repair and append: %v", got)
	}
	checkPayloads(t, rec.Records)
}

// recordOffset returns the byte offset of the i-th record of a log file.
func recordOffset(t *testing.T, data []byte, i int) int64 {
	t.Helper()
	off := int64(fileHeaderBytes)
	for range i {
		r, st, why := parseRecord(data, off, defaultMaxRecordBytes+zxidBytes)
		if st != recOK {
			t.Fatalf("parse: %s", why)
		}
		off = r.endOff
	}
	return off
}

func TestChecksumFailureBeforeValidRecordsIsCorruption(t *testing.T) {
	d := NewFakeDisk(1)
	writeSynced(t, d, Options{}, 1, 2, 3)
	data, _ := d.ReadFile("log.1")
	d.Corrupt("log.1", recordOffset(t, data, 1)+recordHeadBytes+zxidBytes, 1)
	_, _, err := Open(d, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	_, rec := mustOpen(t, d, Options{TruncateCorrupt: true})
	if got := zxidsOfRecords(rec.Records); !slices.Equal(got, []int64{1}) || rec.Stats.CorruptionTruncated == nil {
		t.Fatalf("TruncateCorrupt recovered %v, stats %+v", got, rec.Stats)
	}
}

// Each field of a middle record is covered: length, checksum, zxid, end marker.
func TestEveryDamagedByteOfMiddleRecordIsDetected(t *testing.T) {
	d := NewFakeDisk(1)
	writeSynced(t, d, Options{}, 1, 2, 3)
	clean, _ := d.ReadFile("log.1")
	start, end := recordOffset(t, clean, 1), recordOffset(t, clean, 2)
	for off := start; off < end; off++ {
		d.SetFile("log.1", clean)
		d.Corrupt("log.1", off, 1)
		if _, _, err := Open(d, Options{}); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("damage at offset %d: Open = %v, want ErrCorrupt", off, err)
		}
	}
}

func TestDamageInOlderFileIsCorruptionEvenAtItsEnd(t *testing.T) {
	d := NewFakeDisk(1)
	writeSynced(t, d, Options{RollRecords: 2}, 1, 2, 3)
	data, _ := d.ReadFile("log.1")
	d.Corrupt("log.1", int64(len(data))-1, 1) // end marker of record 2
	if _, _, err := Open(d, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
}

// As the brief says: a checksum-failing last record is treated as torn.
func TestChecksumFailureInLastRecordIsTorn(t *testing.T) {
	d := NewFakeDisk(1)
	writeSynced(t, d, Options{}, 1, 2, 3)
	data, _ := d.ReadFile("log.1")
	d.Corrupt("log.1", int64(len(data))-2, 1)
	_, rec := mustOpen(t, d, Options{})
	if got := zxidsOfRecords(rec.Records); !slices.Equal(got, []int64{1, 2}) || rec.Stats.TornTail == nil {
		t.Fatalf("recovered %v, stats %+v", got, rec.Stats)
	}
}

func TestSnapshotRecovery(t *testing.T) {
	d := NewFakeDisk(1)
	s := writeSynced(t, d, Options{}, 1, 2, 3)
	if err := s.WriteSnapshot(2, []byte("tree@2")); err != nil {
		t.Fatal(err)
	}
	if names, _ := d.List(); slices.Contains(names, "snapshot.2") {
		t.Fatal("snapshot visible before its sync completed")
	}
	cs := settle(t, s, d)
	if len(cs) != 1 || !cs[0].SnapshotDone || cs[0].SnapshotZxid != 2 {
		t.Fatalf("completions %+v", cs)
	}
	appendAll(t, s, 4)
	s.WriteSnapshot(4, []byte("tree@4"))
	s.Sync()
	settle(t, s, d)
	_, rec := reopen(t, d, Options{})
	if !rec.HasSnapshot || rec.SnapshotZxid != 4 || string(rec.Snapshot) != "tree@4" || len(rec.Records) != 0 || rec.Stats.RecordsSkipped != 4 {
		t.Fatalf("recovery %+v", rec)
	}
	data, _ := d.ReadFile("snapshot.4")
	d.Corrupt("snapshot.4", int64(len(data))/2, 1)
	_, rec = mustOpen(t, d, Options{})
	if rec.SnapshotZxid != 2 || len(rec.Stats.BadSnapshots) != 1 || !slices.Equal(zxidsOfRecords(rec.Records), []int64{3, 4}) {
		t.Fatalf("fallback recovery %+v", rec)
	}
	d.Corrupt("snapshot.2", 0, 1)
	if _, _, err := Open(d, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("no valid snapshot: Open = %v, want ErrCorrupt", err)
	}
}

func TestSnapshotCrashBeforeRenameLeavesNoTrace(t *testing.T) {
	d := NewFakeDisk(1)
	s := writeSynced(t, d, Options{}, 1)
	s.WriteSnapshot(1, []byte("x"))
	d.Crash(KeepAll)
	_, rec := mustOpen(t, d, Options{})
	if rec.HasSnapshot || !slices.Equal(rec.Stats.RemovedFiles, []string{"snapshot.1.tmp"}) {
		t.Fatalf("recovery %+v", rec)
	}
}

func TestEpochFilesAreWrittenAtomically(t *testing.T) {
	d := NewFakeDisk(1)
	s, _ := mustOpen(t, d, Options{})
	s.SetAcceptedEpoch(5)
	s.SetAcceptedEpoch(6) // queued behind the write in flight
	if len(d.PendingIDs()) != 1 {
		t.Fatal("two writes of one epoch file in flight")
	}
	if b, _ := d.ReadFile("acceptedEpoch"); string(b) != "0\n" { // derived by Open on the empty disk
		t.Fatalf("acceptedEpoch holds %q before the new value's sync", b)
	}
	cs := settle(t, s, d)
	if len(cs) != 2 || cs[0].AcceptedEpoch != 5 || cs[1].AcceptedEpoch != 6 || !cs[1].AcceptedEpochDone {
		t.Fatalf("completions %+v", cs)
	}
	if b, _ := d.ReadFile("acceptedEpoch"); string(b) != "6\n" {
		t.Fatalf("acceptedEpoch holds %q", b)
	}
	s.SetCurrentEpoch(6)
	settle(t, s, d)
	_, rec := reopen(t, d, Options{})
	if rec.AcceptedEpoch != 6 || rec.CurrentEpoch != 6 || rec.Stats.DerivedAcceptedEpoch {
		t.Fatalf("recovered epochs %+v", rec)
	}
}

func TestMissingEpochFilesDerivedFromLastZxid(t *testing.T) {
	d := NewFakeDisk(1)
	writeSynced(t, d, Options{}, 3<<32|1, 3<<32|2)
	d.Remove("acceptedEpoch")
	d.Remove("currentEpoch")
	s, rec, err := Open(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.AcceptedEpoch != 3 || rec.CurrentEpoch != 3 || !rec.Stats.DerivedAcceptedEpoch || !rec.Stats.DerivedCurrentEpoch {
		t.Fatalf("recovery %+v", rec)
	}
	settle(t, s, d)
	if b, _ := d.ReadFile("currentEpoch"); string(b) != "3\n" {
		t.Fatalf("derived currentEpoch not written: %q", b)
	}
}

func TestEpochConsistencyRules(t *testing.T) {
	cases := []struct {
		name      string
		files     map[string]string
		wantErr   bool
		wantCur   int64
		fromTmp   bool
		lastEpoch int64
	}{
		{name: "current behind zxid, no tmp", files: map[string]string{"currentEpoch": "2", "acceptedEpoch": "3"}, wantErr: true, lastEpoch: 3},
		{name: "ZOOKEEPER-1653 tmp", files: map[string]string{"currentEpoch": "2", "currentEpoch.tmp": "3\n", "acceptedEpoch": "3"}, wantCur: 3, fromTmp: true, lastEpoch: 3},
		{name: "torn tmp", files: map[string]string{"currentEpoch": "2", "currentEpoch.tmp": "3", "acceptedEpoch": "3"}, wantErr: true, lastEpoch: 3},
		{name: "accepted behind current", files: map[string]string{"currentEpoch": "4", "acceptedEpoch": "3"}, wantErr: true, lastEpoch: 3},
		{name: "garbage", files: map[string]string{"currentEpoch": "x", "acceptedEpoch": "3"}, wantErr: true, lastEpoch: 3},
		{name: "zookeeper format without newline", files: map[string]string{"currentEpoch": "3", "acceptedEpoch": "4"}, wantCur: 3, lastEpoch: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewFakeDisk(1)
			writeSynced(t, d, Options{}, c.lastEpoch<<32|1)
			for n, v := range c.files {
				d.SetFile(n, []byte(v))
			}
			_, rec, err := Open(d, Options{})
			if c.wantErr {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open = %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil || rec.CurrentEpoch != c.wantCur || rec.Stats.CurrentEpochFromTmp != c.fromTmp {
				t.Fatalf("Open = %v, %+v", err, rec)
			}
		})
	}
}

func TestTruncateAfter(t *testing.T) {
	d := NewFakeDisk(1)
	opts := Options{RollRecords: 2}
	s := writeSynced(t, d, opts, 1, 2, 3, 4, 5, 6)
	s.WriteSnapshot(5, []byte("tree@5"))
	settle(t, s, d)
	if err := s.TruncateAfter(3); err != nil {
		t.Fatal(err)
	}
	if names := logFiles(d); !slices.Equal(names, []string{"log.1", "log.3"}) {
		t.Fatalf("files after TRUNC %v", names)
	}
	if s.LastZxid() != 3 || s.DurableZxid() != 3 {
		t.Fatalf("last %d durable %d, want 3 3", s.LastZxid(), s.DurableZxid())
	}
	if !s.TruncatePending() {
		t.Fatal("the cut inside log.3 is not durable yet, but TruncatePending is false")
	}
	if err := s.Append(4, []byte("new-4")); err != nil {
		t.Fatal(err)
	}
	s.Sync()
	cs := settle(t, s, d)
	if !slices.ContainsFunc(cs, func(c Completion) bool { return c.TruncateDone }) || s.TruncatePending() {
		t.Fatalf("no TruncateDone among %+v", cs)
	}
	if s.DurableZxid() != 4 {
		t.Fatalf("durable %d, want 4", s.DurableZxid())
	}
	_, rec := reopen(t, d, opts)
	if got := zxidsOfRecords(rec.Records); !slices.Equal(got, []int64{1, 2, 3, 4}) || string(rec.Records[3].Payload) != "new-4" || rec.HasSnapshot {
		t.Fatalf("after TRUNC: %v %+v", got, rec)
	}
}

func TestPurgeKeepsWhatRecoveryNeeds(t *testing.T) {
	d := NewFakeDisk(1)
	opts := Options{RollRecords: 2}
	s, _ := mustOpen(t, d, opts)
	for z := int64(1); z <= 8; z++ {
		appendAll(t, s, z)
		s.Sync()
		if z%2 == 1 {
			s.WriteSnapshot(z, []byte(fmt.Sprint("tree@", z)))
		}
		settle(t, s, d)
	}
	removed, err := s.Purge(2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"snapshot.1", "snapshot.3", "log.1", "log.3"}; !slices.Equal(removed, want) {
		t.Fatalf("removed %v, want %v", removed, want)
	}
	if _, err := s.Purge(0); !errors.Is(err, ErrBadPurge) {
		t.Fatal("Purge(0) accepted")
	}
	_, rec := reopen(t, d, opts)
	if rec.SnapshotZxid != 7 || !slices.Equal(zxidsOfRecords(rec.Records), []int64{8}) {
		t.Fatalf("after purge %+v", rec)
	}
}

func TestSyncFailureIsFailStop(t *testing.T) {
	d := NewFakeDisk(1)
	s, _ := mustOpen(t, d, Options{})
	appendAll(t, s, 1)
	d.FailNextSyncs(1)
	s.Sync()
	ev := d.CompletePendingSyncs()[0]
	if _, err := s.HandleSyncDone(ev); !errors.Is(err, ErrFailed) {
		t.Fatalf("failed sync = %v, want ErrFailed", err)
	}
	if err := s.Append(2, nil); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append after failure = %v", err)
	}
	if s.DurableZxid() != 0 {
		t.Fatal("failed sync made a record durable")
	}
}

func TestForeignSyncIsNotKnown(t *testing.T) {
	s, _ := mustOpen(t, NewFakeDisk(1), Options{})
	if c, err := s.HandleSyncDone(proc.SyncDone{ID: 999}); c.Known || err != nil {
		t.Fatalf("foreign sync: %+v %v", c, err)
	}
}

func TestReadFromReportsDamageAfterOpen(t *testing.T) {
	d := NewFakeDisk(1)
	s := writeSynced(t, d, Options{}, 1, 2, 3)
	data, _ := d.ReadFile("log.1")
	d.Corrupt("log.1", recordOffset(t, data, 1)+2, 1)
	var got []int64
	var errs []error
	for r, err := range s.ReadFrom(1) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, r.Zxid)
	}
	if !slices.Equal(got, []int64{1}) || len(errs) != 1 || !errors.Is(errs[0], ErrCorrupt) {
		t.Fatalf("ReadFrom over damage: %v, errors %v", got, errs)
	}
}

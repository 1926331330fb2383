package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzNames are the file names a fuzz input can fill: real names, temp
// names, names that collide in zxid order, and junk.
var fuzzNames = []string{
	"log.1", "log.3", "log.100000001", "log.ffffffffffffffff", "snapshot.0", "snapshot.2",
	"snapshot.2.tmp", "acceptedEpoch", "currentEpoch", "currentEpoch.tmp", "log.", "snapshot.zz",
}

// decodeDiskImage turns fuzz bytes into files: repeated {name index byte,
// length uint16, bytes}.
func decodeDiskImage(b []byte) map[string][]byte {
	files := map[string][]byte{}
	for len(b) >= 3 {
		name := fuzzNames[int(b[0])%len(fuzzNames)]
		n := min(int(binary.BigEndian.Uint16(b[1:])), len(b)-3)
		files[name] = b[3 : 3+n]
		b = b[3+n:]
	}
	return files
}

func encodeDiskImage(d *FakeDisk) []byte {
	var out []byte
	names, _ := d.List()
	for _, n := range names {
		i := slices.Index(fuzzNames, n)
		if i < 0 {
			continue
		}
		data, _ := d.ReadFile(n)
		out = append(out, byte(i))
		out = binary.BigEndian.AppendUint16(out, uint16(len(data)))
		out = append(out, data...)
	}
	return out
}

// seedImages are realistic disks: a clean log and snapshot, a torn tail, a
// corrupted middle record, epochs with a tmp file.
func seedImages(t testing.TB) [][]byte {
	build := func(damage func(d *FakeDisk)) []byte {
		d := NewFakeDisk(7)
		s, _, err := Open(d, Options{RollRecords: 2})
		if err != nil {
			t.Fatal(err)
		}
		for z := int64(1); z <= 3; z++ {
			s.Append(z, []byte(fmt.Sprint("payload-", z)))
		}
		s.Sync()
		s.WriteSnapshot(2, []byte("tree@2"))
		s.SetCurrentEpoch(0)
		for range 10 {
			for _, ev := range d.CompletePendingSyncs() {
				s.HandleSyncDone(ev)
			}
		}
		damage(d)
		return encodeDiskImage(d)
	}
	return [][]byte{
		build(func(*FakeDisk) {}),
		build(func(d *FakeDisk) {
			b, _ := d.ReadFile("log.3")
			d.SetFile("log.3", b[:len(b)-3])
		}),
		build(func(d *FakeDisk) { d.Corrupt("log.1", fileHeaderBytes+5, 1) }),
		build(func(d *FakeDisk) { d.SetFile("currentEpoch.tmp", []byte("1\n")) }),
		nil,
	}
}

// FuzzOpen feeds arbitrary disk contents to Open. It must never panic; when
// it succeeds, what it returns must be ordered, a second Open must agree,
// and the store must take a new record that survives a reopen.
func FuzzOpen(f *testing.F) {
	for _, img := range seedImages(f) {
		f.Add(img)
	}
	f.Fuzz(func(t *testing.T, img []byte) {
		d := NewFakeDisk(1)
		for name, data := range decodeDiskImage(img) {
			d.SetFile(name, data)
		}
		opts := Options{MaxRecordBytes: 1 << 12}
		s, rec, err := Open(d, opts)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open failed with a non-corruption error: %v", err)
			}
			return
		}
		checkRecovered(t, rec)
		if rec.LastZxid == math.MaxInt64 || uint32(rec.LastZxid) == math.MaxUint32 {
			return // no next zxid in the same epoch
		}
		next := rec.LastZxid + 1
		if err := s.Append(next, []byte("next")); err != nil {
			t.Fatalf("Append after recovery: %v", err)
		}
		s.Sync()
		settle(t, s, d)
		d.Crash(LoseUnsynced)
		_, rec2, err := Open(d, opts)
		if err != nil {
			t.Fatalf("reopen after a successful recovery: %v", err)
		}
		if rec2.LastZxid != next || rec2.SnapshotZxid != rec.SnapshotZxid || len(rec2.Records) != len(rec.Records)+1 {
			t.Fatalf("reopen: last %#x snapshot %#x records %d; want %#x %#x %d",
				rec2.LastZxid, rec2.SnapshotZxid, len(rec2.Records), next, rec.SnapshotZxid, len(rec.Records)+1)
		}
	})
}

func checkRecovered(t *testing.T, rec *Recovery) {
	prev := rec.SnapshotZxid
	if !rec.HasSnapshot {
		prev = 0
	}
	for _, r := range rec.Records {
		if r.Zxid <= prev {
			t.Fatalf("records out of order: %#x after %#x", r.Zxid, prev)
		}
		prev = r.Zxid
	}
	if rec.AcceptedEpoch < rec.CurrentEpoch || EpochOf(rec.LastZxid) > rec.CurrentEpoch {
		t.Fatalf("inconsistent epochs accepted %d current %d last zxid %#x", rec.AcceptedEpoch, rec.CurrentEpoch, rec.LastZxid)
	}
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzOpen from the seed
// images (ZABSIM_WRITE_CORPUS=1).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("ZABSIM_WRITE_CORPUS") == "" {
		t.Skip("set ZABSIM_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzOpen")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, img := range seedImages(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", img)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

package storage

import (
	"testing"

	"github.com/zabsim/zabsim/proc"
)

// nullDisk keeps no data and completes nothing: it isolates the store's own
// cost from a disk model's (the fake and sim disks copy a file per sync).
type nullDisk struct {
	proc.Disk // List and ReadFile only at Open, on an empty disk
	nextID    proc.SyncID
	bytes     int64
}

func (d *nullDisk) List() ([]string, error)         { return nil, nil }
func (d *nullDisk) ReadFile(string) ([]byte, error) { return nil, proc.ErrNotExist }
func (d *nullDisk) WriteFile(_ string, b []byte) error {
	d.bytes += int64(len(b))
	return nil
}
func (d *nullDisk) Append(_ string, b []byte) error {
	d.bytes += int64(len(b))
	return nil
}
func (d *nullDisk) Rename(string, string) error { return nil }
func (d *nullDisk) Sync(string) proc.SyncID {
	d.nextID++
	return d.nextID
}

// BenchmarkGroupCommit appends 100 records of 128 bytes and syncs them as one
// group: the store's own overhead per group commit.
func BenchmarkGroupCommit(b *testing.B) {
	d := &nullDisk{}
	s, _, err := Open(d, Options{})
	if err != nil {
		b.Fatal(err)
	}
	completed := proc.SyncID(0)
	completeAll := func() Completion {
		var c Completion
		for completed < d.nextID { // completions may issue more syncs
			completed++
			if c, err = s.HandleSyncDone(proc.SyncDone{ID: completed}); err != nil {
				b.Fatal(err)
			}
		}
		return c
	}
	completeAll() // Open's epoch writes
	payload := make([]byte, 128)
	zxid := int64(0)
	b.SetBytes(100 * int64(len(payload)))
	for range b.N {
		for range 100 {
			zxid++
			if err := s.Append(zxid, payload); err != nil {
				b.Fatal(err)
			}
		}
		s.Sync()
		if c := completeAll(); c.DurableZxid != zxid {
			b.Fatalf("completion %+v, want durable %d", c, zxid)
		}
	}
}

// BenchmarkRecover measures Open over 10,000 records of 128 bytes in 10 files.
func BenchmarkRecover(b *testing.B) {
	d := NewFakeDisk(1)
	s, _, _ := Open(d, Options{RollRecords: 1000})
	payload := make([]byte, 128)
	for z := int64(1); z <= 10000; z++ {
		s.Append(z, payload)
		if z%100 == 0 {
			s.Sync()
			for _, ev := range d.CompletePendingSyncs() {
				s.HandleSyncDone(ev)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		_, rec, err := Open(d, Options{})
		if err != nil || len(rec.Records) != 10000 {
			b.Fatalf("Open: %v, %d records", err, len(rec.Records))
		}
	}
}

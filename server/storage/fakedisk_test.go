package storage

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/zabsim/zabsim/proc"
)

// CrashMode mirrors sim.CrashMode for the fake disk: what a crash does to
// unsynced bytes.
type CrashMode uint8

const (
	LoseUnsynced  CrashMode = iota // revert to synced contents
	KeepPrefix                     // keep a random prefix of unsynced appends
	TearLastWrite                  // keep all unsynced appends but a random prefix of the last
	KeepAll                        // keep everything (process crash, OS up)
	numCrashModes
)

// FakeDisk is a small in-memory proc.Disk for tests: written versus synced
// bytes per file, syncs completed on demand (in any order), crash modes as
// sim's, corruption and sync failures. Renames and removals are durable at
// once.
type FakeDisk struct {
	rng        *rand.Rand
	files      map[string]*fakeFile
	pending    []fakeSync
	nextID     proc.SyncID
	failSyncs  int
	failWrites int
}

type fakeFile struct {
	data, synced []byte
	lastStart    int  // len(data) before the last write
	appendOnly   bool // data extends synced
	rewritten    bool // last write was WriteFile
	removed      bool
}

type fakeSync struct {
	id       proc.SyncID
	name     string
	f        *fakeFile
	snapshot []byte
	err      error
}

var _ proc.Disk = (*FakeDisk)(nil)

func NewFakeDisk(seed uint64) *FakeDisk {
	return &FakeDisk{rng: rand.New(rand.NewPCG(seed, 0x5eed)), files: map[string]*fakeFile{}, nextID: 1}
}

func (d *FakeDisk) List() ([]string, error) {
	var names []string
	for n := range d.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (d *FakeDisk) ReadFile(name string) ([]byte, error) {
	f, ok := d.files[name]
	if !ok {
		return nil, fmt.Errorf("fake: read %s: %w", name, proc.ErrNotExist)
	}
	return append([]byte{}, f.data...), nil
}

func (d *FakeDisk) file(name string) *fakeFile {
	f := d.files[name]
	if f == nil {
		f = &fakeFile{appendOnly: true}
		d.files[name] = f
	}
	return f
}

// writeFault consumes one injected write failure.
func (d *FakeDisk) writeFault(op, name string) error {
	if d.failWrites == 0 {
		return nil
	}
	d.failWrites--
	return fmt.Errorf("fake: %s %s: %w", op, name, proc.ErrIO)
}

func (d *FakeDisk) Append(name string, b []byte) error {
	if err := d.writeFault("append", name); err != nil {
		return err
	}
	f := d.file(name)
	f.lastStart, f.rewritten = len(f.data), false
	f.data = append(f.data, b...)
	return nil
}

func (d *FakeDisk) WriteFile(name string, b []byte) error {
	if err := d.writeFault("write", name); err != nil {
		return err
	}
	f := d.file(name)
	f.data = bytes.Clone(b)
	f.lastStart, f.rewritten = 0, true
	f.appendOnly = bytes.HasPrefix(f.data, f.synced)
	return nil
}

func (d *FakeDisk) Truncate(name string, size int64) error {
	f, ok := d.files[name]
	if !ok {
		return fmt.Errorf("fake: truncate %s: %w", name, proc.ErrNotExist)
	}
	if size < 0 || size > int64(len(f.data)) {
		return fmt.Errorf("fake: truncate %s to %d out of range", name, size)
	}
	f.data = f.data[:size:size]
	f.appendOnly = f.appendOnly && int(size) >= len(f.synced)
	f.lastStart, f.rewritten = int(size), false
	return nil
}

func (d *FakeDisk) Rename(from, to string) error {
	f, ok := d.files[from]
	if !ok {
		return fmt.Errorf("fake: rename %s: %w", from, proc.ErrNotExist)
	}
	if old, ok := d.files[to]; ok && old != f {
		old.removed = true
	}
	delete(d.files, from)
	d.files[to] = f
	return nil
}

func (d *FakeDisk) Remove(name string) error {
	f, ok := d.files[name]
	if !ok {
		return fmt.Errorf("fake: remove %s: %w", name, proc.ErrNotExist)
	}
	f.removed = true
	delete(d.files, name)
	return nil
}

func (d *FakeDisk) Sync(name string) proc.SyncID {
	id := d.nextID
	d.nextID++
	s := fakeSync{id: id, name: name}
	f, ok := d.files[name]
	switch {
	case !ok:
		s.err = proc.ErrNotExist
	case d.failSyncs > 0:
		d.failSyncs--
		s.err = proc.ErrIO
	default:
		s.f, s.snapshot = f, bytes.Clone(f.data)
	}
	d.pending = append(d.pending, s)
	return id
}

// Complete finishes one pending sync (in any order).
func (d *FakeDisk) Complete(id proc.SyncID) (proc.SyncDone, bool) {
	i := slices.IndexFunc(d.pending, func(s fakeSync) bool { return s.id == id })
	if i < 0 {
		return proc.SyncDone{}, false
	}
	s := d.pending[i]
	d.pending = slices.Delete(d.pending, i, i+1)
	if s.f != nil && !s.f.removed {
		s.f.synced = s.snapshot
		s.f.appendOnly = bytes.HasPrefix(s.f.data, s.snapshot)
	}
	return proc.SyncDone{ID: s.id, File: s.name, Err: s.err}, true
}

// CompletePendingSyncs finishes every pending sync in call order.
func (d *FakeDisk) CompletePendingSyncs() []proc.SyncDone {
	var out []proc.SyncDone
	for len(d.pending) > 0 {
		ev, _ := d.Complete(d.pending[0].id)
		out = append(out, ev)
	}
	return out
}

// PendingIDs returns the ids of the syncs not yet completed, in call order.
func (d *FakeDisk) PendingIDs() []proc.SyncID {
	var ids []proc.SyncID
	for _, s := range d.pending {
		ids = append(ids, s.id)
	}
	return ids
}

func (d *FakeDisk) FailNextSyncs(n int)  { d.failSyncs = n }
func (d *FakeDisk) FailNextWrites(n int) { d.failWrites = n }

// Crash applies mode to unsynced bytes and forgets pending syncs.
func (d *FakeDisk) Crash(mode CrashMode) error {
	if mode >= numCrashModes {
		return fmt.Errorf("fake: bad crash mode %d", mode)
	}
	d.pending = nil
	names, _ := d.List()
	for _, n := range names {
		f := d.files[n]
		if mode != KeepAll && !bytes.Equal(f.data, f.synced) {
			f.data = d.survivor(f, mode)
		}
		f.data = bytes.Clone(f.data)
		f.synced = bytes.Clone(f.data)
		f.appendOnly, f.lastStart, f.rewritten = true, len(f.data), false
	}
	return nil
}

func (d *FakeDisk) survivor(f *fakeFile, mode CrashMode) []byte {
	switch {
	case mode == KeepPrefix && f.appendOnly:
		return f.data[:len(f.synced)+d.rng.IntN(len(f.data)-len(f.synced)+1)]
	case mode == TearLastWrite && f.rewritten:
		return f.data[:d.rng.IntN(len(f.data)+1)]
	case mode == TearLastWrite && f.appendOnly && f.lastStart >= len(f.synced):
		return f.data[:f.lastStart+d.rng.IntN(len(f.data)-f.lastStart+1)]
	}
	return f.synced
}

// Corrupt XORs bytes [off, off+n) with non-zero masks in both the written
// and the synced contents.
func (d *FakeDisk) Corrupt(name string, off, n int64) error {
	f, ok := d.files[name]
	if !ok || off < 0 || n <= 0 || off+n > int64(len(f.data)) {
		return fmt.Errorf("fake: corrupt %s [%d,+%d) out of range", name, off, n)
	}
	f.data, f.synced = bytes.Clone(f.data), bytes.Clone(f.synced)
	for i := off; i < off+n; i++ {
		m := byte(1 + d.rng.IntN(255))
		f.data[i] ^= m
		if i < int64(len(f.synced)) {
			f.synced[i] ^= m
		}
	}
	return nil
}

// SetFile puts raw bytes on disk, durable (fuzzing and hand-made damage).
func (d *FakeDisk) SetFile(name string, b []byte) {
	d.files[name] = &fakeFile{data: bytes.Clone(b), synced: bytes.Clone(b), appendOnly: true, lastStart: len(b)}
}

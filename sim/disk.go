package sim

// Usage without a World (crash-recovery tests of a storage layer):
//
//	d, err := sim.NewDisk(sim.NewStream(seed, "disk"), sim.DiskOptions{})
//	w, _ := storage.Open(d)          // anything that takes a proc.Disk
//	w.Append(...); id := d.Sync("log")
//	done := d.CompletePendingSyncs() // []proc.SyncDone, in call order
//	d.Crash(sim.CrashKeepPrefix)     // unsynced appends survive in part
//	w2, _ := storage.Open(d)         // recover from what survived
//
// Inside a World the node's Disk is driven by the world: Sync completions
// arrive as proc.SyncDone events after the configured fsync latency, and
// World.Crash applies the crash mode.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// CrashMode says what a crash does to a disk's unsynced bytes. Synced bytes
// always survive (unless corruption was injected).
type CrashMode uint8

const (
	// CrashLoseUnsynced reverts every file to its synced contents.
	CrashLoseUnsynced CrashMode = iota
	// CrashKeepPrefix keeps a random prefix (possibly empty, possibly all)
	// of each file's unsynced appended bytes. A file whose unsynced changes
	// are not pure appends (rewrite, truncate) reverts to its synced
	// contents.
	CrashKeepPrefix
	// CrashTearLastWrite keeps every unsynced write except the last one of
	// each file, of which it keeps a random prefix (a torn write). A file
	// whose last write was a rewrite keeps a random prefix of the new
	// contents; other non-append histories revert to the synced contents.
	CrashTearLastWrite
	// CrashKeepAll keeps every written byte (a process crash with the
	// operating system still up: the page cache survives).
	CrashKeepAll
)

func (m CrashMode) String() string {
	switch m {
	case CrashLoseUnsynced:
		return "lose-unsynced"
	case CrashKeepPrefix:
		return "keep-prefix"
	case CrashTearLastWrite:
		return "tear-last-write"
	case CrashKeepAll:
		return "keep-all"
	}
	return fmt.Sprintf("CrashMode(%d)", uint8(m))
}

func (m CrashMode) valid() bool { return m <= CrashKeepAll }

// DiskOptions configure a simulated disk. The zero value is a fast, reliable,
// unbounded disk with zero fsync latency.
type DiskOptions struct {
	// SyncLatency is the time from Sync to SyncDone.
	SyncLatency Latency
	// CapacityBytes bounds the sum of all files' current sizes; writes that
	// would exceed it fail with proc.ErrDiskFull. 0 means unbounded.
	CapacityBytes int64
	// SyncErrorProb is the probability that a Sync fails (SyncDone.Err =
	// proc.ErrIO); a failed sync makes nothing durable.
	SyncErrorProb float64
	// WriteErrorProb is the probability that an Append, WriteFile or
	// Truncate fails with proc.ErrIO and changes nothing.
	WriteErrorProb float64
	_              struct{}
}

// Validate reports options that cannot be used.
func (o DiskOptions) Validate() error {
	if err := o.SyncLatency.Validate(); err != nil {
		return fmt.Errorf("disk sync latency: %w", err)
	}
	if o.CapacityBytes < 0 {
		return fmt.Errorf("sim: negative disk capacity %d", o.CapacityBytes)
	}
	if err := checkProb("disk sync error", o.SyncErrorProb); err != nil {
		return err
	}
	return checkProb("disk write error", o.WriteErrorProb)
}

func checkProb(what string, p float64) error {
	if !(p >= 0 && p <= 1) { // also rejects NaN
		return fmt.Errorf("sim: %s probability %v outside [0,1]", what, p)
	}
	return nil
}

// file is one inode: what the process sees (data) and what would survive a
// crash (synced). Renames move the inode, so a pending sync follows it.
type file struct {
	data   []byte
	synced []byte
	dirty  bool // data != synced
	// appendOnly: every change since the last sync extended the synced
	// bytes (data has synced as a prefix).
	appendOnly bool
	// lastStart is len(data) before the last write; lastRewrite says the
	// last write replaced the whole file (WriteFile).
	lastStart   int
	lastRewrite bool
	removed     bool
}

type pendingSync struct {
	id       proc.SyncID
	name     string
	f        *file
	snapshot []byte
	err      error
}

// Disk is a simulated proc.Disk: per file, written versus synced contents,
// crash modes that lose or tear unsynced bytes, and injectable faults. It is
// not safe for concurrent use (nothing in a World is).
type Disk struct {
	rng   *rand.Rand
	opts  DiskOptions
	files map[string]*file
	// lastName and last remember the file lookup found last (nil: none):
	// a server appends to and syncs one log file over and over, and a
	// lookup by name per append and per sync on every server showed in
	// profiles. Rename and Remove forget it.
	lastName string
	last     *file
	pending  []pendingSync
	nextID   proc.SyncID
	used     int64
	// Injected faults beyond the probabilistic options.
	failSyncs   int // the next n syncs fail
	failWrites  int // the next n writes fail
	extraSyncNS int64
	// onSync, when set by a World, schedules the completion of sync id after
	// latencyNS. Standalone disks leave it nil and complete syncs on demand.
	onSync func(id proc.SyncID, latencyNS int64)
}

var _ proc.Disk = (*Disk)(nil)

// NewDisk returns an empty disk drawing its randomness (fsync latency, fault
// draws, crash cut points) from rng. Bad options return an error.
func NewDisk(rng *rand.Rand, opts DiskOptions) (*Disk, error) {
	if rng == nil {
		return nil, fmt.Errorf("sim: NewDisk needs a random stream")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Disk{rng: rng, opts: opts, files: map[string]*file{}, nextID: 1}, nil
}

func pathErr(op, name string, err error) error {
	return fmt.Errorf("sim disk: %s %q: %w", op, name, err)
}

// lookup is d.files[name], through the one-file memory (see Disk.last).
func (d *Disk) lookup(name string) (*file, bool) {
	if d.last != nil && d.lastName == name {
		return d.last, true
	}
	f, ok := d.files[name]
	if ok {
		d.lastName, d.last = name, f
	}
	return f, ok
}

// List returns the names of all files, sorted.
func (d *Disk) List() ([]string, error) {
	names := make([]string, 0, len(d.files))
	for n := range d.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// ReadFile returns a copy of a file's current contents.
func (d *Disk) ReadFile(name string) ([]byte, error) {
	f, ok := d.files[name]
	if !ok {
		return nil, pathErr("read", name, proc.ErrNotExist)
	}
	return bytes.Clone(nonNil(f.data)), nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// writeFault decides whether the next write fails.
func (d *Disk) writeFault() bool {
	if d.failWrites > 0 {
		d.failWrites--
		return true
	}
	return d.opts.WriteErrorProb > 0 && d.rng.Float64() < d.opts.WriteErrorProb
}

func (d *Disk) fits(growBytes int64) bool {
	return d.opts.CapacityBytes == 0 || d.used+growBytes <= d.opts.CapacityBytes
}

func (d *Disk) create(name string) *file {
	f := &file{appendOnly: true}
	d.files[name] = f
	return f
}

// Append appends b to a file, creating it if needed.
func (d *Disk) Append(name string, b []byte) error {
	if d.writeFault() {
		return pathErr("append", name, proc.ErrIO)
	}
	if !d.fits(int64(len(b))) {
		return pathErr("append", name, proc.ErrDiskFull)
	}
	f, _ := d.lookup(name)
	if f == nil {
		f = d.create(name)
	}
	f.lastStart, f.lastRewrite = len(f.data), false
	if len(f.data)+len(b) > cap(f.data) {
		// Double: append grows large slices by ~1.25×, which copied a
		// growing txn log several times over. The old array stays as it
		// was, so views handed to pending syncs are unaffected.
		f.data = slices.Grow(f.data, max(len(b), len(f.data)))
	}
	f.data = append(f.data, b...)
	f.dirty = f.dirty || len(b) > 0
	d.used += int64(len(b))
	return nil
}

// WriteFile replaces a file's contents, creating it if needed.
func (d *Disk) WriteFile(name string, b []byte) error {
	if d.writeFault() {
		return pathErr("write", name, proc.ErrIO)
	}
	f := d.files[name]
	old := 0
	if f != nil {
		old = len(f.data)
	}
	if !d.fits(int64(len(b) - old)) {
		return pathErr("write", name, proc.ErrDiskFull)
	}
	if f == nil {
		f = d.create(name)
	}
	f.data = bytes.Clone(b)
	f.lastStart, f.lastRewrite = 0, true
	f.dirty = true
	f.appendOnly = bytes.HasPrefix(f.data, f.synced)
	d.used += int64(len(b) - old)
	return nil
}

// Truncate cuts a file to size bytes (it cannot grow a file).
func (d *Disk) Truncate(name string, size int64) error {
	f, ok := d.files[name]
	if !ok {
		return pathErr("truncate", name, proc.ErrNotExist)
	}
	if size < 0 || size > int64(len(f.data)) {
		return fmt.Errorf("sim disk: truncate %q to %d: size outside [0,%d]", name, size, len(f.data))
	}
	if d.writeFault() {
		return pathErr("truncate", name, proc.ErrIO)
	}
	d.used -= int64(len(f.data)) - size
	f.data = f.data[:size:size] // later appends must not scribble on synced
	f.dirty = true
	f.appendOnly = f.appendOnly && int(size) >= len(f.synced)
	f.lastStart, f.lastRewrite = int(size), false
	return nil
}

// Rename renames a file, replacing any file at to. Durable at once.
func (d *Disk) Rename(from, to string) error {
	f, ok := d.files[from]
	if !ok {
		return pathErr("rename", from, proc.ErrNotExist)
	}
	if from == to {
		return nil
	}
	if old, ok := d.files[to]; ok {
		d.used -= int64(len(old.data))
		old.removed = true
	}
	delete(d.files, from)
	d.files[to] = f
	d.last = nil
	return nil
}

// Remove deletes a file. Durable at once.
func (d *Disk) Remove(name string) error {
	f, ok := d.files[name]
	if !ok {
		return pathErr("remove", name, proc.ErrNotExist)
	}
	d.used -= int64(len(f.data))
	f.removed = true
	delete(d.files, name)
	d.last = nil
	return nil
}

// Sync starts making the file's current contents durable. In a World the
// completion arrives as proc.SyncDone after the fsync latency; a standalone
// disk keeps it pending until CompletePendingSyncs. Syncing a missing file
// completes with proc.ErrNotExist.
func (d *Disk) Sync(name string) proc.SyncID {
	id := d.nextID
	d.nextID++
	ps := pendingSync{id: id, name: name}
	switch f, ok := d.lookup(name); {
	case !ok:
		ps.err = pathErr("sync", name, proc.ErrNotExist)
	case d.syncFault():
		ps.err = pathErr("sync", name, proc.ErrIO)
	default:
		// No copy: bytes below len(f.data) are never overwritten in place
		// (Append writes past the end, Truncate caps the capacity so later
		// appends reallocate, WriteFile clones), so this view stays what
		// the file held at Sync time. Syncs cost O(1), not O(file size).
		ps.f, ps.snapshot = f, frozen(f.data)
	}
	d.pending = append(d.pending, ps)
	if d.onSync != nil {
		d.onSync(id, d.opts.SyncLatency.sampleNS(d.rng)+d.extraSyncNS)
	}
	return id
}

func (d *Disk) syncFault() bool {
	if d.failSyncs > 0 {
		d.failSyncs--
		return true
	}
	return d.opts.SyncErrorProb > 0 && d.rng.Float64() < d.opts.SyncErrorProb
}

// complete finishes the pending sync id (and, to keep completions in call
// order, every sync issued before it). It returns the finished syncs.
func (d *Disk) complete(id proc.SyncID, out []proc.SyncDone) []proc.SyncDone {
	n := 0
	for n < len(d.pending) && d.pending[n].id <= id {
		ps := d.pending[n]
		if ps.f != nil && !ps.f.removed {
			ps.f.markSynced(ps.snapshot)
		}
		out = append(out, proc.SyncDone{ID: ps.id, File: ps.name, Err: ps.err})
		n++
	}
	d.pending = slices.Delete(d.pending, 0, n)
	return out
}

// frozen returns an immutable view of b (len == cap, so appends to it copy).
func frozen(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b[:len(b):len(b)]
}

// sameStart reports whether a and b view the same backing array from the
// same first byte: then the shorter is a prefix of the longer without
// looking at the bytes.
func sameStart(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}

// markSynced records that snapshot (the contents at Sync time) is durable.
func (f *file) markSynced(snapshot []byte) {
	f.synced = snapshot
	if sameStart(f.data, snapshot) && len(snapshot) <= len(f.data) {
		f.dirty = len(snapshot) != len(f.data)
		f.appendOnly = true
	} else {
		f.dirty = !bytes.Equal(f.data, snapshot)
		f.appendOnly = bytes.HasPrefix(f.data, snapshot)
	}
	if !f.dirty {
		f.lastStart = len(f.data)
	}
}

// CompletePendingSyncs completes every pending sync in call order and returns
// their results. It is for standalone use; inside a World the world completes
// syncs after their latency.
func (d *Disk) CompletePendingSyncs() []proc.SyncDone {
	if len(d.pending) == 0 {
		return nil
	}
	return d.complete(d.pending[len(d.pending)-1].id, nil)
}

// PendingSyncs is the number of syncs called but not completed.
func (d *Disk) PendingSyncs() int { return len(d.pending) }

// Crash applies mode to every file and forgets pending syncs, as a power
// loss or kill does. Synced bytes always survive. An invalid mode returns an
// error and changes nothing.
func (d *Disk) Crash(mode CrashMode) error {
	if !mode.valid() {
		return fmt.Errorf("sim disk: unknown crash mode %v", mode)
	}
	d.pending = d.pending[:0]
	names, _ := d.List() // sorted: the rng draws must not follow map order
	for _, n := range names {
		f := d.files[n]
		before := len(f.data)
		if f.dirty && mode != CrashKeepAll {
			f.data = d.survivor(f, mode)
		}
		d.used += int64(len(f.data) - before)
		f.synced = bytes.Clone(f.data) // what survived is what is on disk
		f.data = bytes.Clone(f.data)
		f.dirty, f.appendOnly, f.lastStart, f.lastRewrite = false, true, len(f.data), false
	}
	return nil
}

// survivor returns the contents of a dirty file after a crash in mode.
func (d *Disk) survivor(f *file, mode CrashMode) []byte {
	switch {
	case mode == CrashKeepPrefix && f.appendOnly:
		tail := len(f.data) - len(f.synced)
		return f.data[:len(f.synced)+d.rng.IntN(tail+1)]
	case mode == CrashTearLastWrite && f.lastRewrite:
		return f.data[:d.rng.IntN(len(f.data)+1)]
	case mode == CrashTearLastWrite && f.appendOnly && f.lastStart >= len(f.synced):
		last := len(f.data) - f.lastStart
		return f.data[:f.lastStart+d.rng.IntN(last+1)]
	}
	return f.synced
}

// Durable returns a copy of what a crash in CrashLoseUnsynced would leave of
// a file: its synced contents.
func (d *Disk) Durable(name string) ([]byte, error) {
	f, ok := d.files[name]
	if !ok {
		return nil, pathErr("durable", name, proc.ErrNotExist)
	}
	return bytes.Clone(nonNil(f.synced)), nil
}

// Corrupt flips bits in bytes [off, off+n) of a file, in both its current
// and its synced contents (the medium itself is damaged). Each byte is XORed
// with a random non-zero mask, so every byte in the range changes.
func (d *Disk) Corrupt(name string, off, n int64) error {
	f, ok := d.files[name]
	if !ok {
		return pathErr("corrupt", name, proc.ErrNotExist)
	}
	if off < 0 || n <= 0 || off+n > int64(len(f.data)) {
		return fmt.Errorf("sim disk: corrupt %q [%d,+%d) outside [0,%d)", name, off, n, len(f.data))
	}
	f.data = bytes.Clone(f.data)
	f.synced = bytes.Clone(f.synced)
	for i := off; i < off+n; i++ {
		mask := byte(1 + d.rng.IntN(255))
		f.data[i] ^= mask
		if i < int64(len(f.synced)) {
			f.synced[i] ^= mask
		}
	}
	return nil
}

// FailNextSyncs makes the next n syncs fail with proc.ErrIO.
func (d *Disk) FailNextSyncs(n int) { d.failSyncs = max(n, 0) }

// FailNextWrites makes the next n writes (Append, WriteFile, Truncate) fail
// with proc.ErrIO.
func (d *Disk) FailNextWrites(n int) { d.failWrites = max(n, 0) }

// SetExtraSyncLatency adds extra to every later fsync (a slow disk); 0
// restores the configured latency. Negative values are an error.
func (d *Disk) SetExtraSyncLatency(extra time.Duration) error {
	if extra < 0 {
		return fmt.Errorf("sim disk: negative extra sync latency %v", extra)
	}
	d.extraSyncNS = int64(extra)
	return nil
}

// SetCapacity changes the capacity (0 = unbounded). Files already larger
// stay; only later growth fails with proc.ErrDiskFull.
func (d *Disk) SetCapacity(bytes int64) error {
	if bytes < 0 {
		return fmt.Errorf("sim disk: negative capacity %d", bytes)
	}
	d.opts.CapacityBytes = bytes
	return nil
}

// UsedBytes is the sum of the files' current sizes.
func (d *Disk) UsedBytes() int64 { return d.used }

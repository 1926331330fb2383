package sim

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zabsim/zabsim/proc"
	"pgregory.net/rapid"
)

func newTestDisk(t testing.TB, seed uint64, opts DiskOptions) *Disk {
	t.Helper()
	d, err := NewDisk(NewStream(seed, "disk"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t testing.TB, d *Disk, name string) []byte {
	t.Helper()
	b, err := d.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDiskStandaloneSync(t *testing.T) {
	d := newTestDisk(t, 1, DiskOptions{})
	must(t, d.Append("log", []byte("abc")))
	id := d.Sync("log")
	must(t, d.Append("log", []byte("def"))) // after the Sync call: not covered
	if d.PendingSyncs() != 1 {
		t.Fatalf("pending %d, want 1", d.PendingSyncs())
	}
	done := d.CompletePendingSyncs()
	if len(done) != 1 || done[0].ID != id || done[0].File != "log" || done[0].Err != nil {
		t.Fatalf("SyncDone %+v", done)
	}
	must(t, d.Crash(CrashLoseUnsynced))
	if got := read(t, d, "log"); string(got) != "abc" {
		t.Fatalf("after crash %q, want the synced %q", got, "abc")
	}
}

func TestDiskUnsyncedFileSurvivesEmpty(t *testing.T) {
	d := newTestDisk(t, 1, DiskOptions{})
	must(t, d.WriteFile("f", []byte("data")))
	must(t, d.Crash(CrashLoseUnsynced))
	if got := read(t, d, "f"); len(got) != 0 {
		t.Fatalf("unsynced file kept %q", got)
	}
}

func TestDiskRenameRemoveDurable(t *testing.T) {
	d := newTestDisk(t, 1, DiskOptions{})
	must(t, d.WriteFile("tmp", []byte("snap")))
	d.Sync("tmp")
	d.CompletePendingSyncs()
	must(t, d.Rename("tmp", "snapshot"))
	must(t, d.WriteFile("gone", []byte("x")))
	must(t, d.Remove("gone"))
	must(t, d.Crash(CrashLoseUnsynced))
	names, _ := d.List()
	if len(names) != 1 || names[0] != "snapshot" || string(read(t, d, "snapshot")) != "snap" {
		t.Fatalf("after crash files %v", names)
	}
}

func TestDiskSyncFollowsRenamedInode(t *testing.T) {
	d := newTestDisk(t, 1, DiskOptions{})
	must(t, d.WriteFile("tmp", []byte("v1")))
	d.Sync("tmp")
	must(t, d.Rename("tmp", "final"))
	d.CompletePendingSyncs()
	must(t, d.Crash(CrashLoseUnsynced))
	if got := read(t, d, "final"); string(got) != "v1" {
		t.Fatalf("renamed file lost its sync: %q", got)
	}
}

func TestDiskFaults(t *testing.T) {
	d := newTestDisk(t, 1, DiskOptions{CapacityBytes: 8})
	must(t, d.Append("f", []byte("12345678")))
	if err := d.Append("f", []byte("9")); !errors.Is(err, proc.ErrDiskFull) {
		t.Fatalf("append past capacity: %v", err)
	}
	if err := d.WriteFile("g", []byte("x")); !errors.Is(err, proc.ErrDiskFull) {
		t.Fatalf("write past capacity: %v", err)
	}
	must(t, d.Truncate("f", 4))
	must(t, d.WriteFile("g", []byte("abcd"))) // room again
	d.FailNextWrites(1)
	if err := d.Append("g", nil); !errors.Is(err, proc.ErrIO) {
		t.Fatalf("injected write error: %v", err)
	}
	d.FailNextSyncs(1)
	d.Sync("g")
	done := d.CompletePendingSyncs()
	if len(done) != 1 || !errors.Is(done[0].Err, proc.ErrIO) {
		t.Fatalf("injected fsync error: %+v", done)
	}
	if dur, _ := d.Durable("g"); len(dur) != 0 {
		t.Fatalf("a failed sync made %q durable", dur)
	}
	d.Sync("missing")
	if done := d.CompletePendingSyncs(); !errors.Is(done[0].Err, proc.ErrNotExist) {
		t.Fatalf("sync of a missing file: %+v", done)
	}
}

func TestDiskCorruptChangesEveryByte(t *testing.T) {
	d := newTestDisk(t, 7, DiskOptions{})
	orig := []byte("0123456789")
	must(t, d.WriteFile("f", orig))
	d.Sync("f")
	d.CompletePendingSyncs()
	must(t, d.Corrupt("f", 2, 5))
	got := read(t, d, "f")
	for i := range orig {
		changed := got[i] != orig[i]
		if changed != (i >= 2 && i < 7) {
			t.Fatalf("byte %d changed=%v after corrupting [2,7)", i, changed)
		}
	}
	dur, _ := d.Durable("f")
	if !bytes.Equal(dur, got) {
		t.Fatal("corruption did not reach the synced contents")
	}
}

func TestDiskBadInput(t *testing.T) {
	if _, err := NewDisk(nil, DiskOptions{}); err == nil {
		t.Error("nil rng accepted")
	}
	for _, o := range []DiskOptions{
		{CapacityBytes: -1},
		{SyncErrorProb: 1.5},
		{WriteErrorProb: -0.1},
		{SyncLatency: Latency{Dist: Uniform, Min: 5, Max: 1}},
		{SyncLatency: ConstantLatency(-1)},
	} {
		if _, err := NewDisk(NewStream(1, "d"), o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	d := newTestDisk(t, 1, DiskOptions{})
	must(t, d.WriteFile("f", []byte("abc")))
	checks := map[string]error{
		"read missing":     func() error { _, err := d.ReadFile("x"); return err }(),
		"truncate grow":    d.Truncate("f", 10),
		"truncate neg":     d.Truncate("f", -1),
		"truncate missing": d.Truncate("x", 0),
		"rename missing":   d.Rename("x", "y"),
		"remove missing":   d.Remove("x"),
		"corrupt range":    d.Corrupt("f", 2, 5),
		"corrupt missing":  d.Corrupt("x", 0, 1),
		"crash mode":       d.Crash(CrashMode(99)),
		"slow negative":    d.SetExtraSyncLatency(-1),
		"capacity neg":     d.SetCapacity(-1),
	}
	for what, err := range checks {
		if err == nil {
			t.Errorf("%s: no error", what)
		}
	}
}

// diskModel tracks, per file, the bytes that must survive any crash (synced)
// and the bytes written (data), for append-only histories.
type diskModel struct{ synced, data []byte }

// TestPropCrashKeepsSyncedLosesPerMode: a crash never loses a synced byte and
// keeps of the unsynced bytes exactly what its mode allows.
func TestPropCrashKeepsSyncedLosesPerMode(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := newTestDisk(t, rapid.Uint64().Draw(rt, "seed"), DiskOptions{})
		m := map[string]*diskModel{}
		files := []string{"a", "b"}
		var lastWrite = map[string]int{} // len(data) before the last unsynced append
		type pendingModel struct {
			fm       *diskModel
			snapshot []byte
		}
		var pending []pendingModel
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for range steps {
			name := rapid.SampledFrom(files).Draw(rt, "file")
			op := rapid.IntRange(0, 2).Draw(rt, "op")
			if m[name] == nil {
				if op != 0 {
					continue // nothing to sync yet
				}
				m[name] = &diskModel{}
			}
			fm := m[name]
			switch op {
			case 0:
				b := rapid.SliceOfN(rapid.Byte(), 1, 16).Draw(rt, "bytes")
				must(t, d.Append(name, b))
				lastWrite[name] = len(fm.data)
				fm.data = append(fm.data, b...)
			case 1: // sync and complete every pending sync, in order
				d.Sync(name)
				pending = append(pending, pendingModel{fm, bytes.Clone(fm.data)})
				d.CompletePendingSyncs()
				for _, p := range pending {
					p.fm.synced = p.snapshot
				}
				pending = pending[:0]
			case 2: // a sync that is still pending at the crash covers nothing
				d.Sync(name)
				pending = append(pending, pendingModel{fm, bytes.Clone(fm.data)})
			}
		}
		mode := rapid.SampledFrom([]CrashMode{CrashLoseUnsynced, CrashKeepPrefix, CrashTearLastWrite, CrashKeepAll}).Draw(rt, "mode")
		must(t, d.Crash(mode))
		for name, fm := range m {
			got := read(t, d, name)
			if !bytes.HasPrefix(got, fm.synced) {
				rt.Fatalf("%s: lost synced bytes: got %x, synced %x", name, got, fm.synced)
			}
			if !bytes.HasPrefix(fm.data, got) {
				rt.Fatalf("%s: %x is not a prefix of what was written %x", name, got, fm.data)
			}
			unsynced := len(fm.data) > len(fm.synced)
			switch mode {
			case CrashLoseUnsynced:
				if len(got) != len(fm.synced) {
					rt.Fatalf("%s: lose-unsynced kept %d bytes, synced %d", name, len(got), len(fm.synced))
				}
			case CrashKeepAll:
				if len(got) != len(fm.data) {
					rt.Fatalf("%s: keep-all kept %d of %d", name, len(got), len(fm.data))
				}
			case CrashTearLastWrite:
				floor := len(fm.synced)
				if unsynced && lastWrite[name] > floor {
					floor = lastWrite[name] // every earlier unsynced write survives whole
				}
				if len(got) < floor {
					rt.Fatalf("%s: tear kept %d bytes, want at least %d", name, len(got), floor)
				}
			}
		}
	})
}

// TestDiskCrashModesDiffer shows that the random modes really keep partial
// unsynced data for some seeds (they are not lose-unsynced in disguise).
func TestDiskCrashModesDiffer(t *testing.T) {
	for _, mode := range []CrashMode{CrashKeepPrefix, CrashTearLastWrite} {
		partial := false
		for seed := uint64(0); seed < 50 && !partial; seed++ {
			d := newTestDisk(t, seed, DiskOptions{})
			must(t, d.Append("f", []byte("synced")))
			d.Sync("f")
			d.CompletePendingSyncs()
			must(t, d.Append("f", []byte("first")))
			must(t, d.Append("f", []byte("second")))
			must(t, d.Crash(mode))
			n := len(read(t, d, "f"))
			if mode == CrashTearLastWrite && n < len("syncedfirst") {
				t.Fatalf("tear lost an earlier write: %d bytes", n)
			}
			partial = n > len("synced") && n < len("syncedfirstsecond")
		}
		if !partial {
			t.Errorf("%v never kept a partial tail in 50 seeds", mode)
		}
	}
}

package live

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zabsim/zabsim/proc"
)

// diskNode starts a node on dir whose process only records events; the test
// drives the disk through Do.
func diskNode(t *testing.T, dir string) (*Node, *scriptProc) {
	t.Helper()
	p := &scriptProc{}
	n := NewNode(Options{Name: "d", DataDir: dir})
	if err := n.Start(func() proc.Process { return p }); err != nil {
		t.Fatal(err)
	}
	return n, p
}

func mustDo(t *testing.T, n *Node, f func() error) {
	t.Helper()
	var err error
	if derr := n.Do(func() { err = f() }); derr != nil {
		t.Fatal(derr)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func syncDones(evs []proc.Event) []proc.SyncDone {
	var out []proc.SyncDone
	for _, ev := range evs {
		if s, ok := ev.(proc.SyncDone); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestDiskSyncDoneAfterAppendAndDurableAcrossRestart(t *testing.T) {
	checkNoLeaks(t)
	dir := t.TempDir()
	n, p := diskNode(t, dir)
	var ids []proc.SyncID
	mustDo(t, n, func() error {
		d := p.env.Disk()
		for _, rec := range []string{"r1;", "r2;", "r3;"} {
			if err := d.Append("log.1", []byte(rec)); err != nil {
				return err
			}
			ids = append(ids, d.Sync("log.1"))
		}
		return nil
	})
	waitFor(t, n, "three SyncDone", func() bool { return len(syncDones(p.events)) == 3 })
	done := syncDones(eventsOf(t, n, p))
	var gotIDs []proc.SyncID
	for _, s := range done {
		if s.Err != nil || s.File != "log.1" {
			t.Fatalf("SyncDone = %+v", s)
		}
		gotIDs = append(gotIDs, s.ID)
	}
	slices.Sort(gotIDs)
	if !slices.Equal(gotIDs, ids) || ids[0] == ids[1] {
		t.Fatalf("SyncDone ids %v, want %v (distinct)", gotIDs, ids)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	n2, p2 := diskNode(t, dir) // a new incarnation on the same disk
	defer n2.Stop()
	var got []byte
	mustDo(t, n2, func() (err error) { got, err = p2.env.Disk().ReadFile("log.1"); return err })
	if string(got) != "r1;r2;r3;" {
		t.Fatalf("after restart log.1 = %q", got)
	}
	// Appends after a restart continue the file.
	mustDo(t, n2, func() error { return p2.env.Disk().Append("log.1", []byte("r4;")) })
	raw, err := os.ReadFile(filepath.Join(dir, "log.1"))
	if err != nil || string(raw) != "r1;r2;r3;r4;" {
		t.Fatalf("file on disk = %q, %v", raw, err)
	}
}

func TestDiskRenameReplacesAtomically(t *testing.T) {
	checkNoLeaks(t)
	dir := t.TempDir()
	n, p := diskNode(t, dir)
	defer n.Stop()
	mustDo(t, n, func() error {
		d := p.env.Disk()
		if err := d.WriteFile("snap", []byte("old snapshot")); err != nil {
			return err
		}
		if err := d.Append("snap.tmp", []byte("new ")); err != nil {
			return err
		}
		if err := d.Append("snap.tmp", []byte("snapshot")); err != nil {
			return err
		}
		return d.Rename("snap.tmp", "snap")
	})
	var names []string
	var snap []byte
	mustDo(t, n, func() (err error) {
		if names, err = p.env.Disk().List(); err != nil {
			return err
		}
		snap, err = p.env.Disk().ReadFile("snap")
		return err
	})
	if !slices.Equal(names, []string{"snap"}) || string(snap) != "new snapshot" {
		t.Fatalf("after rename: files %v, snap %q", names, snap)
	}
	// The append handle followed the rename: appending to the new name must
	// not resurrect the old one.
	mustDo(t, n, func() error { return p.env.Disk().Append("snap", []byte("!")) })
	if raw, _ := os.ReadFile(filepath.Join(dir, "snap")); string(raw) != "new snapshot!" {
		t.Fatalf("append after rename = %q", raw)
	}
	if _, err := os.Stat(filepath.Join(dir, "snap.tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("snap.tmp still exists: %v", err)
	}
}

func TestDiskOpsAndErrors(t *testing.T) {
	checkNoLeaks(t)
	n, p := diskNode(t, t.TempDir())
	defer n.Stop()
	var errs = map[string]error{}
	var after []byte
	var names []string
	mustDo(t, n, func() error {
		d := p.env.Disk()
		_, errs["read missing"] = d.ReadFile("nope")
		errs["remove missing"] = d.Remove("nope")
		errs["rename missing"] = d.Rename("nope", "x")
		errs["truncate missing"] = d.Truncate("nope", 0)
		errs["bad name"] = d.WriteFile("../escape", []byte("x"))
		errs["dir name"] = d.Append("a/b", []byte("x"))
		if err := d.WriteFile("b", []byte("0123456789")); err != nil {
			return err
		}
		if err := d.Append("b", []byte("ab")); err != nil {
			return err
		}
		if err := d.Truncate("b", 4); err != nil {
			return err
		}
		if err := d.Append("b", []byte("X")); err != nil { // O_APPEND: lands at the new end
			return err
		}
		if err := d.WriteFile("a", nil); err != nil {
			return err
		}
		if err := d.WriteFile("c", []byte("gone")); err != nil {
			return err
		}
		if err := d.Remove("c"); err != nil {
			return err
		}
		var err error
		after, err = d.ReadFile("b")
		if err != nil {
			return err
		}
		names, err = d.List()
		return err
	})
	for _, k := range []string{"read missing", "remove missing", "rename missing", "truncate missing"} {
		if !errors.Is(errs[k], proc.ErrNotExist) {
			t.Errorf("%s: %v, want ErrNotExist", k, errs[k])
		}
	}
	for _, k := range []string{"bad name", "dir name"} {
		if !errors.Is(errs[k], proc.ErrIO) {
			t.Errorf("%s: %v, want ErrIO", k, errs[k])
		}
	}
	if string(after) != "0123X" {
		t.Errorf("b = %q, want 0123X", after)
	}
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("List = %v, want [a b]", names)
	}
}

func TestDiskSyncMissingFileReportsError(t *testing.T) {
	checkNoLeaks(t)
	n, p := diskNode(t, t.TempDir())
	defer n.Stop()
	mustDo(t, n, func() error { p.env.Disk().Sync("missing"); return nil })
	waitFor(t, n, "SyncDone", func() bool { return len(syncDones(p.events)) == 1 })
	if s := syncDones(eventsOf(t, n, p))[0]; !errors.Is(s.Err, proc.ErrNotExist) {
		t.Fatalf("SyncDone.Err = %v, want ErrNotExist", s.Err)
	}
}

func TestNoDataDir(t *testing.T) {
	checkNoLeaks(t)
	p := &scriptProc{}
	n := startScript(t, Options{Name: "nodisk"}, p)
	var err error
	_ = n.Do(func() { err = p.env.Disk().Append("x", []byte("y")) })
	if !errors.Is(err, proc.ErrIO) {
		t.Fatalf("Append without a data dir = %v, want ErrIO", err)
	}
}

package tree

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// ev renders events compactly: "w:Type:path@zxid".
func ev(events []Event) string {
	var parts []string
	for _, e := range events {
		parts = append(parts, fmt.Sprintf("%d:%s:%s@%d", e.Watcher, evName(e.Type), e.Path, e.Zxid))
	}
	return strings.Join(parts, " ")
}

func evName(t wire.EventType) string {
	switch t {
	case wire.EventNodeCreated:
		return "Created"
	case wire.EventNodeDeleted:
		return "Deleted"
	case wire.EventNodeDataChanged:
		return "DataChanged"
	case wire.EventNodeChildrenChanged:
		return "ChildrenChanged"
	}
	return fmt.Sprint(int32(t))
}

// script applies txns in order with zxids 1, 2, ... and collects events.
type script struct {
	t    *testing.T
	tr   *Tree
	zxid int64
}

func newScript(t *testing.T) *script { return &script{t: t, tr: New()} }

func (s *script) next(typ wire.OpCode, rec txn.Record) string {
	s.t.Helper()
	s.zxid++
	rc := s.tr.ApplyTxn(txn.Txn{Header: hdr(s.zxid, typ, 7), Record: rec})
	if rc.Err != wire.ErrOK {
		s.t.Fatalf("zxid %d %v: %v", s.zxid, typ, rc.Err)
	}
	return ev(rc.Events)
}

func (s *script) create(path string) string {
	return s.next(wire.OpCreate, prepCreate(s.t, s.tr, path, "", false))
}
func (s *script) set(path string) string {
	info, _ := s.tr.Node(path)
	return s.next(wire.OpSetData, &txn.SetData{Path: path, Data: []byte("v"), Version: info.Stat.Version + 1})
}
func (s *script) del(path string) string { return s.next(wire.OpDelete, &txn.Delete{Path: path}) }

func expect(t *testing.T, step, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: events\n got  %q\n want %q", step, got, want)
	}
}

func TestOneShotWatches(t *testing.T) {
	s := newScript(t)
	tr := s.tr
	// exists on a missing node arms a watch that NodeCreated fires once.
	if _, err := tr.Exists("/a", 1, true); err != wire.ErrNoNode {
		t.Fatal(err)
	}
	expect(t, "create /a", s.create("/a"), "1:Created:/a@1")
	expect(t, "setData /a unwatched", s.set("/a"), "")

	// getData arms data-changed/deleted; getChildren arms children-changed/deleted.
	tr.GetData("/a", 2, true)
	tr.GetData("/a", 1, true)
	tr.GetChildren("/a", 3, true)
	expect(t, "setData /a", s.set("/a"), "1:DataChanged:/a@3 2:DataChanged:/a@3")
	expect(t, "create /a/b", s.create("/a/b"), "3:ChildrenChanged:/a@4")
	expect(t, "create /a/c unwatched", s.create("/a/c"), "")

	// getData on a missing node arms nothing.
	if _, _, err := tr.GetData("/nope", 4, true); err != wire.ErrNoNode || tr.CheckWatches("/nope", wire.WatcherData, 4) != wire.ErrNoWatcher {
		t.Error("getData on a missing node armed a watch")
	}

	// Deleting a node fires its data and child watches, once per watcher,
	// then its parent's child watches.
	tr.GetData("/a/b", 5, true)
	tr.GetChildren("/a/b", 5, true)
	tr.GetChildren("/a/b", 6, true)
	tr.Exists("/a/b", 7, true)
	tr.GetChildren("/a", 8, true)
	expect(t, "delete /a/b", s.del("/a/b"),
		"5:Deleted:/a/b@6 7:Deleted:/a/b@6 6:Deleted:/a/b@6 8:ChildrenChanged:/a@6")
	if n := tr.WatchCount(); n != 0 {
		t.Errorf("%d watches left after all fired", n)
	}

	// setACL fires nothing.
	tr.GetData("/a", 9, true)
	s.zxid++
	if rc := tr.ApplyTxn(txn.Txn{Header: hdr(s.zxid, wire.OpSetACL, 7), Record: &txn.SetACL{Path: "/a", ACL: wire.OpenACLUnsafe, Version: 1}}); len(rc.Events) != 0 {
		t.Errorf("setACL fired %v", ev(rc.Events))
	}
}

func TestPersistentWatch(t *testing.T) {
	s := newScript(t)
	if err := s.tr.AddWatch("/p", 1, wire.AddWatchPersistent); err != wire.ErrOK {
		t.Fatal(err)
	}
	expect(t, "create /p", s.create("/p"), "1:Created:/p@1")
	expect(t, "setData /p", s.set("/p"), "1:DataChanged:/p@2")
	expect(t, "create /p/c", s.create("/p/c"), "1:ChildrenChanged:/p@3")
	expect(t, "setData /p/c", s.set("/p/c"), "")
	expect(t, "delete /p/c", s.del("/p/c"), "1:ChildrenChanged:/p@5")
	expect(t, "delete /p", s.del("/p"), "1:Deleted:/p@6")
	expect(t, "create /p again", s.create("/p"), "1:Created:/p@7")
	if s.tr.CheckWatches("/p", wire.WatcherPersistent, 1) != wire.ErrOK {
		t.Error("persistent watch gone")
	}
}

func TestPersistentRecursiveWatch(t *testing.T) {
	s := newScript(t)
	s.tr.AddWatch("/r", 1, wire.AddWatchPersistentRecursive)
	s.tr.AddWatch("/", 2, wire.AddWatchPersistentRecursive)
	expect(t, "create /r", s.create("/r"), "1:Created:/r@1 2:Created:/r@1")
	expect(t, "create /r/a", s.create("/r/a"), "1:Created:/r/a@2 2:Created:/r/a@2")
	expect(t, "create /r/a/b", s.create("/r/a/b"), "1:Created:/r/a/b@3 2:Created:/r/a/b@3")
	expect(t, "setData /r/a/b", s.set("/r/a/b"), "1:DataChanged:/r/a/b@4 2:DataChanged:/r/a/b@4")
	expect(t, "delete /r/a/b", s.del("/r/a/b"), "1:Deleted:/r/a/b@5 2:Deleted:/r/a/b@5")
	expect(t, "create /rx (not under /r)", s.create("/rx"), "2:Created:/rx@6")
	if s.tr.RemoveWatches("/", wire.WatcherPersistentRecursive, 2) != wire.ErrOK {
		t.Fatal("remove recursive watch")
	}
	expect(t, "setData /r/a after removal", s.set("/r/a"), "1:DataChanged:/r/a@7")
	if s.tr.dataWatch.recursive != 1 {
		t.Errorf("recursive count %d, want 1", s.tr.dataWatch.recursive)
	}
}

// A one-shot watch and a persistent watch of the same watcher on one path
// are independent (ZOOKEEPER-4466): firing consumes only the one-shot.
func TestMixedModesOnOnePath(t *testing.T) {
	s := newScript(t)
	s.create("/m")
	s.tr.AddWatch("/m", 1, wire.AddWatchPersistent)
	s.tr.GetData("/m", 1, true)
	expect(t, "setData", s.set("/m"), "1:DataChanged:/m@2")
	if s.tr.CheckWatches("/m", wire.WatcherData, 1) != wire.ErrNoWatcher {
		t.Error("one-shot watch survived firing")
	}
	expect(t, "setData again", s.set("/m"), "1:DataChanged:/m@3")
}

func TestCheckAndRemoveWatches(t *testing.T) {
	s := newScript(t)
	tr := s.tr
	s.create("/w")
	tr.GetData("/w", 1, true)
	tr.GetChildren("/w", 1, true)
	tr.AddWatch("/w", 2, wire.AddWatchPersistent)
	tr.AddWatch("/w", 3, wire.AddWatchPersistentRecursive)
	cases := []struct {
		name        string
		op          func(string, int32, Watcher) wire.Err
		typ         int32
		w           Watcher
		want        wire.Err
		path        string
		checkAfter  int32
		wantAfterOK bool
	}{
		{"check data", tr.CheckWatches, wire.WatcherData, 1, wire.ErrOK, "/w", 0, false},
		{"check persistent as data", tr.CheckWatches, wire.WatcherData, 2, wire.ErrNoWatcher, "/w", 0, false},
		{"check any persistent", tr.CheckWatches, wire.WatcherAny, 2, wire.ErrOK, "/w", 0, false},
		{"check recursive", tr.CheckWatches, wire.WatcherPersistentRecursive, 3, wire.ErrOK, "/w", 0, false},
		{"check other path", tr.CheckWatches, wire.WatcherAny, 1, wire.ErrNoWatcher, "/x", 0, false},
		{"check bad type", tr.CheckWatches, 9, 1, wire.ErrMarshalling, "/w", 0, false},
		{"remove children", tr.RemoveWatches, wire.WatcherChildren, 1, wire.ErrOK, "/w", wire.WatcherData, true},
		{"remove children again", tr.RemoveWatches, wire.WatcherChildren, 1, wire.ErrNoWatcher, "/w", 0, false},
		{"remove persistent", tr.RemoveWatches, wire.WatcherPersistent, 2, wire.ErrOK, "/w", wire.WatcherAny, false},
		{"remove any", tr.RemoveWatches, wire.WatcherAny, 3, wire.ErrOK, "/w", wire.WatcherAny, false},
		{"remove bad type", tr.RemoveWatches, 0, 1, wire.ErrMarshalling, "/w", 0, false},
	}
	for _, c := range cases {
		if got := c.op(c.path, c.typ, c.w); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if c.checkAfter != 0 {
			got := tr.CheckWatches(c.path, c.checkAfter, c.w) == wire.ErrOK
			if got != c.wantAfterOK {
				t.Errorf("%s: afterwards check type %d = %v, want %v", c.name, c.checkAfter, got, c.wantAfterOK)
			}
		}
	}
	expect(t, "only the data watch of 1 is left", s.set("/w"), "1:DataChanged:/w@2")
	if tr.WatchCount() != 0 {
		t.Errorf("WatchCount = %d", tr.WatchCount())
	}
}

func TestRemoveWatcher(t *testing.T) {
	s := newScript(t)
	tr := s.tr
	tr.Exists("/a", 1, true)
	tr.AddWatch("/", 1, wire.AddWatchPersistentRecursive)
	tr.AddWatch("/b", 1, wire.AddWatchPersistent)
	tr.Exists("/a", 2, true)
	tr.RemoveWatcher(1)
	if tr.WatchCount() != 1 || tr.dataWatch.recursive != 0 {
		t.Errorf("after RemoveWatcher: %d watches, %d recursive", tr.WatchCount(), tr.dataWatch.recursive)
	}
	expect(t, "create /a", s.create("/a"), "2:Created:/a@1")
	if err := tr.AddWatch("/x", 1, 7); err != wire.ErrMarshalling {
		t.Errorf("bad addWatch mode: %v", err)
	}
}

func TestSetWatchesReplay(t *testing.T) {
	s := newScript(t)
	tr := s.tr
	s.create("/same")    // 1
	s.create("/changed") // 2
	s.create("/gone")    // 3
	s.create("/kids")    // 4
	s.create("/quiet")   // 5
	const rel = 5        // the client saw everything up to zxid 5
	s.set("/changed")    // 6
	s.del("/gone")       // 7
	s.create("/kids/k")  // 8
	s.create("/born")    // 9

	events := tr.SetWatches(rel, WatchSet{
		Data:                []string{"/same", "/changed", "/gone"},
		Exist:               []string{"/born", "/unborn"},
		Child:               []string{"/kids", "/quiet", "/gone"},
		Persistent:          []string{"/p"},
		PersistentRecursive: []string{"/r"},
	}, 1)
	expect(t, "replay", ev(events),
		"1:DataChanged:/changed@-1 1:Deleted:/gone@-1 1:Created:/born@-1 1:ChildrenChanged:/kids@-1 1:Deleted:/gone@-1")

	armed := []struct {
		path string
		typ  int32
		want wire.Err
	}{
		{"/same", wire.WatcherData, wire.ErrOK},
		{"/changed", wire.WatcherAny, wire.ErrNoWatcher},
		{"/unborn", wire.WatcherData, wire.ErrOK},
		{"/born", wire.WatcherAny, wire.ErrNoWatcher},
		{"/quiet", wire.WatcherChildren, wire.ErrOK},
		{"/kids", wire.WatcherAny, wire.ErrNoWatcher},
		{"/p", wire.WatcherPersistent, wire.ErrOK},
		{"/r", wire.WatcherPersistentRecursive, wire.ErrOK},
	}
	for _, a := range armed {
		if got := tr.CheckWatches(a.path, a.typ, 1); got != a.want {
			t.Errorf("after replay, check %s type %d: %v, want %v", a.path, a.typ, got, a.want)
		}
	}
	expect(t, "re-armed exist watch fires", s.create("/unborn"), "1:Created:/unborn@10")
	expect(t, "recursive re-armed", s.create("/r"), "1:Created:/r@11")
}

// The setwatches-stale-zxid defect: a node changed after relativeZxid but
// created before it is re-armed, not fired; its next change fires it.
// Deleted and created nodes replay as before.
func TestSetWatchesStaleZxidLosesTheChange(t *testing.T) {
	s := newScript(t)
	s.create("/changed") // 1
	s.create("/gone")    // 2
	const rel = 2
	s.set("/changed") // 3
	s.del("/gone")    // 4
	s.create("/new")  // 5: created after rel, so its czxid still fires
	s.set("/new")     // 6
	events := s.tr.SetWatchesStaleZxid(rel, WatchSet{Data: []string{"/changed", "/gone", "/new"}}, 1)
	expect(t, "stale replay", ev(events), "1:Deleted:/gone@-1 1:DataChanged:/new@-1")
	if got := s.tr.CheckWatches("/changed", wire.WatcherData, 1); got != wire.ErrOK {
		t.Fatalf("/changed should be re-armed under the defect: %v", got)
	}
	expect(t, "next change fires the re-armed watch", s.set("/changed"), "1:DataChanged:/changed@7")
}

// Events of one txn come in ZooKeeper's trigger order, watchers ascending
// within each trigger, independent of the order watches were armed.
func TestEventOrderDeterministic(t *testing.T) {
	run := func(order []Watcher) string {
		s := newScript(t)
		s.create("/d")
		for _, w := range order {
			s.tr.GetData("/d/x", w, true) // missing: no watch
			s.tr.Exists("/d/x", w, true)
			s.tr.GetChildren("/d", w, true)
		}
		return s.create("/d/x")
	}
	want := "3:Created:/d/x@2 9:Created:/d/x@2 40:Created:/d/x@2 3:ChildrenChanged:/d@2 9:ChildrenChanged:/d@2 40:ChildrenChanged:/d@2"
	for _, order := range [][]Watcher{{3, 9, 40}, {40, 9, 3}, {9, 40, 3}} {
		if got := run(order); got != want {
			t.Errorf("order %v:\n got  %s\n want %s", order, got, want)
		}
	}
}

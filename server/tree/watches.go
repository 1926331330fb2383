package tree

import "github.com/zabsim/zabsim/server/wire"

// Watch semantics follow ZooKeeper's WatchManager as of ZOOKEEPER-4466 and
// ZOOKEEPER-4472 (3.9): one watcher may hold a one-shot and a persistent
// watch on the same path independently, and removeWatches/checkWatches
// with type Data or Children touch only one-shot watches, Persistent (4) and
// PersistentRecursive (5) only those. ZooKeeper 3.8.0 kept a single mode per
// (watcher, path), so there a one-shot watch armed on a path with a
// persistent watch replaced it; zabsim does not re-create that defect.

// AddWatch arms a persistent (wire.AddWatchPersistent) or
// persistent-recursive (wire.AddWatchPersistentRecursive) watch for w on
// path; the path need not exist. A persistent watch sees NodeCreated,
// NodeDeleted, NodeDataChanged and NodeChildrenChanged of path; a recursive
// one sees the first three for path and every descendant. An unknown mode is
// wire.ErrMarshalling (ZooKeeper's generic failure for it).
func (t *Tree) AddWatch(path string, w Watcher, addWatchMode int32) wire.Err {
	switch addWatchMode {
	case wire.AddWatchPersistent:
		t.dataWatch.add(path, w, modePersistent)
		t.childWatch.add(path, w, modePersistent)
	case wire.AddWatchPersistentRecursive:
		t.dataWatch.add(path, w, modeRecursive)
	default:
		return wire.ErrMarshalling
	}
	return wire.ErrOK
}

// WatchSet is the body of setWatches/setWatches2: the watches a client had
// when its connection broke.
type WatchSet struct {
	Data                []string // getData watches
	Exist               []string // exists watches
	Child               []string // getChildren watches
	Persistent          []string
	PersistentRecursive []string
}

// SetWatches re-arms a reconnecting client's watches, firing at once those
// whose node changed after relativeZxid (the last zxid the client saw), as
// DataTree.setWatches does, in list order:
//   - data watch: NodeDeleted if the node is gone, NodeDataChanged if its
//     mzxid > relativeZxid, else re-armed;
//   - exist watch: NodeCreated if the node exists now, else re-armed (a
//     fired one-shot watch is consumed, so it is not re-armed);
//   - child watch: NodeDeleted if the node is gone, NodeChildrenChanged if
//     its pzxid > relativeZxid, else re-armed;
//   - persistent and persistent-recursive watches are re-armed.
//
// Replayed events carry Zxid NoZxid.
func (t *Tree) SetWatches(relativeZxid int64, ws WatchSet, w Watcher) []Event {
	return t.setWatches(relativeZxid, ws, w, func(s *Persisted) int64 { return s.Mzxid })
}

// SetWatchesStaleZxid is SetWatches with the setwatches-stale-zxid bug
// switch's defect: a data watch's node is judged by its czxid instead of
// its mzxid, a zxid older than the node's last change (ZOOKEEPER-3145's
// mechanism, which judged child watches by a stale pzxid). A node changed
// while the client was away is re-armed instead of fired: the change's
// event is lost, and the watch fires only at the node's next change.
func (t *Tree) SetWatchesStaleZxid(relativeZxid int64, ws WatchSet, w Watcher) []Event {
	return t.setWatches(relativeZxid, ws, w, func(s *Persisted) int64 { return s.Czxid })
}

// setWatches is SetWatches judging data watches by dataZxid.
func (t *Tree) setWatches(relativeZxid int64, ws WatchSet, w Watcher, dataZxid func(*Persisted) int64) []Event {
	var events []Event
	fire := func(typ wire.EventType, path string) {
		events = append(events, Event{Watcher: w, Type: typ, Path: path, Zxid: NoZxid})
	}
	for _, p := range ws.Data {
		switch n, ok := t.lookup(p); {
		case !ok:
			fire(wire.EventNodeDeleted, p)
		case dataZxid(&n.stat) > relativeZxid:
			fire(wire.EventNodeDataChanged, p)
		default:
			t.dataWatch.add(p, w, modeStandard)
		}
	}
	for _, p := range ws.Exist {
		if _, ok := t.lookup(p); ok {
			fire(wire.EventNodeCreated, p)
		} else {
			t.dataWatch.add(p, w, modeStandard)
		}
	}
	for _, p := range ws.Child {
		switch n, ok := t.lookup(p); {
		case !ok:
			fire(wire.EventNodeDeleted, p)
		case n.stat.Pzxid > relativeZxid:
			fire(wire.EventNodeChildrenChanged, p)
		default:
			t.childWatch.add(p, w, modeStandard)
		}
	}
	for _, p := range ws.Persistent {
		t.childWatch.add(p, w, modePersistent)
		t.dataWatch.add(p, w, modePersistent)
	}
	for _, p := range ws.PersistentRecursive {
		t.dataWatch.add(p, w, modeRecursive)
	}
	return events
}

// CheckWatches is checkWatches: wire.ErrOK if w holds a watch of the given
// type (wire.WatcherChildren, WatcherData, WatcherAny, WatcherPersistent,
// WatcherPersistentRecursive) on path, wire.ErrNoWatcher if not, and
// wire.ErrMarshalling for an unknown type.
func (t *Tree) CheckWatches(path string, watcherType int32, w Watcher) wire.Err {
	var found bool
	switch watcherType {
	case wire.WatcherChildren:
		found = t.childWatch.modes(path, w)&modeStandard != 0
	case wire.WatcherData:
		found = t.dataWatch.modes(path, w)&modeStandard != 0
	case wire.WatcherPersistent:
		found = t.dataWatch.modes(path, w)&modePersistent != 0
	case wire.WatcherPersistentRecursive:
		found = t.dataWatch.modes(path, w)&modeRecursive != 0
	case wire.WatcherAny:
		found = t.childWatch.modes(path, w) != 0 || t.dataWatch.modes(path, w) != 0
	default:
		return wire.ErrMarshalling
	}
	if !found {
		return wire.ErrNoWatcher
	}
	return wire.ErrOK
}

// RemoveWatches is removeWatches: it removes w's watches of the given type
// on path and returns wire.ErrOK, or wire.ErrNoWatcher if there were none
// (wire.ErrMarshalling for an unknown type). The server sends no event: the
// client raises DataWatchRemoved/ChildWatchRemoved itself.
func (t *Tree) RemoveWatches(path string, watcherType int32, w Watcher) wire.Err {
	var removed bool
	all := modeStandard | modePersistent | modeRecursive
	switch watcherType {
	case wire.WatcherChildren:
		removed = t.childWatch.remove(path, w, modeStandard)
	case wire.WatcherData:
		removed = t.dataWatch.remove(path, w, modeStandard)
	case wire.WatcherPersistent:
		removed = t.childWatch.remove(path, w, modePersistent)
		removed = t.dataWatch.remove(path, w, modePersistent) || removed
	case wire.WatcherPersistentRecursive:
		removed = t.dataWatch.remove(path, w, modeRecursive)
	case wire.WatcherAny:
		removed = t.childWatch.remove(path, w, all)
		removed = t.dataWatch.remove(path, w, all) || removed
	default:
		return wire.ErrMarshalling
	}
	if !removed {
		return wire.ErrNoWatcher
	}
	return wire.ErrOK
}

// RemoveWatcher drops every watch of w (DataTree.removeCnxn: its connection
// closed).
func (t *Tree) RemoveWatcher(w Watcher) {
	t.dataWatch.removeWatcher(w)
	t.childWatch.removeWatcher(w)
}

// WatchCount returns the number of (watcher, path) pairs armed in the data
// and child watch managers together (DataTree.getWatchCount).
func (t *Tree) WatchCount() int { return t.dataWatch.count() + t.childWatch.count() }

// WatchSummary counts armed watches as ZooKeeper's watch_summary (wchs)
// does: watchers, watched paths and (watcher, path) pairs.
type WatchSummary struct {
	Watchers, Paths, Watches int
}

// DataWatchSummary is DataTree.getWatchesSummary, which summarises the
// data watch manager only (getData and exists watches, persistent ones
// included); child watches are not counted.
func (t *Tree) DataWatchSummary() WatchSummary {
	return WatchSummary{Watchers: len(t.dataWatch.byWatcher), Paths: len(t.dataWatch.byPath), Watches: t.dataWatch.count()}
}

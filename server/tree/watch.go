package tree

import (
	"slices"

	"github.com/zabsim/zabsim/server/wire"
)

// Watcher identifies who receives watch events: an opaque id the server
// chooses (a connection or session id). The tree never interprets it.
type Watcher int64

// Event is one watch notification the tree produced. Zxid is the zxid of
// the txn that triggered it, or NoZxid for events SetWatches replays.
type Event struct {
	Watcher Watcher
	Type    wire.EventType
	Path    string
	Zxid    int64
	// ACL is the ACL of the node the event is about when it fired (the
	// parent's for NodeChildrenChanged). The server notifies only a watcher
	// whose session may READ it, as ZooKeeper does since the fix for
	// CVE-2024-23944 (ZooKeeper 3.8.4, 3.9.2; Debian's 3.8.0-11+deb12u2):
	// the watch is consumed either way. Nil for replayed events: no check.
	ACL []wire.ACL
}

// NoZxid marks an event that no single txn triggered (WatchedEvent.NO_ZXID).
const NoZxid int64 = -1

// mode is a set of watch modes one watcher holds on one path, as
// WatchStats does since ZOOKEEPER-4466.
type mode uint8

const (
	modeStandard mode = 1 << iota // one-shot: exists/getData/getChildren
	modePersistent
	modeRecursive
)

// watchManager is ZooKeeper's WatchManager for one kind of watch (the tree
// keeps one for data/exist watches and one for child watches). Both indexes
// are maps, but nothing observable ever iterates them unsorted.
type watchManager struct {
	byPath    map[string]map[Watcher]mode
	byWatcher map[Watcher]map[string]struct{}
	recursive int // (watcher, path) pairs holding modeRecursive
}

func newWatchManager() watchManager {
	return watchManager{
		byPath:    make(map[string]map[Watcher]mode),
		byWatcher: make(map[Watcher]map[string]struct{}),
	}
}

// add arms m for w on path; it reports whether anything changed.
func (wm *watchManager) add(path string, w Watcher, m mode) bool {
	ws := wm.byPath[path]
	if ws == nil {
		ws = make(map[Watcher]mode)
		wm.byPath[path] = ws
	}
	old := ws[w]
	if old&m == m {
		return false
	}
	ws[w] = old | m
	ps := wm.byWatcher[w]
	if ps == nil {
		ps = make(map[string]struct{})
		wm.byWatcher[w] = ps
	}
	ps[path] = struct{}{}
	if m&modeRecursive != 0 && old&modeRecursive == 0 {
		wm.recursive++
	}
	return true
}

// set replaces the modes w holds on path (none removes the entry).
func (wm *watchManager) set(path string, w Watcher, m mode) {
	old := wm.modes(path, w)
	switch {
	case old == 0:
		if m != 0 {
			wm.add(path, w, m)
		}
		return
	case old&modeRecursive != 0 && m&modeRecursive == 0:
		wm.recursive--
	case old&modeRecursive == 0 && m&modeRecursive != 0:
		wm.recursive++
	}
	if m != 0 {
		wm.byPath[path][w] = m
		return
	}
	ws, ps := wm.byPath[path], wm.byWatcher[w]
	delete(ws, w)
	if len(ws) == 0 {
		delete(wm.byPath, path)
	}
	delete(ps, path)
	if len(ps) == 0 {
		delete(wm.byWatcher, w)
	}
}

// modes returns the modes w holds on path.
func (wm *watchManager) modes(path string, w Watcher) mode { return wm.byPath[path][w] }

// remove drops the modes in m that w holds on path and reports whether any
// were held.
func (wm *watchManager) remove(path string, w Watcher, m mode) bool {
	old := wm.modes(path, w)
	if old&m == 0 {
		return false
	}
	wm.set(path, w, old&^m)
	return true
}

// removeWatcher drops every watch of w (its connection went away).
func (wm *watchManager) removeWatcher(w Watcher) {
	paths := sortedKeys(wm.byWatcher[w])
	for _, p := range paths {
		wm.set(p, w, 0)
	}
}

// trigger fires the watches an event of type typ on path reaches: every
// watch on path itself (one-shot ones are consumed) and, when recursive
// watches exist, the recursive watches on every ancestor (a recursive watch
// never sees NodeChildrenChanged because the tree never arms one in the
// child manager). Watchers in suppress are consumed but not notified. It
// returns the watchers reached, sorted, and appends their events to out.
func (wm *watchManager) trigger(path string, typ wire.EventType, zxid int64, acl []wire.ACL, suppress []Watcher, out *[]Event) []Watcher {
	ws := wm.byPath[path]
	if len(ws) == 0 && wm.recursive == 0 {
		return nil // the common case: nobody watches (nothing to sort)
	}
	var reached, consumed []Watcher
	for w, m := range ws {
		reached = append(reached, w)
		if m&modeStandard != 0 {
			consumed = append(consumed, w)
		}
	}
	for _, w := range consumed { // outside the range: set may delete the map
		wm.set(path, w, wm.modes(path, w)&^modeStandard)
	}
	if wm.recursive > 0 {
		for p := path; p != "/"; {
			p = ParentPath(p)
			for w, m := range wm.byPath[p] {
				if m&modeRecursive != 0 {
					reached = append(reached, w)
				}
			}
		}
	}
	slices.Sort(reached)
	reached = slices.Compact(reached)
	for _, w := range reached {
		if _, skip := slices.BinarySearch(suppress, w); !skip {
			*out = append(*out, Event{Watcher: w, Type: typ, Path: path, Zxid: zxid, ACL: acl})
		}
	}
	return reached
}

// count returns the number of (watcher, path) pairs.
func (wm *watchManager) count() int {
	n := 0
	for _, ws := range wm.byPath {
		n += len(ws)
	}
	return n
}

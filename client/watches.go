package client

import (
	"maps"
	"slices"

	"github.com/zabsim/zabsim/server/wire"
)

// watchRegistry is the client's view of which watches the server holds for
// the session, so it can re-arm them with SetWatches after a reconnect.
type watchRegistry struct {
	data, exist, child, persistent, recursive map[string]bool
}

func newWatchRegistry() watchRegistry {
	return watchRegistry{
		data: map[string]bool{}, exist: map[string]bool{}, child: map[string]bool{},
		persistent: map[string]bool{}, recursive: map[string]bool{},
	}
}

// registered records the watch a successful (or, for exists, NoNode) reply
// armed on the server, following ZooKeeper's WatchRegistration rules.
func (w *watchRegistry) registered(req wire.Request, code wire.Err) {
	switch r := req.(type) {
	case *wire.ExistsRequest:
		if r.Watch && code == wire.ErrOK {
			w.data[r.Path] = true
		} else if r.Watch && code == wire.ErrNoNode {
			w.exist[r.Path] = true
		}
	case *wire.GetDataRequest:
		if r.Watch && code == wire.ErrOK {
			w.data[r.Path] = true
		}
	case *wire.GetChildrenRequest:
		if r.Watch && code == wire.ErrOK {
			w.child[r.Path] = true
		}
	case *wire.GetChildren2Request:
		if r.Watch && code == wire.ErrOK {
			w.child[r.Path] = true
		}
	case *wire.AddWatchRequest:
		if code == wire.ErrOK && r.Mode == wire.AddWatchPersistentRecursive {
			w.recursive[r.Path] = true
		} else if code == wire.ErrOK {
			w.persistent[r.Path] = true
		}
	case *wire.RemoveWatchesRequest:
		if code == wire.ErrOK {
			w.removed(r.Path, r.Type)
		}
	}
}

func (w *watchRegistry) removed(path string, watcherType int32) {
	switch watcherType {
	case wire.WatcherChildren:
		delete(w.child, path)
	case wire.WatcherData:
		delete(w.data, path)
		delete(w.exist, path)
	case wire.WatcherPersistent:
		delete(w.persistent, path)
	case wire.WatcherPersistentRecursive:
		delete(w.recursive, path)
	case wire.WatcherAny:
		for _, m := range []map[string]bool{w.data, w.exist, w.child, w.persistent, w.recursive} {
			delete(m, path)
		}
	}
}

// fired disarms the one-shot watches an event consumed; persistent ones stay.
func (w *watchRegistry) fired(t wire.EventType, path string) {
	switch t {
	case wire.EventNodeCreated:
		delete(w.exist, path)
	case wire.EventNodeDataChanged:
		delete(w.data, path)
		delete(w.exist, path)
	case wire.EventNodeChildrenChanged:
		delete(w.child, path)
	case wire.EventNodeDeleted:
		delete(w.data, path)
		delete(w.exist, path)
		delete(w.child, path)
	}
}

// setWatches builds the SetWatches (or, with persistent watches,
// SetWatches2) packets that re-arm every watch relative to zxid, split so no
// packet exceeds setWatchesLimitBytes. Paths are sorted: map order must not
// reach the wire.
func (w *watchRegistry) setWatches(zxid int64) []wire.Request {
	lists := [5][]string{slices.Sorted(maps.Keys(w.data)), slices.Sorted(maps.Keys(w.exist)), slices.Sorted(maps.Keys(w.child)), slices.Sorted(maps.Keys(w.persistent)), slices.Sorted(maps.Keys(w.recursive))}
	v2 := len(lists[3])+len(lists[4]) > 0
	var out []wire.Request
	var cur [5][]string
	size, count := 0, 0
	flush := func() {
		if count == 0 {
			return
		}
		if v2 {
			out = append(out, &wire.SetWatches2Request{RelativeZxid: zxid, DataWatches: nonNil(cur[0]),
				ExistWatches: nonNil(cur[1]), ChildWatches: nonNil(cur[2]),
				PersistentWatches: nonNil(cur[3]), PersistentRecursiveWatches: nonNil(cur[4])})
		} else {
			out = append(out, &wire.SetWatchesRequest{RelativeZxid: zxid, DataWatches: nonNil(cur[0]),
				ExistWatches: nonNil(cur[1]), ChildWatches: nonNil(cur[2])})
		}
		cur, size, count = [5][]string{}, 0, 0
	}
	for kind, paths := range lists {
		for _, p := range paths {
			if count > 0 && size+4+len(p) > setWatchesLimitBytes {
				flush()
			}
			cur[kind] = append(cur[kind], p)
			size += 4 + len(p)
			count++
		}
	}
	flush()
	return out
}

// nonNil sends an empty list as an empty vector (count 0), as the Java client
// does; a null vector would make the Java server throw.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

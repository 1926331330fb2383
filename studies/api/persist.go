package api

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/model"
)

// Persistent watches (addWatch, ZooKeeper 3.6+) in Check. A persistent
// watch on p stays armed and fires for every change of p: NodeCreated,
// NodeDataChanged, NodeDeleted and NodeChildrenChanged; a
// persistent-recursive one fires for p and every node below it, without
// NodeChildrenChanged. A connection gets one event per change however many
// of its watches the change fires. So for every change a persistent watch
// covers, the session must have received at least as many events of that
// path and type as there were such changes, before any reply that reflects
// the last of them. Across a reconnect ZooKeeper re-adds persistent watches
// without replaying what changed meanwhile (DataTree.setWatches), so the
// watch starts over at the first answer after it.

type persistKey struct {
	path      string
	recursive bool
}

type eventKey struct{ path, typ string }

type persistWatch struct {
	base      int64 // changes after this zxid are owed an event
	op        int   // the answer that armed (or re-based) it
	maybe     bool  // armed by an addWatch whose answer never came: events allowed, none owed
	delivered map[eventKey]int
}

func (k persistKey) covers(path, typ string) bool {
	if k.recursive {
		under := path == k.path || strings.HasPrefix(path, k.path+"/") || k.path == "/"
		return under && typ != model.EventNodeChildrenChanged
	}
	return path == k.path
}

// persistentReply settles a session's persistent watches at an answer with
// reply zxid z: re-base them after a reconnect, flag every change up to z
// they are owed an event for and did not get, then apply the answer's own
// addWatch or removeWatches.
func (a *apiCheck) persistentReply(ws *watchSession, c *apiCall, z int64) {
	if ws.away {
		ws.away = false
		for _, w := range ws.persist {
			w.base, w.op, w.delivered = z, c.comp.Index, map[eventKey]int{}
		}
	}
	for _, k := range sortedPersistKeys(ws.persist) {
		w := ws.persist[k]
		if w.maybe {
			continue
		}
		for _, path := range a.triggerPaths() {
			if !k.covers(path, "") && !k.covers(path, model.EventNodeCreated) {
				continue
			}
			a.owed(ws, c, k, w, path, z)
		}
	}
	switch c.op.Kind {
	case APIAddWatch:
		k := persistKey{c.op.Path, c.op.Mode == "persistent-recursive"}
		if _, ok := ws.persist[k]; !ok && c.res.Err == "" {
			ws.persist[k] = &persistWatch{base: z, op: c.comp.Index, delivered: map[eventKey]int{}}
		}
	case APIRemoveWatches:
		a.removeWatches(ws, c)
	}
}

// owed flags the changes of path (up to z, after the watch's base) whose
// events the session has not received.
func (a *apiCheck) owed(ws *watchSession, c *apiCall, k persistKey, w *persistWatch, path string, z int64) {
	ts := a.triggers[path]
	lo := sort.Search(len(ts), func(i int) bool { return ts[i].zxid > w.base })
	count := map[string]int{}
	for _, t := range ts[lo:] {
		if t.zxid > z {
			break
		}
		if !k.covers(path, t.typ) {
			continue
		}
		count[t.typ]++
		ek := eventKey{path, t.typ}
		if w.delivered[ek] >= count[t.typ] {
			continue
		}
		w.delivered[ek] = count[t.typ] // flag each missing event once
		a.r.FlagOps("missed-watch-event", []int{w.op, t.op, c.comp.Index},
			"session %#x holds a %s watch on %s (armed by op %d at zxid %#x); the change at zxid %#x (%s of %s, op %d) should fire it, but no such event arrived before op %d, whose reply at zxid %#x already reflects that change",
			c.session, persistText(k), k.path, w.op, w.base, t.zxid, t.typ, path, t.op, c.comp.Index, z)
	}
}

// persistentEvent counts an event for every persistent watch of the
// session that covers it, and reports whether one did.
func (a *apiCheck) persistentEvent(ws *watchSession, ev APIEvent) bool {
	covered := false
	for k, w := range ws.persist {
		if k.covers(ev.Path, ev.Event) {
			w.delivered[eventKey{ev.Path, ev.Event}]++
			covered = true
		}
	}
	return covered
}

// removeWatches applies removeWatches to the session's watches and checks
// its answer: OK when the session held such a watch, NOWATCHER when it
// surely did not.
func (a *apiCheck) removeWatches(ws *watchSession, c *apiCall) {
	p, typ := c.op.Path, c.op.Mode
	held, unsure := false, false
	drop := func(k watchKey) {
		if _, ok := ws.armed[k]; ok {
			held = true
			delete(ws.armed, k)
		}
		if ws.maybe[k] {
			unsure = true
			delete(ws.maybe, k)
		}
	}
	dropPersist := func(k persistKey) {
		if w, ok := ws.persist[k]; ok {
			held = held || !w.maybe
			unsure = unsure || w.maybe
			delete(ws.persist, k)
		}
	}
	switch typ {
	case "children":
		drop(watchKey{p, childWatch})
	case "data":
		drop(watchKey{p, dataWatch})
	case "persistent":
		dropPersist(persistKey{p, false})
	case "persistent-recursive":
		dropPersist(persistKey{p, true})
	case "any":
		drop(watchKey{p, childWatch})
		drop(watchKey{p, dataWatch})
		dropPersist(persistKey{p, false})
		dropPersist(persistKey{p, true})
	}
	want := model.ErrOK
	if !held {
		want = "NOWATCHER"
	}
	if c.res.Err != want && !unsure {
		a.r.FlagOps("wrong-remove-watches", []int{c.comp.Index},
			"removeWatches %s %s (op %d) was answered %s, but the session %s such a watch", p, typ, c.comp.Index, errText(c.res.Err), map[bool]string{true: "held", false: "held no"}[held])
	}
}

// triggerPaths lists the paths any change touched, sorted (made once).
func (a *apiCheck) triggerPaths() []string {
	if a.paths == nil {
		a.paths = make([]string, 0, len(a.triggers))
		for p := range a.triggers {
			a.paths = append(a.paths, p)
		}
		sort.Strings(a.paths)
	}
	return a.paths
}

func sortedPersistKeys(m map[persistKey]*persistWatch) []persistKey {
	return slices.SortedFunc(maps.Keys(m), func(a, b persistKey) int {
		return cmp.Or(strings.Compare(a.path, b.path), boolCmp(a.recursive, b.recursive))
	})
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func persistText(k persistKey) string {
	if k.recursive {
		return "persistent-recursive"
	}
	return "persistent"
}

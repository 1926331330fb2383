package api

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/model"
)

// The watch rules of Check. ZooKeeper keeps, per connection, one data
// watch table (armed by getData, and by exists whether or not the node
// exists) and one child table (getChildren); a write fires them once each
// (NodeCreated, NodeDataChanged, NodeDeleted for data; NodeChildrenChanged,
// NodeDeleted for children — one NodeDeleted event clears both). After a
// reconnect the client re-arms its watches with SetWatches and the new
// server fires at once those whose node changed since the client's last
// zxid, with the type the node's state then gives; so across a reconnect
// only the class of an event is held, not which change it names.

type watchClass uint8

const (
	dataWatch watchClass = iota
	childWatch
)

type watchKey struct {
	path  string
	class watchClass
}

// apiWatch is a watch the session holds.
type apiWatch struct {
	zxid        int64 // the zxid of the reply that armed it
	op          int   // that reply's history index
	reconnected bool  // the session reconnected since it was armed
	exist       bool  // armed by exists on a missing node
	// replayedUpTo bounds the changes SetWatches may have replayed after
	// the session's last reconnect: the server ran it before it answered
	// the session's first request after the reconnect — no later than
	// that answer's zxid for a read, before its txn for a write.
	replayedUpTo int64
}

// replayed reports whether the event for change t may have come from
// SetWatches rather than from the change itself.
func (w *apiWatch) replayed(t apiTrigger) bool { return t.zxid <= w.replayedUpTo }

// setWatchesBounds maps each "disconnected" record of an api session to
// the bound its reconnect's SetWatches ran under (see replayedUpTo),
// looking ahead to the session's next answer; none: no answer came.
func (a *apiCheck) setWatchesBounds(ops []history.Op, byComp map[int]*apiCall) map[int]int64 {
	bounds := map[int]int64{}
	waiting := map[int64][]int{}
	for _, op := range ops {
		if c, ok := byComp[op.Index]; ok && c.session != 0 && c.answered() && !sessionLevel(c.res.Err) {
			bound := c.comp.Zxid
			if c.op.IsWrite() {
				bound-- // sent after SetWatches, so prepped after it too
			}
			for _, i := range waiting[c.session] {
				bounds[i] = bound
			}
			delete(waiting, c.session)
			continue
		}
		if op.F == history.FNotify && op.Type == history.OK && op.Session != 0 && strings.Contains(string(op.Value), `"disconnected"`) {
			waiting[op.Session] = append(waiting[op.Session], op.Index)
		}
	}
	for _, idx := range waiting {
		for _, i := range idx {
			bounds[i] = math.MaxInt64
		}
	}
	return bounds
}

func classFires(class watchClass, typ string) bool {
	switch typ {
	case model.EventNodeDeleted:
		return true
	case model.EventNodeChildrenChanged:
		return class == childWatch
	case model.EventNodeCreated, model.EventNodeDataChanged:
		return class == dataWatch
	}
	return false
}

// firstTrigger is the first change after zxid that fires a watch of class
// on path.
func (a *apiCheck) firstTrigger(k watchKey, after int64) (apiTrigger, bool) {
	ts := a.triggers[k.path]
	i := sort.Search(len(ts), func(i int) bool { return ts[i].zxid > after })
	for ; i < len(ts); i++ {
		if classFires(k.class, ts[i].typ) {
			return ts[i], true
		}
	}
	return apiTrigger{}, false
}

// missingAt reports whether path is missing after the txns up to zxid, as
// far as the triggers tell (its last create or delete up to zxid was a
// delete), and that delete's zxid.
func (a *apiCheck) missingAt(path string, zxid int64) (bool, int64) {
	ts := a.triggers[path]
	for i := sort.Search(len(ts), func(i int) bool { return ts[i].zxid > zxid }) - 1; i >= 0; i-- {
		switch ts[i].typ {
		case model.EventNodeDeleted:
			return true, ts[i].zxid
		case model.EventNodeCreated:
			return false, 0
		}
	}
	return false, 0
}

// watchSession is one session's watch state while its records are read in
// history order.
type watchSession struct {
	armed   map[watchKey]*apiWatch
	maybe   map[watchKey]bool // armed by a read whose answer never came
	persist map[persistKey]*persistWatch
	away    bool // disconnected since the last answer
}

// checkWatches reads each session's api answers and notify records in the
// order the client received them.
func (a *apiCheck) checkWatches(ops []history.Op) {
	byComp := map[int]*apiCall{}
	for i := range a.calls {
		if c := &a.calls[i]; c.comp.Index >= 0 && c.comp.IsCompletion() {
			byComp[c.comp.Index] = c
		}
	}
	bounds := a.setWatchesBounds(ops, byComp)
	sessions := map[int64]*watchSession{}
	get := func(s int64) *watchSession {
		ws := sessions[s]
		if ws == nil {
			ws = &watchSession{armed: map[watchKey]*apiWatch{}, maybe: map[watchKey]bool{}, persist: map[persistKey]*persistWatch{}}
			sessions[s] = ws
		}
		return ws
	}
	events := 0
	for _, op := range ops {
		if c, ok := byComp[op.Index]; ok && c.session != 0 {
			a.watchReply(get(c.session), c)
			continue
		}
		if op.F != history.FNotify || op.Type != history.OK || op.Session == 0 || !a.sessions[op.Session] {
			continue
		}
		var ev APIEvent
		if err := op.Decode(&ev); err != nil {
			continue // another workload's notify record
		}
		ws := get(op.Session)
		switch {
		case ev.Event != "":
			events++
			a.watchEvent(ws, op, ev)
		case ev.State == "disconnected":
			for _, w := range ws.armed {
				w.reconnected = true
				w.replayedUpTo = max(w.replayedUpTo, bounds[op.Index])
			}
			ws.away = true
		case ev.State == "protocolError":
			a.r.FlagOps("protocol-violation", []int{op.Index},
				"session %#x: the client dropped its connection to %s because the server broke the protocol (%s)", op.Session, op.Node, ev.Detail)
		case ev.State == "expired" || ev.State == "closed":
			delete(sessions, op.Session)
		}
	}
	a.r.Counts["watch-events"] = events
}

// watchReply checks a reply against the session's armed watches, then arms
// the watch the reply set, if any.
func (a *apiCheck) watchReply(ws *watchSession, c *apiCall) {
	if !c.answered() {
		switch {
		case c.xid != 0 && c.op.Watch: // sent, never answered: maybe armed
			ws.maybe[watchKey{c.op.Path, classOf(c.op)}] = true
		case c.xid != 0 && c.op.Kind == APIAddWatch:
			k := persistKey{c.op.Path, c.op.Mode == "persistent-recursive"}
			if _, ok := ws.persist[k]; !ok {
				ws.persist[k] = &persistWatch{maybe: true, delivered: map[eventKey]int{}}
			}
		}
		return
	}
	if sessionLevel(c.res.Err) || c.op.Kind == APIClose {
		// The session is over: its watches go with it, and ZooKeeper need
		// not tell a closing session about its own ephemerals' deletion.
		return
	}
	z := c.comp.Zxid
	for _, k := range sortedWatchKeys(ws.armed) {
		w := ws.armed[k]
		t, ok := a.firstTrigger(k, w.zxid)
		if ok && w.reconnected && w.exist {
			// SetWatches re-arms an exist watch whose node is missing
			// again: a create and a delete while the session was away
			// fire nothing (ZooKeeper documents the miss).
			if gone, at := a.missingAt(k.path, z); gone && at >= t.zxid {
				w.zxid = at
				t, ok = a.firstTrigger(k, w.zxid)
			}
		}
		if !ok || t.zxid > z {
			continue
		}
		delete(ws.armed, k)
		a.r.FlagOps("missed-watch-event", []int{w.op, t.op, c.comp.Index},
			"session %#x armed a %s watch on %s (op %d, zxid %#x); the change at zxid %#x (%s, op %d) should fire it, but no event arrived before op %d, whose reply at zxid %#x already reflects that change",
			c.session, classText(k.class), k.path, w.op, w.zxid, t.zxid, t.typ, t.op, c.comp.Index, z)
	}
	a.persistentReply(ws, c, z)
	if !c.op.Watch {
		return
	}
	armed := c.res.Err == "" || (c.op.Kind == APIExists && c.res.Err == model.ErrNoNode)
	k := watchKey{c.op.Path, classOf(c.op)}
	if _, dup := ws.armed[k]; armed && !dup {
		ws.armed[k] = &apiWatch{zxid: z, op: c.comp.Index, exist: c.res.Err == model.ErrNoNode}
	}
}

// watchEvent checks an event against the watch it fires.
func (a *apiCheck) watchEvent(ws *watchSession, op history.Op, ev APIEvent) {
	matched := false
	for _, class := range []watchClass{dataWatch, childWatch} {
		if !classFires(class, ev.Event) {
			continue
		}
		k := watchKey{ev.Path, class}
		w, ok := ws.armed[k]
		if !ok {
			if ws.maybe[k] {
				delete(ws.maybe, k)
				matched = true
			}
			continue
		}
		matched = true
		delete(ws.armed, k)
		t, ok := a.firstTrigger(k, w.zxid)
		// A write fires one NodeDeleted for both tables of a connection;
		// SetWatches after a reconnect sends one per table (data first).
		once := ok && w.replayed(t)
		switch {
		case !ok:
			a.r.FlagOps("watch-event-without-change", []int{w.op, op.Index},
				"session %#x got %s for %s (op %d), but nothing changed %s after its %s watch was armed at zxid %#x (op %d)",
				op.Session, ev.Event, ev.Path, op.Index, ev.Path, classText(class), w.zxid, w.op)
		case !w.replayed(t) && t.typ != ev.Event:
			a.r.FlagOps("wrong-watch-event", []int{w.op, t.op, op.Index},
				"session %#x got %s for %s (op %d); the first change after its %s watch was armed (zxid %#x, op %d) is %s at zxid %#x (op %d)",
				op.Session, ev.Event, ev.Path, op.Index, classText(class), w.zxid, w.op, t.typ, t.zxid, t.op)
		}
		if once {
			break
		}
	}
	if a.persistentEvent(ws, ev) {
		matched = true
	}
	if !matched {
		a.r.FlagOps("unexpected-watch-event", []int{op.Index},
			"session %#x got %s for %s (op %d) without holding a watch that event fires", op.Session, ev.Event, ev.Path, op.Index)
	}
}

func classOf(op APIOp) watchClass {
	if op.Kind == APIGetChildren || op.Kind == APIGetChildren2 {
		return childWatch
	}
	return dataWatch
}

func classText(c watchClass) string {
	if c == childWatch {
		return "child"
	}
	return "data"
}

func sortedWatchKeys(m map[watchKey]*apiWatch) []watchKey {
	return slices.SortedFunc(maps.Keys(m), func(a, b watchKey) int {
		return cmp.Or(strings.Compare(a.path, b.path), cmp.Compare(a.class, b.class))
	})
}

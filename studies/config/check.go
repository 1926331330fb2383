package config

import (
	"slices"
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Options configures the topic-config checker.
type Options struct {
	// Initial is each key's value before the first write (default 0).
	Initial map[string]int64
	_       struct{}
}

// Check judges a watched-config history:
//
//   - every observed value was written (or is the initial value);
//   - per watcher and key, observations never go backwards in write order
//     (write order is zxid order; an observation's position is its mzxid,
//     else its write's zxid). Skipping values is fine: watches are one-shot;
//   - convergence: every watcher's last observation of a key is the final
//     value — the last ok write's, or a later-committed info write's — and
//     all watchers agree;
//   - lost-event: ZooKeeper delivers a watch event before any reply that
//     reflects the change, across reconnections too (SetWatches replays a
//     change the client missed). So once a watcher read key k at mzxid m in
//     session S (arming a watch), and some write to k committed at z > m,
//     no reply of S carrying a zxid >= z may reach the watcher before an
//     event for k (see checkLostEvents).
func Check(ops []history.Op, opts Options) checker.Result {
	r := checker.NewReport("config")
	writes, lastOK := configWrites(r, ops)
	checkLostEvents(r, ops)
	last := map[string]map[string]observation{} // key → watcher → last observation
	pos := map[string]map[string]observation{}  // key → watcher → furthest position
	for _, p := range checker.CompletedInOrder(history.Pairs(ops)) {
		if p.Invoke.F != FObserve || p.Type() != history.OK {
			continue
		}
		var v Value
		if err := p.Complete.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		r.Counts["observations"]++
		o := observation{value: v.Value, zxid: observedZxid(r, p, v, writes, opts), index: p.Complete.Index}
		if last[v.Key] == nil {
			last[v.Key], pos[v.Key] = map[string]observation{}, map[string]observation{}
		}
		if prev, ok := pos[v.Key][v.Watcher]; ok && o.zxid >= 0 && o.zxid < prev.zxid {
			r.FlagOps("went-backwards", []int{prev.index, o.index},
				"watcher %q saw %q = %d (zxid 0x%x) after %d (zxid 0x%x)", v.Watcher, v.Key, o.value, o.zxid, prev.value, prev.zxid)
		} else if o.zxid >= 0 {
			pos[v.Key][v.Watcher] = o
		}
		last[v.Key][v.Watcher] = o
	}
	checkConfigConverged(r, last, writes, lastOK)
	return r.Done()
}

type observation struct {
	value int64
	zxid  int64 // position in write order; -1 unknown
	index int
}

type configWrite struct {
	zxid  int64 // 0 for info writes
	ok    bool
	index int
}

// configWrites indexes writes by key and value, and returns each key's last
// ok write (by zxid).
func configWrites(r *checker.Report, ops []history.Op) (map[string]map[int64]configWrite, map[string]configWrite) {
	writes := map[string]map[int64]configWrite{}
	lastOK := map[string]configWrite{}
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F != history.FWrite || p.Type() == history.Fail {
			continue
		}
		var v Value
		if err := p.Invoke.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		w := configWrite{zxid: p.Complete.Zxid, ok: p.Type() == history.OK, index: p.Invoke.Index}
		if writes[v.Key] == nil {
			writes[v.Key] = map[int64]configWrite{}
		}
		writes[v.Key][v.Value] = w
		if w.ok && w.zxid >= lastOK[v.Key].zxid {
			lastOK[v.Key] = w
		}
	}
	return writes, lastOK
}

// observedZxid places an observation in write order, flagging values nobody
// wrote; -1 means the position is unknown (an info write without mzxid).
func observedZxid(r *checker.Report, p history.Pair, v Value, writes map[string]map[int64]configWrite, opts Options) int64 {
	w, written := writes[v.Key][v.Value]
	switch {
	case !written && v.Value == opts.Initial[v.Key]:
		return 0
	case !written:
		r.FlagOps("phantom-value", []int{p.Complete.Index}, "watcher %q observed %q = %d, which nobody wrote", v.Watcher, v.Key, v.Value)
		return -1
	case v.Mzxid > 0 && w.ok && w.zxid > 0 && w.zxid != v.Mzxid:
		r.FlagOps("phantom-value", []int{p.Complete.Index, w.index}, "watcher %q observed %q = %d at mzxid 0x%x, but it was written at 0x%x", v.Watcher, v.Key, v.Value, v.Mzxid, w.zxid)
	}
	if v.Mzxid > 0 {
		return v.Mzxid
	}
	if w.ok && w.zxid > 0 {
		return w.zxid
	}
	return -1
}

func checkConfigConverged(r *checker.Report, last map[string]map[string]observation, writes map[string]map[int64]configWrite, lastOK map[string]configWrite) {
	keys := make([]string, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		watchers := make([]string, 0, len(last[k]))
		for w := range last[k] {
			watchers = append(watchers, w)
		}
		sort.Strings(watchers)
		final, haveOK := lastOK[k]
		var agreed *observation
		for _, w := range watchers {
			o := last[k][w]
			wr, written := writes[k][o.value]
			isFinalOK := haveOK && written && wr.ok && wr.zxid == final.zxid
			laterInfo := written && !wr.ok && (o.zxid < 0 || o.zxid > final.zxid)
			if haveOK && !isFinalOK && !laterInfo {
				r.FlagOps("not-converged", []int{o.index, final.index}, "watcher %q ends on %q = %d, not the last write (op %d)", w, k, o.value, final.index)
				continue
			}
			if agreed != nil && agreed.value != o.value {
				r.FlagOps("not-converged", []int{agreed.index, o.index}, "watchers end on different values of %q: %d and %d", k, agreed.value, o.value)
			}
			agreed = &o
		}
	}
}

// configWatch is a watcher's one-shot data watch on a key: armed by the ok
// observe at record index at, which read mzxid; heard once an event for
// the key arrived after it.
type configWatch struct {
	at    int
	mzxid int64
	heard bool
}

// watcherSession is what one watcher's current session has armed.
type watcherSession struct {
	session int64
	armed   map[string]*configWatch
}

// checkLostEvents walks the watchers' records in history order. Only
// records that carry a session take part: a watch belongs to its session,
// and a new session (after an expiry) starts with none. A watcher re-reads
// a key only after an event, so a change whose event never came is seen
// here as a later reply (of any key) whose zxid covers the change. Writes
// after the watcher's last reply, and events after it, constrain nothing.
func checkLostEvents(r *checker.Report, ops []history.Op) {
	committed := configCommitted(ops)
	watchers := map[string]*watcherSession{}
	for _, op := range ops {
		if !op.IsClient() || op.Session == 0 || op.Type == history.Invoke {
			continue
		}
		switch op.F {
		case history.FNotify:
			var e Event
			if op.Decode(&e) != nil {
				continue
			}
			r.Counts["events"]++
			if w := watchers[e.Watcher]; w != nil && w.session == op.Session && w.armed[e.Key] != nil {
				w.armed[e.Key].heard = true
			}
		case FObserve:
			var v Value
			if op.Decode(&v) != nil || v.Watcher == "" {
				continue
			}
			w := watchers[v.Watcher]
			if w == nil || w.session != op.Session {
				w = &watcherSession{session: op.Session, armed: map[string]*configWatch{}}
				watchers[v.Watcher] = w
			}
			checkReplyAfterChange(r, v.Watcher, w, op, committed)
			if op.Type == history.OK && v.Mzxid > 0 {
				w.armed[v.Key] = &configWatch{at: op.Index, mzxid: v.Mzxid}
			}
		}
	}
}

// checkReplyAfterChange flags every armed, unheard watch of w whose key
// changed at a zxid the reply op already covers.
func checkReplyAfterChange(r *checker.Report, watcher string, w *watcherSession, op history.Op, committed map[string][]int64) {
	if op.Zxid <= 0 {
		return
	}
	keys := make([]string, 0, len(w.armed))
	for k := range w.armed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := w.armed[k]
		if a.heard {
			continue
		}
		zs := committed[k]
		i := sort.Search(len(zs), func(i int) bool { return zs[i] > a.mzxid })
		if i == len(zs) || zs[i] > op.Zxid {
			continue
		}
		r.FlagOps("lost-event", []int{a.at, op.Index},
			"watcher %q (session 0x%x) read %q at mzxid 0x%x with a watch; it changed at 0x%x, yet a reply at zxid 0x%x (op %d) came before any event for it",
			watcher, w.session, k, a.mzxid, zs[i], op.Zxid, op.Index)
		a.heard = true // one report per armed watch
	}
}

// configCommitted lists, per key and sorted, the zxids of writes known to
// have committed: ok writes with a reply zxid, and every observed mzxid
// (an info write that took effect shows up there).
func configCommitted(ops []history.Op) map[string][]int64 {
	out := map[string][]int64{}
	for _, p := range history.Pairs(ops) {
		if p.Type() != history.OK {
			continue
		}
		var v Value
		switch {
		case p.Invoke.F == history.FWrite && p.Complete.Zxid > 0 && p.Invoke.Decode(&v) == nil:
			out[v.Key] = append(out[v.Key], p.Complete.Zxid)
		case p.Invoke.F == FObserve && p.Complete.Decode(&v) == nil && v.Mzxid > 0:
			out[v.Key] = append(out[v.Key], v.Mzxid)
		}
	}
	for k, zs := range out {
		slices.Sort(zs)
		out[k] = slices.Compact(zs)
	}
	return out
}

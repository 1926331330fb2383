package durability

import (
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Check judges the durability workload: after every node crashed
// and restarted, each final read of a key must show a value at least as new
// as every acknowledged write to it. A final value v is acceptable if some
// write of v (ok or info) is not known to precede an acknowledged write —
// by zxid when both have one, else by real time. A key with an acknowledged
// write but no final read makes the verdict unknown.
func Check(ops []history.Op) checker.Result {
	r := checker.NewReport("durability")
	writes := durabilityWrites(r, ops)
	read := map[string]bool{}
	for _, p := range checker.CompletedInOrder(history.Pairs(ops)) {
		if p.Invoke.F != FFinalRead || p.Type() != history.OK {
			continue
		}
		var v Value
		if err := p.Complete.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		r.Counts["final-reads"]++
		read[v.Key] = true
		checkFinalRead(r, p, v, writes[v.Key])
	}
	keys := make([]string, 0, len(writes))
	for k := range writes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !read[k] && hasAck(writes[k]) {
			r.Doubt("key %q has acknowledged writes but no final read", k)
		}
	}
	r.Counts["keys"] = len(keys)
	return r.Done()
}

type durableWrite struct {
	value            int64
	ok               bool
	zxid             int64
	invoke, complete int64
	index            int
}

func durabilityWrites(r *checker.Report, ops []history.Op) map[string][]durableWrite {
	out := map[string][]durableWrite{}
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F != history.FWrite || p.Type() == history.Fail {
			continue
		}
		var v Value
		if err := p.Invoke.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		out[v.Key] = append(out[v.Key], durableWrite{value: v.Value, ok: p.Type() == history.OK, zxid: p.Complete.Zxid,
			invoke: p.Invoke.Time, complete: p.Complete.Time, index: p.Invoke.Index})
	}
	return out
}

func hasAck(ws []durableWrite) bool {
	for _, w := range ws {
		if w.ok {
			return true
		}
	}
	return false
}

// precedes reports whether a certainly took effect before b.
func precedes(a, b durableWrite) bool {
	if a.ok && b.ok && a.zxid > 0 && b.zxid > 0 {
		return a.zxid < b.zxid
	}
	return a.ok && a.complete < b.invoke
}

func checkFinalRead(r *checker.Report, p history.Pair, v Value, ws []durableWrite) {
	var acked []durableWrite
	for _, w := range ws {
		if w.ok {
			acked = append(acked, w)
		}
	}
	if len(acked) == 0 {
		return
	}
	if !v.Found {
		r.FlagOps("lost-write", []int{acked[0].index, p.Complete.Index},
			"node %s lost key %q: %d acknowledged writes, final read found nothing", p.Complete.Node, v.Key, len(acked))
		return
	}
	for _, w := range ws {
		if w.value != v.Value {
			continue
		}
		stale := false
		for _, a := range acked {
			if a.index != w.index && precedes(w, a) {
				stale = true
				break
			}
		}
		if !stale {
			return
		}
	}
	last := acked[len(acked)-1]
	r.FlagOps("lost-write", []int{last.index, p.Complete.Index},
		"node %s's final read of %q shows %d, older than (or never) written by an acknowledged write such as %d", p.Complete.Node, v.Key, v.Value, last.value)
}

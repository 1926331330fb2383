package checker

import (
	"sort"

	"github.com/zabsim/zabsim/history"
)

// CheckLock judges a lock history:
//
//   - mutual exclusion: holds never overlap. A hold runs from an ok
//     acquire's completion to the holder's next release or lost invocation
//     for that token (or the end of the history);
//   - fencing tokens (the lock node's sequence number) are unique and grow
//     with acquisition order;
//   - progress: some acquire invoked in the healed phase (after the last
//     nemesis record; anywhere if there were no faults) succeeds.
func CheckLock(ops []history.Op) Result {
	r := newReport("lock")
	holds := lockHolds(r, ops)
	r.res.Counts["acquisitions"] = len(holds)
	sort.Slice(holds, func(i, j int) bool { return holds[i].start < holds[j].start })
	byToken := map[int64]lockHold{}
	var longest *lockHold
	for i := range holds {
		h := &holds[i]
		if prev, dup := byToken[h.token]; dup {
			r.flagOps("duplicate-token", []int{prev.index, h.index}, "token %d granted to %q and %q", h.token, prev.client, h.client)
		}
		byToken[h.token] = *h
		if longest != nil && h.start < longest.end {
			r.flagOps("overlapping-holds", []int{longest.index, h.index},
				"%q (token %d) acquired the lock while %q (token %d) still held it", h.client, h.token, longest.client, longest.token)
		}
		if longest != nil && h.token < longest.token {
			r.flagOps("token-order", []int{longest.index, h.index}, "token %d granted after token %d", h.token, longest.token)
		}
		if longest == nil || h.end > longest.end {
			longest = h
		}
	}
	checkLockProgress(r, ops)
	return r.done()
}

type lockHold struct {
	client     string
	token      int64
	start, end int64
	index      int
}

func lockHolds(r *report, ops []history.Op) []lockHold {
	type key struct {
		client string
		token  int64
	}
	ends := map[key]int64{}
	for _, op := range ops {
		if op.Type != history.Invoke || (op.F != history.FRelease && op.F != history.FLost) {
			continue
		}
		var v history.LockValue
		if op.Decode(&v) == nil {
			k := key{v.Client, v.Token}
			if _, seen := ends[k]; !seen {
				ends[k] = op.Time
			}
		}
	}
	var holds []lockHold
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F != history.FAcquire || p.Type() != history.OK {
			continue
		}
		var v history.LockValue
		if err := p.Complete.Decode(&v); err != nil {
			malformed(r, p, err)
			continue
		}
		end, released := ends[key{v.Client, v.Token}]
		if !released || end < p.Complete.Time {
			end = 1<<63 - 1
		}
		holds = append(holds, lockHold{client: v.Client, token: v.Token, start: p.Complete.Time, end: end, index: p.Complete.Index})
	}
	return holds
}

func checkLockProgress(r *report, ops []history.Op) {
	heal := healTime(ops)
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F == history.FAcquire && p.Type() == history.OK && p.Invoke.Time >= heal {
			return
		}
	}
	r.flag("no-progress", "no acquire invoked after the last fault (t=%d) succeeded", heal)
}

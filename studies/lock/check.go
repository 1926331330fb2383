package lock

import (
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Check judges a lock history as a fenced resource would see it — the
// reason the recipe hands out fencing tokens (the lock node's sequence
// number): the resource refuses a token lower than one it has seen.
//
//   - fencing tokens are unique ("duplicate-token": the resource cannot
//     tell two holders apart);
//   - a hold granted after a higher token was granted is fenced: the
//     resource refuses its holder, so it is counted ("fenced"), not a
//     violation by itself. That such a grant happened at all is judged by
//     the sessions checker when it comes from a session the quorum had
//     already closed;
//   - mutual exclusion among the holds the resource accepts: no two
//     overlap ("overlapping-holds"). A hold runs from an ok acquire's
//     completion to the holder's next release or lost invocation for that
//     token (or the end of the history);
//   - progress: some acquire invoked in the healed phase (after the last
//     nemesis record; anywhere if there were no faults) succeeds.
func Check(ops []history.Op) checker.Result {
	r := checker.NewReport("lock")
	holds := lockHolds(r, ops)
	r.Counts["acquisitions"] = len(holds)
	r.Counts["fenced"] = 0
	sort.Slice(holds, func(i, j int) bool { return holds[i].start < holds[j].start })
	byToken := map[int64]lockHold{}
	var longest *lockHold // the accepted hold that ends last
	top := int64(-1)      // the highest token granted so far
	for i := range holds {
		h := &holds[i]
		if prev, dup := byToken[h.token]; dup {
			r.FlagOps("duplicate-token", []int{prev.index, h.index}, "token %d granted to %q and %q", h.token, prev.client, h.client)
		}
		byToken[h.token] = *h
		if h.token < top {
			r.Counts["fenced"]++ // the resource refuses it
			continue
		}
		top = h.token
		if longest != nil && h.start < longest.end {
			r.FlagOps("overlapping-holds", []int{longest.index, h.index},
				"%q (token %d) acquired the lock while %q (token %d) still held it", h.client, h.token, longest.client, longest.token)
		}
		if longest == nil || h.end > longest.end {
			longest = h
		}
	}
	checkLockProgress(r, ops)
	return r.Done()
}

type lockHold struct {
	client     string
	token      int64
	start, end int64
	index      int
}

func lockHolds(r *checker.Report, ops []history.Op) []lockHold {
	type key struct {
		client string
		token  int64
	}
	ends := map[key]int64{}
	for _, op := range ops {
		if op.Type != history.Invoke || (op.F != FRelease && op.F != FLost) {
			continue
		}
		var v Value
		if op.Decode(&v) == nil {
			k := key{v.Client, v.Token}
			if _, seen := ends[k]; !seen {
				ends[k] = op.Time
			}
		}
	}
	var holds []lockHold
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F != FAcquire || p.Type() != history.OK {
			continue
		}
		var v Value
		if err := p.Complete.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
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

func checkLockProgress(r *checker.Report, ops []history.Op) {
	heal := checker.HealTime(ops)
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F == FAcquire && p.Type() == history.OK && p.Invoke.Time >= heal {
			return
		}
	}
	r.Flag("no-progress", "no acquire invoked after the last fault (t=%d) succeeded", heal)
}

package election

import (
	"slices"
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Check judges an HDFS NameNode-style election history:
//
//   - at most one leader per term: two candidates may never both win the
//     same term;
//   - fencing: once the resource accepted a write with token t, it must
//     never accept a write with an older token (a deposed leader's write).
//     Accepted writes are ordered by zxid when they carry one; without
//     zxids, only real-time order (one completed before the other was
//     invoked) is used;
//   - liveness: a leader lost (it resigned, or the nemesis hit its node) must
//     be followed by a new leader.
//
// Stats: failover_* is the time from leader loss to the next leader's
// election (the campaign's ok).
func Check(ops []history.Op) checker.Result {
	r := checker.NewReport("election")
	var leaders []leaderTerm
	var writes []fencedWrite
	winner := map[int64]leaderTerm{}
	for _, p := range history.Pairs(ops) {
		if p.Type() != history.OK {
			continue
		}
		var v Value
		switch p.Invoke.F {
		case FCampaign:
			if err := p.Complete.Decode(&v); err != nil {
				checker.Malformed(r, p, err)
				continue
			}
			l := leaderTerm{candidate: v.Candidate, term: v.Term, at: p.Complete.Time, index: p.Complete.Index}
			if w, ok := winner[v.Term]; ok && w.candidate != v.Candidate {
				r.FlagOps("double-leader", []int{w.index, l.index}, "term %d won by both %q and %q", v.Term, w.candidate, v.Candidate)
			} else if !ok {
				winner[v.Term] = l
			}
			leaders = append(leaders, l)
		case FFencedWrite:
			if err := p.Decode(&v); err != nil {
				checker.Malformed(r, p, err)
				continue
			}
			writes = append(writes, fencedWrite{token: v.Token, candidate: v.Candidate, zxid: p.Complete.Zxid,
				invoke: p.Invoke.Time, complete: p.Complete.Time, index: p.Complete.Index})
		}
	}
	r.Counts["elections"] = len(leaders)
	r.Counts["fenced-writes:ok"] = len(writes)
	checkFencing(r, writes)
	failovers(r, ops, leaders)
	return r.Done()
}

type leaderTerm struct {
	candidate string
	term      int64
	at        int64
	index     int
}

type fencedWrite struct {
	token            int64
	candidate        string
	zxid             int64
	invoke, complete int64
	index            int
}

func checkFencing(r *checker.Report, writes []fencedWrite) {
	var withZxid []fencedWrite
	for _, w := range writes {
		if w.zxid > 0 {
			withZxid = append(withZxid, w)
		}
	}
	sort.Slice(withZxid, func(i, j int) bool { return withZxid[i].zxid < withZxid[j].zxid })
	var top *fencedWrite
	for i := range withZxid {
		w := &withZxid[i]
		if top != nil && w.token < top.token {
			r.FlagOps("deposed-leader-write", []int{top.index, w.index},
				"resource accepted %q's write with token %d (zxid 0x%x) after accepting token %d (zxid 0x%x)",
				w.candidate, w.token, w.zxid, top.token, top.zxid)
			continue
		}
		top = w
	}
	// Real-time order needs no zxids: sort by completion, and keep the
	// largest token among writes completed before each invocation.
	byDone := append([]fencedWrite(nil), writes...)
	sort.Slice(byDone, func(i, j int) bool { return byDone[i].complete < byDone[j].complete })
	byInvoke := append([]fencedWrite(nil), writes...)
	sort.Slice(byInvoke, func(i, j int) bool { return byInvoke[i].invoke < byInvoke[j].invoke })
	j := 0
	var best *fencedWrite
	for i := range byInvoke {
		w := &byInvoke[i]
		for ; j < len(byDone) && byDone[j].complete < w.invoke; j++ {
			if best == nil || byDone[j].token > best.token {
				best = &byDone[j]
			}
		}
		if best != nil && w.token < best.token && (w.zxid == 0 || best.zxid == 0) {
			r.FlagOps("deposed-leader-write", []int{best.index, w.index},
				"resource accepted %q's write with token %d invoked after the write with token %d had completed",
				w.candidate, w.token, best.token)
		}
	}
}

// lossEvents keeps the records that can end a leadership: nemesis faults and
// resign invocations.
func lossEvents(ops []history.Op) []history.Op {
	return history.Filter(ops, func(op history.Op) bool {
		return (op.IsNemesis() && isFault(op.F)) || (op.F == FResign && op.Type == history.Invoke)
	})
}

// failovers measures leader loss → next leader and flags a loss never
// followed by a new leader.
func failovers(r *checker.Report, ops []history.Op, leaders []leaderTerm) {
	losses := lossEvents(ops)
	sort.SliceStable(leaders, func(i, j int) bool { return leaders[i].at < leaders[j].at })
	var durations []int64
	for i, l := range leaders {
		lost, at, ok := leaderLoss(losses, l)
		if !ok {
			continue
		}
		// Any later-term leader is the failover, even one elected before
		// the old leader recorded its loss: a leader whose session expired
		// silently learns of it only after the new one has been elected.
		next := -1
		for j := i + 1; j < len(leaders); j++ {
			if leaders[j].term > l.term {
				next = j
				break
			}
		}
		if next < 0 {
			// Nobody left to take over (the workers finished and the
			// last leader resigned): no failover is owed.
			if w, waiting := campaignAfter(ops, lost); waiting {
				r.FlagOps("no-failover", []int{l.index, at, w}, "leader %q (term %d) was lost and no later leader was elected", l.candidate, l.term)
			}
			continue
		}
		durations = append(durations, max(leaders[next].at-lost, 0))
	}
	r.Counts["failovers"] = len(durations)
	checker.DurationStats(r.Stats, "failover", durations)
}

// campaignAfter finds a campaign still waiting at time t — invoked and not
// yet answered (or never answered) — and returns its invocation's index:
// a candidate that could take over a leadership lost at t.
func campaignAfter(ops []history.Op, t int64) (int, bool) {
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F == FCampaign && p.Complete.Time > t {
			return p.Invoke.Index, true
		}
	}
	return 0, false
}

// leaderLoss finds the first event after l's election that ends its
// leadership: its resign, or a nemesis fault naming the candidate's node.
func leaderLoss(ops []history.Op, l leaderTerm) (t int64, index int, ok bool) {
	for _, op := range ops {
		if op.Index <= l.index {
			continue
		}
		if op.IsNemesis() && nemesisHits(op, l.candidate) {
			return op.Time, op.Index, true
		}
		if op.F == FResign {
			var v Value
			if op.Decode(&v) == nil && v.Candidate == l.candidate && v.Term == l.term {
				return op.Time, op.Index, true
			}
		}
	}
	return 0, 0, false
}

// isFault reports whether a nemesis f starts a fault (rather than healing).
func isFault(f string) bool {
	for _, heal := range []string{"heal", "stop", "restart", "resume"} {
		if len(f) >= len(heal) && f[:len(heal)] == heal {
			return false
		}
	}
	return true
}

func nemesisHits(op history.Op, name string) bool {
	var v history.NemesisValue
	return op.Decode(&v) == nil && slices.Contains(v.Nodes, name)
}

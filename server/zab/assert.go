package zab

import (
	"fmt"
	"slices"
)

// Assertions on the peer's own invariants, in etcd-io/raft's manner: a
// broken one is a bug in this package (never bad input: malformed messages
// are dropped before they reach state), so the peer panics, naming itself
// and the rule, rather than go on from a state no proof covers. The cheap
// ones run on every Ready; the ones that walk the whole log window or the
// leader's learner table run only in builds with the `invariants` tag
// (`make test` sets it for the deterministic packages).
//
// They hold under every bug switch too: the switches break the protocol's
// promises (what the online Invariants checker and the harness look for),
// not the bookkeeping below.

// failf panics with the broken rule's text. Callers test the rule first and
// call failf only when it is broken: an assert(cond, format, args...) helper
// would box its arguments on every call, and checkCheap runs on every Ready
// (it cost ~12 allocations per simulated event that way).
func (p *Peer) failf(format string, args ...any) {
	panic(fmt.Sprintf("zab: peer %d (%v): invariant broken: %s", p.id, p.status.Role, fmt.Sprintf(format, args...)))
}

// checkCheap is what every Ready asserts: epochs, the log window's ends,
// the role's state, and the order of the Ready's own appends and commits.
func (p *Peer) checkCheap(rd *Ready) {
	if p.currentEpoch > p.acceptedEpoch {
		p.failf("currentEpoch %d > acceptedEpoch %d", p.currentEpoch, p.acceptedEpoch)
	}
	if p.acceptedDurable > p.acceptedEpoch || p.currentDurable > p.currentEpoch {
		p.failf("durable epochs %d/%d ahead of requested %d/%d", p.acceptedDurable, p.currentDurable, p.acceptedEpoch, p.currentEpoch)
	}
	if p.persisted > p.lastLogged {
		p.failf("persisted %#x > lastLogged %#x", p.persisted, p.lastLogged)
	}
	if p.lastCommitted > p.lastLogged {
		p.failf("lastCommitted %#x > lastLogged %#x", p.lastCommitted, p.lastLogged)
	}
	if p.windowBase > p.lastLogged {
		p.failf("window base %#x > lastLogged %#x", p.windowBase, p.lastLogged)
	}
	if n := len(p.log); n > 0 {
		if p.log[n-1].Zxid != p.lastLogged {
			p.failf("window ends at %#x, lastLogged %#x", p.log[n-1].Zxid, p.lastLogged)
		}
		if p.log[0].Zxid <= p.windowBase {
			p.failf("window starts at %#x, not after its base %#x", p.log[0].Zxid, p.windowBase)
		}
	}
	switch p.status.Role {
	case RoleLeading:
		if !(p.ld != nil && p.ln == nil && p.status.Leader == p.id) {
			p.failf("leading without leader state (leader %d)", p.status.Leader)
		}
	case RoleFollowing, RoleObserving:
		if !(p.ln != nil && p.ld == nil && p.status.Leader != p.id) {
			p.failf("learning without learner state (leader %d)", p.status.Leader)
		}
	case RoleLooking:
		if !(p.ld == nil && p.ln == nil) {
			p.failf("looking with a leader's or learner's state")
		}
	}
	if !increasing(rd.Append) {
		p.failf("Ready.Append out of zxid order")
	}
	if !increasing(rd.Commit) {
		p.failf("Ready.Commit out of zxid order")
	}
	if n := len(rd.Commit); n > 0 {
		if rd.Commit[n-1].Zxid > p.lastCommitted {
			p.failf("Ready.Commit ends at %#x beyond lastCommitted %#x", rd.Commit[n-1].Zxid, p.lastCommitted)
		}
	}
	if expensiveChecks {
		p.checkExpensive()
	}
}

// checkExpensive walks the whole window and the leader's learner table.
func (p *Peer) checkExpensive() {
	if !increasing(p.log) {
		p.failf("log window out of zxid order")
	}
	for _, z := range []int64{p.lastCommitted, p.windowBase, p.persisted} {
		want := len(p.log)
		for i, e := range p.log {
			if e.Zxid > z {
				want = i
				break
			}
		}
		got := len(p.log) - len(p.entriesAfter(z))
		if got != want {
			p.failf("entriesAfter(%#x) cuts the window at %d, a scan at %d", z, got, want)
		}
	}
	if ld := p.ld; ld != nil && ld.sorted != nil {
		ids := make([]uint64, 0, len(ld.sorted))
		for _, l := range ld.sorted {
			if ld.learners[l.id] != l {
				p.failf("sorted learner cache holds %d, the table does not", l.id)
			}
			ids = append(ids, l.id)
		}
		if !(len(ids) == len(ld.learners) && slices.IsSorted(ids)) {
			p.failf("sorted learner cache %v out of date (%d learners)", ids, len(ld.learners))
		}
		_, self := ld.learners[p.id]
		if self {
			p.failf("the leader is its own learner")
		}
	}
}

// increasing reports whether es is in strictly increasing zxid order.
func increasing(es []Entry) bool {
	for i := 1; i < len(es); i++ {
		if es[i].Zxid <= es[i-1].Zxid {
			return false
		}
	}
	return true
}

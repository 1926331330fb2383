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

// assertf panics with the rule's text when cond is false.
func (p *Peer) assertf(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("zab: peer %d (%v): invariant broken: %s", p.id, p.status.Role, fmt.Sprintf(format, args...)))
	}
}

// checkCheap is what every Ready asserts: epochs, the log window's ends,
// the role's state, and the order of the Ready's own appends and commits.
func (p *Peer) checkCheap(rd *Ready) {
	p.assertf(p.currentEpoch <= p.acceptedEpoch, "currentEpoch %d > acceptedEpoch %d", p.currentEpoch, p.acceptedEpoch)
	p.assertf(p.acceptedDurable <= p.acceptedEpoch && p.currentDurable <= p.currentEpoch,
		"durable epochs %d/%d ahead of requested %d/%d", p.acceptedDurable, p.currentDurable, p.acceptedEpoch, p.currentEpoch)
	p.assertf(p.persisted <= p.lastLogged, "persisted %#x > lastLogged %#x", p.persisted, p.lastLogged)
	p.assertf(p.lastCommitted <= p.lastLogged, "lastCommitted %#x > lastLogged %#x", p.lastCommitted, p.lastLogged)
	p.assertf(p.windowBase <= p.lastLogged, "window base %#x > lastLogged %#x", p.windowBase, p.lastLogged)
	if n := len(p.log); n > 0 {
		p.assertf(p.log[n-1].Zxid == p.lastLogged, "window ends at %#x, lastLogged %#x", p.log[n-1].Zxid, p.lastLogged)
		p.assertf(p.log[0].Zxid > p.windowBase, "window starts at %#x, not after its base %#x", p.log[0].Zxid, p.windowBase)
	}
	switch p.status.Role {
	case RoleLeading:
		p.assertf(p.ld != nil && p.ln == nil && p.status.Leader == p.id, "leading without leader state (leader %d)", p.status.Leader)
	case RoleFollowing, RoleObserving:
		p.assertf(p.ln != nil && p.ld == nil && p.status.Leader != p.id, "learning without learner state (leader %d)", p.status.Leader)
	case RoleLooking:
		p.assertf(p.ld == nil && p.ln == nil, "looking with a leader's or learner's state")
	}
	p.assertf(increasing(rd.Append), "Ready.Append out of zxid order")
	p.assertf(increasing(rd.Commit), "Ready.Commit out of zxid order")
	if n := len(rd.Commit); n > 0 {
		p.assertf(rd.Commit[n-1].Zxid <= p.lastCommitted, "Ready.Commit ends at %#x beyond lastCommitted %#x", rd.Commit[n-1].Zxid, p.lastCommitted)
	}
	if expensiveChecks {
		p.checkExpensive()
	}
}

// checkExpensive walks the whole window and the leader's learner table.
func (p *Peer) checkExpensive() {
	p.assertf(increasing(p.log), "log window out of zxid order")
	for _, z := range []int64{p.lastCommitted, p.windowBase, p.persisted} {
		want := len(p.log)
		for i, e := range p.log {
			if e.Zxid > z {
				want = i
				break
			}
		}
		got := len(p.log) - len(p.entriesAfter(z))
		p.assertf(got == want, "entriesAfter(%#x) cuts the window at %d, a scan at %d", z, got, want)
	}
	if ld := p.ld; ld != nil && ld.sorted != nil {
		ids := make([]uint64, 0, len(ld.sorted))
		for _, l := range ld.sorted {
			p.assertf(ld.learners[l.id] == l, "sorted learner cache holds %d, the table does not", l.id)
			ids = append(ids, l.id)
		}
		p.assertf(len(ids) == len(ld.learners) && slices.IsSorted(ids), "sorted learner cache %v out of date (%d learners)", ids, len(ld.learners))
		_, self := ld.learners[p.id]
		p.assertf(!self, "the leader is its own learner")
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

package zab

// The checker as it was before the performance work, kept to test that the
// rewrite reports the same violations in the same order.

import (
	"fmt"
	"maps"
	"slices"
)

// oldInvariants checks, online, the Zab properties a run must keep. Each
// observation costs O(1) map work except a first-time commit, which checks
// every node (O(nodes)), and a truncation, which trims that node's epochs.
//
//   - one zxid chain: a zxid names the same txn wherever it is logged or
//     committed (agreement, integrity);
//   - primary order: each node commits strictly increasing zxids, with no
//     gap inside an epoch and every epoch starting at counter 1;
//   - no committed txn lost: no node commits past a zxid committed anywhere
//     without having it (so no leader builds on a history missing it);
//   - at most one established leader per epoch.
type oldInvariants struct {
	logged     map[int64]uint64 // zxid -> digest, first seen in any log
	committed  map[int64]uint64 // zxid -> digest, committed anywhere
	maxCounter map[uint32]uint32
	leaders    map[uint32]uint64
	nodes      map[uint64]*oldNodeChain
	violations []string
	// Limit bounds the violations kept (default 100).
	Limit int
}

// oldNodeChain is what one node has applied: a snapshot base, then one
// contiguous counter range per epoch.
type oldNodeChain struct {
	base   int64 // state came from a snapshot as of base (or 0)
	last   int64
	ranges map[uint32][2]uint32 // epoch -> [first, last] counters applied after base
}

// NewInvariants returns an empty checker.
func newOldInvariants() *oldInvariants {
	return &oldInvariants{
		logged: map[int64]uint64{}, committed: map[int64]uint64{},
		maxCounter: map[uint32]uint32{}, leaders: map[uint32]uint64{},
		nodes: map[uint64]*oldNodeChain{}, Limit: 100,
	}
}

// Violations returns what went wrong, in observation order.
func (inv *oldInvariants) Violations() []string { return inv.violations }

// OK reports whether no invariant was violated.
func (inv *oldInvariants) OK() bool { return len(inv.violations) == 0 }

func (inv *oldInvariants) fail(format string, args ...any) {
	if len(inv.violations) < inv.Limit {
		inv.violations = append(inv.violations, fmt.Sprintf(format, args...))
	}
}

func (inv *oldInvariants) node(id uint64) *oldNodeChain {
	n := inv.nodes[id]
	if n == nil {
		n = &oldNodeChain{ranges: map[uint32][2]uint32{}}
		inv.nodes[id] = n
	}
	return n
}

// Observe feeds one observation; other values are ignored, so a host can
// pass everything it emits.
func (inv *oldInvariants) Observe(o any) {
	switch o := o.(type) {
	case Committed:
		inv.onCommitted(o)
	case Logged:
		inv.sameTxn("logged", inv.logged, o.Node, o.Zxid, o.Digest)
	case Truncated:
		inv.node(o.Node).truncate(o.ToZxid)
	case SnapshotInstalled:
		n := inv.node(o.Node)
		n.base, n.last, n.ranges = o.Zxid, o.Zxid, map[uint32][2]uint32{}
	case Established:
		if prev, ok := inv.leaders[o.Epoch]; ok && prev != o.Node {
			inv.fail("two established leaders in epoch %d: %d and %d", o.Epoch, prev, o.Node)
		}
		inv.leaders[o.Epoch] = o.Node
	}
}

func (inv *oldInvariants) sameTxn(what string, m map[int64]uint64, node uint64, zxid int64, d uint64) {
	if prev, ok := m[zxid]; ok && prev != d {
		inv.fail("node %d %s zxid %s with a different txn than another node (one zxid chain broken)", node, what, ZxidString(zxid))
		return
	}
	m[zxid] = d
}

func (inv *oldInvariants) onCommitted(o Committed) {
	inv.sameTxn("logged", inv.logged, o.Node, o.Zxid, o.Digest)
	_, seen := inv.committed[o.Zxid]
	inv.sameTxn("committed", inv.committed, o.Node, o.Zxid, o.Digest)
	n := inv.node(o.Node)
	inv.checkOrder(o.Node, n, o.Zxid)
	n.add(o.Zxid)
	e, c := EpochOf(o.Zxid), CounterOf(o.Zxid)
	inv.maxCounter[e] = max(inv.maxCounter[e], c)
	if !seen {
		inv.checkNoneSkipped(o.Zxid)
	}
}

// checkOrder: strictly increasing, gap-free within an epoch, each new epoch
// from counter 1, and nothing committed elsewhere skipped on the way.
func (inv *oldInvariants) checkOrder(id uint64, n *oldNodeChain, z int64) {
	if z <= n.last {
		inv.fail("node %d committed %s after %s (primary order)", id, ZxidString(z), ZxidString(n.last))
		return
	}
	pe, pc := EpochOf(n.last), CounterOf(n.last)
	e, c := EpochOf(z), CounterOf(z)
	if e == pe && n.last != 0 {
		if c != pc+1 {
			inv.fail("node %d committed %s after %s: gap in epoch %d", id, ZxidString(z), ZxidString(n.last), e)
		}
		return
	}
	if c != 1 {
		inv.fail("node %d committed %s after %s: epoch %d does not start at 1", id, ZxidString(z), ZxidString(n.last), e)
	}
	if n.last != 0 && inv.maxCounter[pe] > pc {
		inv.fail("node %d skipped committed %s (had %s, now %s): committed txn lost",
			id, ZxidString(MakeZxid(pe, pc+1)), ZxidString(n.last), ZxidString(z))
	}
	for _, me := range slices.Sorted(maps.Keys(inv.maxCounter)) {
		if me > pe && me < e && inv.maxCounter[me] > 0 {
			inv.fail("node %d skipped committed epoch %d (had %s, now %s): committed txn lost", id, me, ZxidString(n.last), ZxidString(z))
		}
	}
}

// checkNoneSkipped: a zxid committed for the first time must not be missing
// from a node that already went past it.
func (inv *oldInvariants) checkNoneSkipped(z int64) {
	for _, id := range slices.Sorted(maps.Keys(inv.nodes)) {
		n := inv.nodes[id]
		if n.last > z && !n.has(z) {
			inv.fail("node %d is past committed %s (at %s) without it: chains diverge or a committed txn was lost", id, ZxidString(z), ZxidString(n.last))
		}
	}
}

func (n *oldNodeChain) add(z int64) {
	e, c := EpochOf(z), CounterOf(z)
	r, ok := n.ranges[e]
	if !ok {
		r[0] = c
	}
	r[1] = c
	n.ranges[e] = r
	n.last = z
}

func (n *oldNodeChain) has(z int64) bool {
	if z <= n.base {
		return true
	}
	r, ok := n.ranges[EpochOf(z)]
	c := CounterOf(z)
	return ok && c >= r[0] && c <= r[1]
}

func (n *oldNodeChain) truncate(to int64) {
	if to >= n.last {
		return
	}
	n.last = max(to, 0)
	if to <= n.base {
		n.base, n.last, n.ranges = max(to, 0), max(to, 0), map[uint32][2]uint32{}
		return
	}
	te, tc := EpochOf(to), CounterOf(to)
	for e, r := range n.ranges {
		switch {
		case e > te || (e == te && r[0] > tc):
			delete(n.ranges, e)
		case e == te:
			n.ranges[e] = [2]uint32{r[0], min(r[1], tc)}
		}
	}
	// n.last must be the last zxid the node still has.
	n.last = n.base
	for e, r := range n.ranges {
		n.last = max(n.last, MakeZxid(e, r[1]))
	}
}

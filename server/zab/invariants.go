package zab

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
)

// Observations a host emits (proc.Env.Emit) for the online invariant
// checker. Observe derives them from a Ready.

// Committed: Node applied txn Zxid (from Ready.Commit).
type Committed struct {
	Node   uint64
	Zxid   int64
	Digest uint64 // Digest(txn bytes)
}

// Logged: Node appended txn Zxid to its log (from Ready.Append).
type Logged struct {
	Node   uint64
	Zxid   int64
	Digest uint64
}

// Truncated: Node's state went back to ToZxid: a TRUNC, or a restart that
// recovered only up to ToZxid (unsynced writes lost).
type Truncated struct {
	Node   uint64
	ToZxid int64
}

// SnapshotInstalled: Node replaced its state with a snapshot as of Zxid.
type SnapshotInstalled struct {
	Node uint64
	Zxid int64
}

// Established: Node became the established leader of Epoch.
type Established struct {
	Node  uint64
	Epoch uint32
}

// Digest hashes a txn's bytes (FNV-1a 64) for the one-chain check. (The
// compiler keeps hash/fnv's state on the stack: no allocation per txn.)
func Digest(data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	return h.Sum64()
}

// Observe returns the observations rd implies for node, in the order the
// host carries rd out.
func Observe(node uint64, rd *Ready) []any {
	var out []any
	var o Observer
	o.Each(node, rd, func(x any) { out = append(out, NoteValue(x)) })
	return out
}

// NoteValue is an observation as a value: Observer.Each emits Logged and
// Committed as pointers (see Observer), Observe as values.
func NoteValue(x any) any {
	switch n := x.(type) {
	case *Logged:
		return *n
	case *Committed:
		return *n
	}
	return x
}

// Observer derives observations from Readys like Observe (one at a time,
// with no slice to collect them), and remembers the digests of recently
// logged txns: a txn's Committed observation then reuses the digest its
// Logged one computed instead of hashing the same bytes again. The zero
// value is ready to use; a host keeps one per peer.
type Observer struct {
	recent [64]digestSlot // by zxid modulo 64
	// logged and committed are the chunks the notes are cut from: a note
	// is emitted as a pointer into one, which an interface holds without
	// an allocation of its own (a Logged or Committed value would be
	// boxed, one allocation per txn per node). Notes are never reused.
	logged    []Logged
	committed []Committed
}

// noteChunk is how many notes one chunk holds.
const noteChunk = 256

func (o *Observer) loggedNote(n Logged) *Logged {
	if len(o.logged) == cap(o.logged) {
		o.logged = make([]Logged, 0, noteChunk)
	}
	o.logged = append(o.logged, n)
	return &o.logged[len(o.logged)-1]
}

func (o *Observer) committedNote(n Committed) *Committed {
	if len(o.committed) == cap(o.committed) {
		o.committed = make([]Committed, 0, noteChunk)
	}
	o.committed = append(o.committed, n)
	return &o.committed[len(o.committed)-1]
}

// digestSlot is a remembered digest: of the n bytes at data (txn bytes are
// never modified once logged, and the slot keeps them alive, so the same
// address and length mean the same bytes).
type digestSlot struct {
	zxid int64
	data *byte
	n    int
	d    uint64
}

// digest is Digest(e.Data), from memory when e's bytes were hashed before.
func (o *Observer) digest(e Entry) uint64 {
	if len(e.Data) == 0 {
		return Digest(e.Data)
	}
	s := &o.recent[uint64(e.Zxid)%uint64(len(o.recent))]
	if s.data == &e.Data[0] && s.n == len(e.Data) && s.zxid == e.Zxid {
		return s.d
	}
	*s = digestSlot{zxid: e.Zxid, data: &e.Data[0], n: len(e.Data), d: Digest(e.Data)}
	return s.d
}

// EntryDigest is Digest(e.Data), remembered: a txn Each has just seen
// costs no second hashing.
func (o *Observer) EntryDigest(e Entry) uint64 { return o.digest(e) }

// Each calls emit with each observation rd implies for node (see Observe).
func (o *Observer) Each(node uint64, rd *Ready, emit func(any)) {
	if s := rd.RoleChange; s != nil && s.Role == RoleLeading && s.Serving {
		emit(Established{Node: node, Epoch: s.Epoch})
	}
	if rd.InstallSnapshot != nil {
		emit(SnapshotInstalled{Node: node, Zxid: rd.InstallSnapshot.Zxid})
	}
	if rd.Truncate != nil && !rd.RetainsState() {
		emit(Truncated{Node: node, ToZxid: *rd.Truncate})
	}
	for _, e := range rd.Settled { // zk-2845/zk-1549: replayed at load, now the node's state
		emit(o.committedNote(Committed{Node: node, Zxid: e.Zxid, Digest: o.digest(e)}))
	}
	for _, e := range rd.Append {
		emit(o.loggedNote(Logged{Node: node, Zxid: e.Zxid, Digest: o.digest(e)}))
	}
	for _, e := range rd.Commit {
		emit(o.committedNote(Committed{Node: node, Zxid: e.Zxid, Digest: o.digest(e)}))
	}
}

// Invariants checks, online, the Zab properties a run must keep. Each
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
type Invariants struct {
	txns       txnTable // by zxid: what logs and commits said it is
	committed  int      // how many zxids were committed anywhere
	maxCounter map[uint32]uint32
	leaders    map[uint32]uint64
	nodes      []*nodeChain // in id order (a handful: searched, not hashed)
	violations []string
	// Limit bounds the violations kept (default 100).
	Limit int
}

// txnDigests is what the checker knows of one zxid: the digest it was
// first logged (or committed) with, and the digest it was first committed
// with. One entry holds both, so an observation costs one lookup.
type txnDigests struct {
	logged, committed       uint64
	hasLogged, hasCommitted bool
}

// txnTable holds the txnDigests of every zxid seen. Counters are dense in
// an epoch (a leader numbers its proposals 1, 2, 3, ...), so each epoch's
// entries are a slice indexed by counter, found through the epoch of the
// previous lookup nearly always: a zxid costs no hashing and the table no
// rehashing as a run grows. A counter far beyond its epoch's slice (only
// hand-made streams) goes to a map until the slice grows to it. A zxid
// never seen reads as the zero txnDigests, as a missing map entry did.
type txnTable struct {
	epochs map[uint32]*epochTxns
	sparse map[int64]*txnDigests // zxids whose counter is past their epoch's slice
	cur    *epochTxns            // the epoch of the last lookup (or nil)
}

type epochTxns struct {
	epoch     uint32
	byCounter []txnDigests
}

// sparseGap is how far past its epoch's slice a counter goes to the map
// instead of growing the slice.
const sparseGap = 1 << 12

// at returns zxid z's entry, creating it (zero) if need be. The pointer is
// good until the next call.
func (tt *txnTable) at(z int64) *txnDigests {
	e, c := EpochOf(z), int(CounterOf(z))
	et := tt.cur
	if et == nil || et.epoch != e {
		if et = tt.epochs[e]; et == nil {
			if tt.epochs == nil {
				tt.epochs = map[uint32]*epochTxns{}
			}
			et = &epochTxns{epoch: e}
			tt.epochs[e] = et
		}
		tt.cur = et
	}
	if c < len(et.byCounter) {
		return &et.byCounter[c]
	}
	if c >= len(et.byCounter)+sparseGap {
		d := tt.sparse[z]
		if d == nil {
			if tt.sparse == nil {
				tt.sparse = map[int64]*txnDigests{}
			}
			d = new(txnDigests)
			tt.sparse[z] = d
		}
		return d
	}
	old := len(et.byCounter)
	et.byCounter = slices.Grow(et.byCounter, c+1-old)[:c+1]
	clear(et.byCounter[old:])
	if len(tt.sparse) > 0 {
		// Counters the slice now covers move in from the map: each zxid
		// has one entry, wherever it is.
		for k := old; k <= c; k++ {
			zk := MakeZxid(e, uint32(k))
			if d := tt.sparse[zk]; d != nil {
				et.byCounter[k] = *d
				delete(tt.sparse, zk)
			}
		}
	}
	return &et.byCounter[c]
}

// nodeChain is what one node has applied: a snapshot base, then one
// contiguous counter range per epoch.
type nodeChain struct {
	id     uint64
	base   int64 // state came from a snapshot as of base (or 0)
	last   int64
	ranges map[uint32]*[2]uint32 // epoch -> [first, last] counters applied after base
}

// NewInvariants returns an empty checker.
func NewInvariants() *Invariants {
	return &Invariants{
		maxCounter: map[uint32]uint32{}, leaders: map[uint32]uint64{},
		Limit: 100,
	}
}

// Violations returns what went wrong, in observation order.
func (inv *Invariants) Violations() []string { return inv.violations }

// OK reports whether no invariant was violated.
func (inv *Invariants) OK() bool { return len(inv.violations) == 0 }

func (inv *Invariants) fail(format string, args ...any) {
	if len(inv.violations) < inv.Limit {
		inv.violations = append(inv.violations, fmt.Sprintf(format, args...))
	}
}

func (inv *Invariants) node(id uint64) *nodeChain {
	// A handful of nodes, in id order: a scan is cheaper than a binary
	// search through a comparison closure.
	i := 0
	for i < len(inv.nodes) && inv.nodes[i].id < id {
		i++
	}
	if i == len(inv.nodes) || inv.nodes[i].id != id {
		inv.nodes = slices.Insert(inv.nodes, i, &nodeChain{id: id, ranges: map[uint32]*[2]uint32{}})
	}
	return inv.nodes[i]
}

// Observe feeds one observation; other values are ignored, so a host can
// pass everything it emits.
func (inv *Invariants) Observe(o any) {
	switch o := o.(type) {
	case *Committed: // Observer's notes
		inv.onCommitted(*o)
	case *Logged:
		inv.onLogged(*o)
	case Committed:
		inv.onCommitted(o)
	case Logged:
		inv.onLogged(o)
	case Truncated:
		inv.node(o.Node).truncate(o.ToZxid)
	case SnapshotInstalled:
		n := inv.node(o.Node)
		n.base, n.last, n.ranges = o.Zxid, o.Zxid, map[uint32]*[2]uint32{}
	case Established:
		if prev, ok := inv.leaders[o.Epoch]; ok && prev != o.Node {
			inv.fail("two established leaders in epoch %d: %d and %d", o.Epoch, prev, o.Node)
		}
		inv.leaders[o.Epoch] = o.Node
	}
}

func (inv *Invariants) onLogged(o Logged) {
	t := inv.txns.at(o.Zxid)
	inv.sameTxn("logged", &t.logged, &t.hasLogged, o.Node, o.Zxid, o.Digest)
}

// sameTxn checks digest d of zxid against the first one recorded in
// *prev (*has tells whether there is one); it records d if there was none
// and reports whether it did.
func (inv *Invariants) sameTxn(what string, prev *uint64, has *bool, node uint64, zxid int64, d uint64) bool {
	if *has {
		if *prev != d {
			inv.fail("node %d %s zxid %s with a different txn than another node (one zxid chain broken)", node, what, ZxidString(zxid))
		}
		return false
	}
	*prev, *has = d, true
	return true
}

func (inv *Invariants) onCommitted(o Committed) {
	t := inv.txns.at(o.Zxid)
	inv.sameTxn("logged", &t.logged, &t.hasLogged, o.Node, o.Zxid, o.Digest)
	seen := t.hasCommitted
	if inv.sameTxn("committed", &t.committed, &t.hasCommitted, o.Node, o.Zxid, o.Digest) {
		inv.committed++
	}
	n := inv.node(o.Node)
	inv.checkOrder(o.Node, n, o.Zxid)
	n.add(o.Zxid)
	e, c := EpochOf(o.Zxid), CounterOf(o.Zxid)
	if mc, ok := inv.maxCounter[e]; !ok || c > mc {
		inv.maxCounter[e] = c
	}
	if !seen {
		inv.checkNoneSkipped(o.Zxid)
	}
}

// checkOrder: strictly increasing, gap-free within an epoch, each new epoch
// from counter 1, and nothing committed elsewhere skipped on the way.
func (inv *Invariants) checkOrder(id uint64, n *nodeChain, z int64) {
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
func (inv *Invariants) checkNoneSkipped(z int64) {
	for _, n := range inv.nodes {
		if n.last > z && !n.has(z) {
			inv.fail("node %d is past committed %s (at %s) without it: chains diverge or a committed txn was lost", n.id, ZxidString(z), ZxidString(n.last))
		}
	}
}

func (n *nodeChain) add(z int64) {
	e, c := EpochOf(z), CounterOf(z)
	if r := n.ranges[e]; r != nil {
		r[1] = c // in place: one lookup per commit
	} else {
		n.ranges[e] = &[2]uint32{c, c}
	}
	n.last = z
}

func (n *nodeChain) has(z int64) bool {
	if z <= n.base {
		return true
	}
	r := n.ranges[EpochOf(z)]
	c := CounterOf(z)
	return r != nil && c >= r[0] && c <= r[1]
}

func (n *nodeChain) truncate(to int64) {
	if to >= n.last {
		return
	}
	n.last = max(to, 0)
	if to <= n.base {
		n.base, n.last, n.ranges = max(to, 0), max(to, 0), map[uint32]*[2]uint32{}
		return
	}
	te, tc := EpochOf(to), CounterOf(to)
	for e, r := range n.ranges {
		switch {
		case e > te || (e == te && r[0] > tc):
			delete(n.ranges, e)
		case e == te:
			r[1] = min(r[1], tc)
		}
	}
	// n.last must be the last zxid the node still has.
	n.last = n.base
	for e, r := range n.ranges {
		n.last = max(n.last, MakeZxid(e, r[1]))
	}
}

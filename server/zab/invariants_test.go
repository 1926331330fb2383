package zab

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func z(e, c uint32) int64 { return MakeZxid(e, c) }

func commit(node uint64, zxid int64, data string) Committed {
	return Committed{Node: node, Zxid: zxid, Digest: Digest([]byte(data))}
}

func TestInvariantsCleanHistory(t *testing.T) {
	inv := NewInvariants()
	for _, o := range []any{
		Established{Node: 1, Epoch: 1},
		commit(1, z(1, 1), "a"), commit(2, z(1, 1), "a"),
		commit(1, z(1, 2), "b"), commit(2, z(1, 2), "b"),
		Established{Node: 2, Epoch: 2},
		commit(2, z(2, 1), "c"), commit(1, z(2, 1), "c"),
		// 3 was behind, truncated an uncommitted txn and got a snapshot.
		Logged{Node: 3, Zxid: z(1, 3), Digest: 9},
		Truncated{Node: 3, ToZxid: z(1, 2)},
		SnapshotInstalled{Node: 3, Zxid: z(2, 1)},
		commit(3, z(2, 2), "d"), commit(1, z(2, 2), "d"),
		// A restart recovers less than was applied and replays it.
		Truncated{Node: 1, ToZxid: z(1, 2)},
		commit(1, z(2, 1), "c"), commit(1, z(2, 2), "d"),
	} {
		inv.Observe(o)
	}
	if !inv.OK() {
		t.Fatal(inv.Violations())
	}
}

// invariantStreams are hand-made observation streams with exactly the
// violations the checker must report for each, in order (the texts are
// the ones the checker reported before it was reworked for speed).
var invariantStreams = []struct {
	name      string
	obs       []any
	want      []string
	committed int // zxids committed anywhere
}{
	{"divergent txn", []any{commit(1, z(1, 1), "a"), commit(2, z(1, 1), "b")}, []string{
		"node 2 logged zxid 1:1 with a different txn than another node (one zxid chain broken)",
		"node 2 committed zxid 1:1 with a different txn than another node (one zxid chain broken)",
	}, 1},
	{"divergent log", []any{Logged{Node: 1, Zxid: 7, Digest: 1}, Logged{Node: 2, Zxid: 7, Digest: 2}}, []string{
		"node 2 logged zxid 0:7 with a different txn than another node (one zxid chain broken)",
	}, 0},
	{"commit differs from a log", []any{Logged{Node: 1, Zxid: z(1, 1), Digest: 1}, commit(2, z(1, 1), "a"), commit(1, z(1, 1), "a")}, []string{
		"node 2 logged zxid 1:1 with a different txn than another node (one zxid chain broken)",
		"node 1 logged zxid 1:1 with a different txn than another node (one zxid chain broken)",
	}, 1},
	{"not increasing", []any{commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"), commit(1, z(1, 2), "b")}, []string{
		"node 1 committed 1:2 after 1:2 (primary order)",
	}, 2},
	{"gap in epoch", []any{commit(1, z(1, 1), "a"), commit(1, z(1, 3), "c")}, []string{
		"node 1 committed 1:3 after 1:1: gap in epoch 1",
	}, 2},
	{"epoch not from 1", []any{commit(1, z(1, 1), "a"), commit(1, z(2, 2), "x")}, []string{
		"node 1 committed 2:2 after 1:1: epoch 2 does not start at 1",
	}, 2},
	{"skipped committed tail", []any{
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"),
		commit(2, z(1, 1), "a"), commit(2, z(2, 1), "c"),
	}, []string{
		"node 2 skipped committed 1:2 (had 1:1, now 2:1): committed txn lost",
	}, 3},
	{"skipped committed epoch", []any{
		commit(1, z(1, 1), "a"), commit(1, z(2, 1), "b"),
		commit(2, z(1, 1), "a"), commit(2, z(3, 1), "c"),
	}, []string{
		"node 2 skipped committed epoch 2 (had 1:1, now 3:1): committed txn lost",
	}, 3},
	{"committed later than a node passed it", []any{
		commit(2, z(1, 1), "a"), commit(2, z(2, 1), "c"),
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"),
	}, []string{
		"node 2 is past committed 1:2 (at 2:1) without it: chains diverge or a committed txn was lost",
	}, 3},
	{"two leaders", []any{Established{Node: 1, Epoch: 4}, Established{Node: 2, Epoch: 4}, Established{Node: 2, Epoch: 4}}, []string{
		"two established leaders in epoch 4: 1 and 2",
	}, 0},
	// One commit breaking several rules: each is reported, epochs in order.
	{"several at once", []any{
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"),
		commit(1, z(3, 1), "d"), commit(1, z(2, 1), "c"),
		commit(2, z(1, 1), "a"), commit(2, z(4, 2), "e"),
	}, []string{
		"node 1 committed 2:1 after 3:1 (primary order)",
		"node 2 committed 4:2 after 1:1: epoch 4 does not start at 1",
		"node 2 skipped committed 1:2 (had 1:1, now 4:2): committed txn lost",
		"node 2 skipped committed epoch 2 (had 1:1, now 4:2): committed txn lost",
		"node 2 skipped committed epoch 3 (had 1:1, now 4:2): committed txn lost",
	}, 5},
	// Nodes past a newly committed zxid are reported in id order.
	{"several nodes past it", []any{
		commit(3, z(2, 1), "x"), commit(2, z(2, 1), "x"), commit(1, z(1, 1), "a"),
	}, []string{
		"node 2 is past committed 1:1 (at 2:1) without it: chains diverge or a committed txn was lost",
		"node 3 is past committed 1:1 (at 2:1) without it: chains diverge or a committed txn was lost",
	}, 2},
	// A truncated node commits the cut txns again (fine), but a different
	// txn under a committed zxid is not.
	{"truncate and recommit", []any{
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"), commit(1, z(1, 3), "c"),
		Truncated{Node: 1, ToZxid: z(1, 1)},
		commit(1, z(1, 2), "b"), commit(1, z(1, 3), "x"),
	}, []string{
		"node 1 logged zxid 1:3 with a different txn than another node (one zxid chain broken)",
		"node 1 committed zxid 1:3 with a different txn than another node (one zxid chain broken)",
	}, 3},
	{"truncate then gap", []any{
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"), commit(2, z(2, 1), "c"),
		Truncated{Node: 1, ToZxid: z(1, 1)},
		commit(1, z(1, 3), "d"),
	}, []string{
		"node 2 skipped committed epoch 1 (had 0:0, now 2:1): committed txn lost",
		"node 1 committed 1:3 after 1:1: gap in epoch 1",
		"node 2 is past committed 1:3 (at 2:1) without it: chains diverge or a committed txn was lost",
	}, 4},
	// A truncation to before the node's snapshot empties it: it must build
	// the chain again from the start.
	{"truncate below snapshot", []any{
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"),
		SnapshotInstalled{Node: 2, Zxid: z(1, 2)}, commit(2, z(2, 1), "c"),
		Truncated{Node: 2, ToZxid: z(1, 1)},
		commit(2, z(2, 1), "c"),
		Truncated{Node: 2, ToZxid: 0},
		commit(2, z(1, 2), "b"),
	}, []string{
		"node 2 skipped committed 1:2 (had 1:1, now 2:1): committed txn lost",
		"node 2 committed 1:2 after 0:0: epoch 1 does not start at 1",
	}, 3},
	// A snapshot covers everything up to it: committing on from there is
	// in order, and a node past the snapshot zxid has what it covers.
	{"snapshot", []any{
		commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"), commit(1, z(1, 3), "c"),
		SnapshotInstalled{Node: 2, Zxid: z(1, 2)},
		commit(2, z(1, 3), "c"), commit(2, z(1, 5), "e"),
	}, []string{
		"node 2 committed 1:5 after 1:3: gap in epoch 1",
	}, 4},
}

func TestInvariantsDetect(t *testing.T) {
	for _, c := range invariantStreams {
		t.Run(c.name, func(t *testing.T) {
			inv := NewInvariants()
			for _, o := range c.obs {
				inv.Observe(o)
			}
			if got := inv.Violations(); !slices.Equal(got, c.want) {
				t.Fatalf("violations\n%q\nwant\n%q", got, c.want)
			}
			if inv.committed != c.committed {
				t.Fatalf("%d zxids committed, want %d", inv.committed, c.committed)
			}
		})
	}
}

func TestInvariantsLimit(t *testing.T) {
	inv := NewInvariants()
	inv.Limit = 3
	for i := 0; i < 10; i++ {
		inv.Observe(Established{Node: uint64(i + 1), Epoch: 1})
	}
	if n := len(inv.Violations()); n != 3 {
		t.Fatalf("kept %d violations, want 3", n)
	}
}

func BenchmarkInvariantsCommit(b *testing.B) {
	inv := NewInvariants()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		zx := MakeZxid(1, uint32(i+1))
		for n := uint64(1); n <= 3; n++ {
			inv.Observe(Committed{Node: n, Zxid: zx, Digest: uint64(i)})
		}
	}
}

// zk-2845/zk-1549 effects: a Replay is not a decision (no observation); a
// TRUNC that keeps replayed txns is no truncation, and the kept txns count
// as applied, so another node building past them is caught.
func TestObserveReplayAndSettled(t *testing.T) {
	e1, e2, e3 := Entry{Zxid: MakeZxid(1, 1), Data: []byte("a")}, Entry{Zxid: MakeZxid(1, 2), Data: []byte("b")}, Entry{Zxid: MakeZxid(1, 3), Data: []byte("c")}
	if obs := Observe(1, &Ready{Replay: []Entry{e1, e2, e3}}); len(obs) != 0 {
		t.Fatalf("replay observed as %v", obs)
	}
	cut := e1.Zxid
	kept := &Ready{Truncate: &cut, Settled: []Entry{e1, e2, e3}}
	if !kept.RetainsState() {
		t.Fatal("a TRUNC below settled txns must retain the state")
	}
	obs := Observe(1, kept)
	for _, o := range obs {
		if _, ok := o.(Truncated); ok {
			t.Fatalf("retained state observed as a truncation: %v", obs)
		}
	}
	if len(obs) != 3 {
		t.Fatalf("observations %v, want the three settled txns", obs)
	}
	confirmed := &Ready{Settled: []Entry{e1}}
	if confirmed.RetainsState() || confirmed.IsEmpty() {
		t.Fatal("settled txns without a TRUNC retain nothing but are an effect")
	}

	inv := NewInvariants()
	for _, o := range obs {
		inv.Observe(o)
	}
	inv.Observe(Committed{Node: 2, Zxid: e1.Zxid, Digest: Digest(e1.Data)})
	inv.Observe(Committed{Node: 2, Zxid: MakeZxid(2, 1), Digest: Digest([]byte("x"))})
	if inv.OK() {
		t.Fatal("node 2 skipped txns node 1 kept; the checker must say so")
	}
}

// txnTable keeps one entry per zxid, wherever it stores it: random dense
// and far-off counters (which the table keeps in a map until the epoch's
// slice grows to them) read back what was last written, as a map would.
func TestTxnTableMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var tt txnTable
	want := map[int64]uint64{}
	inMap, movedIn := 0, 0
	for i := range 200000 {
		e := uint32(r.IntN(3))
		var c uint32
		switch r.IntN(4) {
		case 0:
			c = uint32(r.IntN(3 * sparseGap)) // often far past the slice
		default:
			c = uint32(len(want)/3 + r.IntN(8)) // near the dense front
		}
		z := MakeZxid(e, c)
		before := len(tt.sparse)
		d := tt.at(z)
		inMap = max(inMap, len(tt.sparse))
		if len(tt.sparse) < before {
			movedIn++
		}
		if d.logged != want[z] || d.hasLogged != (want[z] != 0) {
			t.Fatalf("op %d: zxid %s reads %d, want %d", i, ZxidString(z), d.logged, want[z])
		}
		v := uint64(1 + r.IntN(1000))
		d.logged, d.hasLogged = v, true
		want[z] = v
	}
	if inMap == 0 || movedIn == 0 {
		t.Fatalf("%d zxids in the map at most, %d moves into a slice: the test misses a path", inMap, movedIn)
	}
}

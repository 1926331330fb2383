package zab

import (
	"strings"
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

func TestInvariantsDetect(t *testing.T) {
	cases := []struct {
		name string
		obs  []any
		want string
	}{
		{"divergent txn", []any{commit(1, z(1, 1), "a"), commit(2, z(1, 1), "b")}, "one zxid chain"},
		{"divergent log", []any{Logged{Node: 1, Zxid: 7, Digest: 1}, Logged{Node: 2, Zxid: 7, Digest: 2}}, "one zxid chain"},
		{"not increasing", []any{commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"), commit(1, z(1, 2), "b")}, "primary order"},
		{"gap in epoch", []any{commit(1, z(1, 1), "a"), commit(1, z(1, 3), "c")}, "gap in epoch 1"},
		{"epoch not from 1", []any{commit(1, z(1, 1), "a"), commit(1, z(2, 2), "x")}, "does not start at 1"},
		{"skipped committed tail", []any{
			commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"),
			commit(2, z(1, 1), "a"), commit(2, z(2, 1), "c"),
		}, "skipped committed 1:2"},
		{"skipped committed epoch", []any{
			commit(1, z(1, 1), "a"), commit(1, z(2, 1), "b"),
			commit(2, z(1, 1), "a"), commit(2, z(3, 1), "c"),
		}, "skipped committed epoch 2"},
		{"committed later than a node passed it", []any{
			commit(2, z(1, 1), "a"), commit(2, z(2, 1), "c"),
			commit(1, z(1, 1), "a"), commit(1, z(1, 2), "b"),
		}, "node 2 is past committed 1:2"},
		{"two leaders", []any{Established{Node: 1, Epoch: 4}, Established{Node: 2, Epoch: 4}}, "two established leaders in epoch 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := NewInvariants()
			for _, o := range c.obs {
				inv.Observe(o)
			}
			v := strings.Join(inv.Violations(), "\n")
			if !strings.Contains(v, c.want) {
				t.Fatalf("want a violation containing %q, got %q", c.want, v)
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

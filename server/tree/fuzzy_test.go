package tree

import (
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// A fuzzy snapshot (ZooKeeper's are) holds nodes created after its label
// with their parent serialized before them. Replaying the log after the
// label re-applies those creates: with the ZOOKEEPER-1046 fix the parent's
// cversion catches up; with the zk-1046 switch (SetStaleReplay) it stays
// stale, and the next sequential name is one that exists.
func TestFuzzySnapshotReplayAndZK1046(t *testing.T) {
	tr := New()
	mustApply(t, tr, hdr(1, wire.OpCreate, 0), prepCreate(t, tr, "/seq", "", false))
	var creates []txn.Txn
	for z := int64(2); z <= 4; z++ {
		name := SequentialName("/seq/n-", cversion(t, tr, "/seq"))
		c := txn.Txn{Header: hdr(z, wire.OpCreate, 0), Record: prepCreate(t, tr, name, "", false)}
		mustApply(t, tr, c.Header, c.Record)
		creates = append(creates, c)
	}
	// Labelled after zxid 2, holding 3 and 4, /seq serialized before them.
	snap, err := tr.SerializeFuzzy(nil, 2, map[string]int32{"/seq": 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, stale := range []bool{false, true} {
		back, _, err := Deserialize(snap)
		if err != nil {
			t.Fatalf("fuzzy snapshot does not load: %v", err)
		}
		if back.LastZxid() != 2 || cversion(t, back, "/seq") != 1 {
			t.Fatalf("fuzzy snapshot: last zxid %#x, /seq cversion %d; want 2 and 1", back.LastZxid(), cversion(t, back, "/seq"))
		}
		back.SetStaleReplay(stale)
		for _, c := range creates[1:] {
			if rc := back.ApplyTxn(c); rc.Err != wire.ErrNodeExists {
				t.Fatalf("replayed create of %s: %v, want NODEEXISTS", c.Record.(*txn.Create).Path, rc.Err)
			}
		}
		got, want := cversion(t, back, "/seq"), int32(3)
		if stale {
			want = 1 // ZOOKEEPER-1046: the replay left the parent behind
		}
		if got != want {
			t.Fatalf("stale replay %v: /seq cversion %d after replay, want %d", stale, got, want)
		}
		if _, exists := back.Node(SequentialName("/seq/n-", got)); exists != stale {
			t.Fatalf("stale replay %v: next sequential name exists = %v", stale, exists)
		}
		checkInvariants(t, back)
	}
}

// cversion is the persisted cversion (the one sequential names come from).
func cversion(t *testing.T, tr *Tree, path string) int32 {
	t.Helper()
	n, ok := tr.Node(path)
	if !ok {
		t.Fatalf("%s: no node", path)
	}
	return n.Stat.Cversion
}

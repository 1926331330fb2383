package tree

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"pgregory.net/rapid"
)

var (
	names    = []string{"a", "b", "c", "n-"}
	sessions = []int64{0x101, 0x202, 0x303}
)

// genPath draws a path of depth 1–3 over a small namespace, so ops collide.
func genPath(t *rapid.T) string {
	depth := rapid.IntRange(1, 3).Draw(t, "depth")
	p := ""
	for range depth {
		p += "/" + rapid.SampledFrom(names).Draw(t, "name")
	}
	return p
}

// genOp draws one txn the way a (sloppy) prep stage would build it: mostly
// well-formed against the current tree, sometimes not, so apply-time
// failures are exercised too.
func genOp(t *rapid.T, tr *Tree, zxid int64) txn.Txn {
	client := rapid.SampledFrom(sessions).Draw(t, "client")
	h := txn.Header{ClientID: client, Cxid: int32(zxid), Zxid: zxid, TimeMS: zxid * 10}
	kind := rapid.IntRange(0, 9).Draw(t, "kind")
	if kind == 9 {
		h.Type = wire.OpMulti
		n := rapid.IntRange(0, 3).Draw(t, "ops")
		m := &txn.Multi{}
		for range n {
			sub := genSimple(t, tr, h)
			if txn.InMulti(sub.Header.Type) {
				m.Ops = append(m.Ops, txn.Op{Type: sub.Header.Type, Record: sub.Record})
			}
		}
		return txn.Txn{Header: h, Record: m}
	}
	return genSimple(t, tr, h)
}

func genSimple(t *rapid.T, tr *Tree, h txn.Header) txn.Txn {
	path := genPath(t)
	parent, _ := tr.Node(ParentPath(path))
	node, _ := tr.Node(path)
	acl := rapid.SampledFrom([][]wire.ACL{wire.OpenACLUnsafe, wire.ReadACLUnsafe, nil, {}}).Draw(t, "acl")
	data := rapid.SampledFrom([][]byte{nil, {}, []byte("x"), []byte("yy")}).Draw(t, "data")
	pcv := parent.Stat.Cversion + 1
	switch rapid.IntRange(0, 9).Draw(t, "simple") {
	case 0, 1:
		if rapid.Bool().Draw(t, "seq") {
			path = SequentialName(path, parent.Stat.Cversion)
		}
		h.Type = rapid.SampledFrom([]wire.OpCode{wire.OpCreate, wire.OpCreate2}).Draw(t, "ctype")
		return txn.Txn{Header: h, Record: &txn.Create{Path: path, Data: data, ACL: acl, Ephemeral: rapid.Bool().Draw(t, "eph"), ParentCVersion: pcv}}
	case 2:
		h.Type = wire.OpCreateContainer
		return txn.Txn{Header: h, Record: &txn.CreateContainer{Path: path, Data: data, ACL: acl, ParentCVersion: pcv}}
	case 3:
		h.Type = wire.OpCreateTTL
		return txn.Txn{Header: h, Record: &txn.CreateTTL{Path: path, Data: data, ACL: acl, ParentCVersion: pcv, TTLMS: rapid.Int64Range(0, 100).Draw(t, "ttl")}}
	case 4, 5:
		h.Type = rapid.SampledFrom([]wire.OpCode{wire.OpDelete, wire.OpDeleteContainer}).Draw(t, "dtype")
		if node.NumChildren > 0 {
			h.Type = wire.OpError // prep would refuse: NotEmpty
			return txn.Txn{Header: h, Record: &txn.Error{Err: wire.ErrNotEmpty}}
		}
		return txn.Txn{Header: h, Record: &txn.Delete{Path: path}}
	case 6:
		h.Type = wire.OpSetData
		return txn.Txn{Header: h, Record: &txn.SetData{Path: path, Data: data, Version: node.Stat.Version + 1}}
	case 7:
		h.Type = wire.OpSetACL
		return txn.Txn{Header: h, Record: &txn.SetACL{Path: path, ACL: acl, Version: node.Stat.Aversion + 1}}
	case 8:
		h.Type = wire.OpCloseSession
		return txn.Txn{Header: h, Record: &txn.CloseSession{Paths2Delete: tr.Ephemerals(h.ClientID)}}
	}
	h.Type = rapid.SampledFrom([]wire.OpCode{wire.OpError, wire.OpCheck}).Draw(t, "etype")
	if h.Type == wire.OpCheck {
		return txn.Txn{Header: h, Record: &txn.CheckVersion{Path: path, Version: node.Stat.Version}}
	}
	return txn.Txn{Header: h, Record: &txn.Error{Err: wire.ErrNoNode}}
}

// genHistory applies a random txn sequence to a fresh tree, checking the
// tree's invariants after every step, and returns the txns and the tree.
func genHistory(t *rapid.T) ([]txn.Txn, *Tree) {
	tr := New()
	n := rapid.IntRange(0, 60).Draw(t, "txns")
	var txns []txn.Txn
	for i := range n {
		tx := genOp(t, tr, int64(i+1))
		tr.ApplyTxn(tx)
		txns = append(txns, tx)
		checkInvariants(t, tr)
	}
	return txns, tr
}

func genSessions(t *rapid.T) map[int64]int32 {
	return rapid.MapOf(rapid.Int64(), rapid.Int32Range(0, 40000)).Draw(t, "sessions")
}

func TestSnapshotRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, tr := genHistory(t)
		sess := genSessions(t)
		b := tr.Serialize(sess)
		back, gotSess, err := Deserialize(b)
		if err != nil {
			t.Fatalf("Deserialize: %v", err)
		}
		if back.Digest() != tr.Digest() {
			t.Fatalf("digest %#x after round trip, want %#x", back.Digest(), tr.Digest())
		}
		if dump(back) != dump(tr) {
			t.Fatalf("state differs after round trip:\n%s\nvs\n%s", dump(back), dump(tr))
		}
		if !maps.Equal(gotSess, sess) || back.LastZxid() != tr.LastZxid() {
			t.Fatalf("sessions %v lastZxid %d, want %v %d", gotSess, back.LastZxid(), sess, tr.LastZxid())
		}
		if !bytes.Equal(back.Serialize(sess), b) {
			t.Fatal("re-serialized snapshot differs")
		}
		checkInvariants(t, back)
		for _, s := range sessions {
			if !slices.Equal(back.Ephemerals(s), tr.Ephemerals(s)) {
				t.Fatalf("ephemerals of %#x differ", s)
			}
		}
	})
}

// Two replicas applying the same txns agree byte for byte, whatever Go's
// map iteration order does; a replica that also applied one more real
// change has a different digest.
func TestReplicasAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		txns, a := genHistory(t)
		b := New()
		for _, tx := range txns {
			b.ApplyTxn(tx)
		}
		if a.Digest() != b.Digest() || !bytes.Equal(a.Serialize(nil), b.Serialize(nil)) {
			t.Fatal("replicas diverged")
		}
		z := int64(len(txns) + 1)
		info, _ := b.Node("/")
		b.ApplyTxn(txn.Txn{Header: hdr(z, wire.OpSetData, 1), Record: &txn.SetData{Path: "/", Data: []byte("changed"), Version: info.Stat.Version + 1}})
		if a.Digest() == b.Digest() {
			t.Fatal("digest did not see a setData")
		}
	})
}

// Any single corrupted byte, and any truncation, is rejected.
func TestSnapshotCorruption(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, tr := genHistory(t)
		b := tr.Serialize(genSessions(t))
		bad := slices.Clone(b)
		i := rapid.IntRange(0, len(b)-1).Draw(t, "at")
		bad[i] ^= byte(rapid.IntRange(1, 255).Draw(t, "xor"))
		if _, _, err := Deserialize(bad); !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("flipped byte %d: err %v", i, err)
		}
		cut := rapid.IntRange(0, len(b)-1).Draw(t, "cut")
		if _, _, err := Deserialize(b[:cut]); !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("truncated to %d: err %v", cut, err)
		}
	})
}

// Garbage with a valid checksum must still be rejected without panicking:
// this exercises the structural checks behind the checksum.
func TestSnapshotStructuralChecks(t *testing.T) {
	build := func(f func(e *wire.Encoder)) []byte {
		e := wire.NewEncoder(nil)
		f(e)
		e.Int64(int64(checksum(e.Bytes())))
		return e.Bytes()
	}
	header := func(e *wire.Encoder) {
		e.Int32(snapshotMagic)
		e.Int32(snapshotVersion)
		e.Int64(0)
		e.Int32(0) // no sessions
	}
	nodeRec := func(e *wire.Encoder, path string, owner int64) {
		e.String(path)
		e.Buffer(nil)
		wire.EncodeACLs(e, nil)
		encodePersisted(e, &Persisted{EphemeralOwner: owner})
	}
	cases := map[string][]byte{
		"bad magic": build(func(e *wire.Encoder) { e.Int32(1); e.Int32(snapshotVersion) }),
		"no root": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(0)
			e.Int64(0)
		}),
		"child before root": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(1)
			nodeRec(e, "/a", 0)
			e.Int64(0)
		}),
		"orphan": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(2)
			nodeRec(e, "/", 0)
			nodeRec(e, "/a/b", 0)
			e.Int64(0)
		}),
		"invalid owner": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(2)
			nodeRec(e, "/", 0)
			nodeRec(e, "/a", -0x0100000000000000|1<<40)
			e.Int64(0)
		}),
		"duplicate": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(3)
			nodeRec(e, "/", 0)
			nodeRec(e, "/a", 0)
			nodeRec(e, "/a", 0)
			e.Int64(0)
		}),
		"digest mismatch": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(1)
			nodeRec(e, "/", 0)
			e.Int64(12345)
		}),
		"huge node count": build(func(e *wire.Encoder) {
			header(e)
			e.Int32(1 << 30)
		}),
		"empty": nil,
	}
	for name, b := range cases {
		if _, _, err := Deserialize(b); !errors.Is(err, ErrCorruptSnapshot) {
			t.Errorf("%s: err %v, want ErrCorruptSnapshot", name, err)
		}
	}
	// And the minimal valid snapshot (just the root) loads.
	tr := empty()
	tr.insert("/", &node{})
	if _, _, err := Deserialize(tr.Serialize(nil)); err != nil {
		t.Errorf("root-only snapshot: %v", err)
	}
}

func TestSnapshotOfNewTree(t *testing.T) {
	tr := New()
	back, sess, err := Deserialize(tr.Serialize(map[int64]int32{7: 4000}))
	if err != nil || sess[7] != 4000 || len(sess) != 1 {
		t.Fatalf("Deserialize: %v %v", sess, err)
	}
	acl, st, _ := back.GetACL(ConfigPath)
	if st.Aversion != -1 || !slices.Equal(acl, wire.ReadACLUnsafe) || dump(back) != dump(tr) {
		t.Errorf("config node after round trip: %+v %v", st, acl)
	}
}

package tree

import (
	"fmt"
	"slices"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// tb is the part of testing.TB and *rapid.T the helpers need.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// hdr builds a header; the txn time is zxid*1000 ms so stats are easy to read.
func hdr(zxid int64, typ wire.OpCode, client int64) txn.Header {
	return txn.Header{ClientID: client, Cxid: int32(zxid), Zxid: zxid, TimeMS: zxid * 1000, Type: typ}
}

func mustApply(t tb, tr *Tree, h txn.Header, rec txn.Record) Result {
	t.Helper()
	rc := tr.ApplyTxn(txn.Txn{Header: h, Record: rec})
	if rc.Err != wire.ErrOK {
		t.Fatalf("apply %v %+v: %v", h.Type, rec, rc.Err)
	}
	return rc
}

func statOf(t tb, tr *Tree, path string) wire.Stat {
	t.Helper()
	st, err := tr.Exists(path, 0, false)
	if err != wire.ErrOK {
		t.Fatalf("exists %s: %v", path, err)
	}
	return st
}

// prepCreate builds the CreateTxn the prep stage would: parentCVersion is the
// parent's persisted cversion plus one.
func prepCreate(t tb, tr *Tree, path string, data string, ephemeral bool) *txn.Create {
	t.Helper()
	parent, ok := tr.Node(ParentPath(path))
	if !ok {
		t.Fatalf("prepCreate %s: no parent", path)
	}
	return &txn.Create{Path: path, Data: []byte(data), ACL: wire.OpenACLUnsafe, Ephemeral: ephemeral,
		ParentCVersion: parent.Stat.Cversion + 1}
}

func recomputeDigest(tr *Tree) uint64 {
	var sum uint64
	for p, n := range tr.nodes {
		sum += nodeHash(p, n)
	}
	return sum
}

// checkInvariants asserts the tree's indexes agree with its nodes.
func checkInvariants(t tb, tr *Tree) {
	t.Helper()
	if got := recomputeDigest(tr); got != tr.Digest() {
		t.Fatalf("incremental digest %#x != recomputed %#x", tr.Digest(), got)
	}
	owned := map[int64][]string{}
	var containers, ttls []string
	for p, n := range tr.nodes {
		for c := range n.children {
			if _, ok := tr.nodes[childPath(p, c)]; !ok {
				t.Fatalf("%s lists missing child %s", p, c)
			}
		}
		if p != "/" {
			parent, ok := tr.nodes[ParentPath(p)]
			if !ok {
				t.Fatalf("%s has no parent", p)
			}
			if _, ok := parent.children[baseName(p)]; !ok {
				t.Fatalf("parent of %s does not list it", p)
			}
		}
		switch KindOf(n.stat.EphemeralOwner) {
		case OwnerSession:
			owned[n.stat.EphemeralOwner] = append(owned[n.stat.EphemeralOwner], p)
		case OwnerContainer:
			containers = append(containers, p)
		case OwnerTTL:
			ttls = append(ttls, p)
		}
	}
	for s, paths := range owned {
		slices.Sort(paths)
		if got := tr.Ephemerals(s); !slices.Equal(got, paths) {
			t.Fatalf("ephemerals of %#x: index %v, nodes %v", s, got, paths)
		}
	}
	if len(owned) != len(tr.EphemeralSessions()) {
		t.Fatalf("ephemeral sessions: index %v, owners %d", tr.EphemeralSessions(), len(owned))
	}
	slices.Sort(containers)
	slices.Sort(ttls)
	if !slices.Equal(containers, tr.Containers()) || !slices.Equal(ttls, tr.TTLNodes()) {
		t.Fatalf("containers %v/%v ttls %v/%v", containers, tr.Containers(), ttls, tr.TTLNodes())
	}
}

// dump renders the client-visible state of the whole tree, sorted.
func dump(tr *Tree) string {
	var out string
	for _, p := range sortedKeys(tr.nodes) {
		data, st, _ := tr.GetData(p, 0, false)
		acl, _, _ := tr.GetACL(p)
		kids, _, _ := tr.GetChildren(p, 0, false)
		out += fmt.Sprintf("%s %q %+v %v %v\n", p, data, st, acl, kids)
	}
	return out
}

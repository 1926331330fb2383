package tree

import (
	"hash/fnv"
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// refNodeHash is nodeHash as it was first written: FNV-1a over the node's
// jute encoding. The streaming nodeHash must equal it bit for bit (digests
// are compared across replicas and recorded in traces).
func refNodeHash(path string, n *node) uint64 {
	e := wire.NewEncoder(nil)
	e.String(path)
	e.Buffer(n.data)
	wire.EncodeACLs(e, n.acl)
	encodePersisted(e, &n.stat)
	h := fnv.New64a()
	h.Write(e.Bytes())
	return h.Sum64()
}

func TestNodeHashMatchesEncoding(t *testing.T) {
	stats := []Persisted{{}, {Czxid: 1, Mzxid: -2, Ctime: 1 << 40, Mtime: 7, Version: -1, Cversion: 3, Aversion: -5, EphemeralOwner: -1 << 62, Pzxid: 1<<63 - 1}}
	for _, path := range []string{"", "/", "/a/b", "/\x00\xff"} {
		for _, data := range [][]byte{nil, {}, {0}, []byte("hello world")} {
			for _, acl := range [][]wire.ACL{nil, {}, wire.OpenACLUnsafe, {{Perms: -1, ID: wire.ID{Scheme: "digest", ID: "u:p"}}, {Perms: 3}}} {
				for _, st := range stats {
					n := &node{data: data, acl: acl, stat: st}
					if got, want := nodeHash(path, n), refNodeHash(path, n); got != want {
						t.Fatalf("nodeHash(%q, data %q, acl %v, stat %+v) = %#x, want %#x", path, data, acl, st, got, want)
					}
				}
			}
		}
	}
}

// GetDataView answers as a server's readable check followed by GetData:
// NoNode or NoAuth arm no watch; a readable node arms it and yields the
// data and stat GetData would.
func TestGetDataViewChecksReadFirst(t *testing.T) {
	tr := New()
	secret := []wire.ACL{{Perms: wire.PermRead, ID: wire.ID{Scheme: "digest", ID: "bob:x"}}}
	mustApply(t, tr, hdr(1, wire.OpCreate, 1), &txn.Create{Path: "/open", Data: []byte("v"), ACL: wire.OpenACLUnsafe, ParentCVersion: 1})
	mustApply(t, tr, hdr(2, wire.OpCreate, 1), &txn.Create{Path: "/secret", Data: []byte("s"), ACL: secret, ParentCVersion: 2})
	anyone := []wire.ID{{Scheme: "ip", ID: "10.0.0.1"}}
	if _, _, err := tr.GetDataView("/missing", anyone, 7, true); err != wire.ErrNoNode {
		t.Fatalf("missing node: %v, want NoNode", err)
	}
	if _, _, err := tr.GetDataView("/secret", anyone, 7, true); err != wire.ErrNoAuth {
		t.Fatalf("unreadable node: %v, want NoAuth", err)
	}
	if n := tr.WatchCount(); n != 0 {
		t.Fatalf("%d watches armed by failed reads", n)
	}
	data, st, err := tr.GetDataView("/open", anyone, 7, true)
	wantData, wantSt, _ := tr.GetData("/open", 7, false)
	if err != wire.ErrOK || string(data) != string(wantData) || st != wantSt || tr.WatchCount() != 1 {
		t.Fatalf("readable node: %q %+v %v (%d watches), want %q %+v", data, st, err, tr.WatchCount(), wantData, wantSt)
	}
}

package server

import (
	"hash/fnv"
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// The Committed digest is zab.Digest, FNV-64a, and the digest of a
// committed Zab entry's bytes is the digest of the decoded txn re-encoded
// (the encoding is canonical), so applyDigested reports what apply reports.
func TestTxnDigestOfEncodedEqualsReencoded(t *testing.T) {
	hdr := txn.Header{ClientID: 0x100, Cxid: 3, Zxid: 0x200000005, TimeMS: 1700000000000}
	txns := []txn.Txn{
		{Header: withType(hdr, wire.OpCreate), Record: &txn.Create{Path: "/a", Data: []byte("v"), ACL: wire.OpenACLUnsafe, ParentCVersion: 1}},
		{Header: withType(hdr, wire.OpSetData), Record: &txn.SetData{Path: "/a", Data: []byte{}, Version: 4}},
		{Header: withType(hdr, wire.OpDelete), Record: &txn.Delete{Path: "/a"}},
	}
	for _, tx := range txns {
		encoded := tx.Marshal()
		decoded, err := txn.Unmarshal(encoded)
		if err != nil {
			t.Fatal(err)
		}
		h := fnv.New64a()
		h.Write(decoded.Marshal())
		if got, want := zab.Digest(encoded), h.Sum64(); got != want {
			t.Errorf("%v: digest %x, want FNV-64a of the re-encoded txn %x", tx.Header.Type, got, want)
		}
	}
	if zab.Digest(nil) != fnv.New64a().Sum64() {
		t.Error("digest of no bytes is not FNV-64a's offset basis")
	}
}

func withType(h txn.Header, op wire.OpCode) txn.Header {
	h.Type = op
	return h
}

package tree

import (
	"fmt"
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// benchTree returns a tree with n children under /b, each with 64 bytes.
func benchTree(b *testing.B, n int) *Tree {
	b.Helper()
	tr := New()
	mustApply(b, tr, hdr(1, wire.OpCreate, 1), prepCreate(b, tr, "/b", "", false))
	data := string(make([]byte, 64))
	for i := range n {
		mustApply(b, tr, hdr(int64(i+2), wire.OpCreate, 1), prepCreate(b, tr, fmt.Sprintf("/b/n%06d", i), data, false))
	}
	return tr
}

func BenchmarkApplySetData(b *testing.B) {
	tr := benchTree(b, 1000)
	data := make([]byte, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		path := fmt.Sprintf("/b/n%06d", i%1000)
		tr.ApplyTxn(txn.Txn{Header: hdr(int64(i+2000), wire.OpSetData, 1), Record: &txn.SetData{Path: path, Data: data, Version: int32(i)}})
	}
}

func BenchmarkApplyCreateDelete(b *testing.B) {
	tr := benchTree(b, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		z := int64(2*i + 2000)
		tr.ApplyTxn(txn.Txn{Header: hdr(z, wire.OpCreate, 1), Record: &txn.Create{Path: "/b/x", ACL: wire.OpenACLUnsafe, ParentCVersion: -1}})
		tr.ApplyTxn(txn.Txn{Header: hdr(z+1, wire.OpDelete, 1), Record: &txn.Delete{Path: "/b/x"}})
	}
}

func BenchmarkGetData(b *testing.B) {
	tr := benchTree(b, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tr.GetData(fmt.Sprintf("/b/n%06d", i%1000), 1, false)
	}
}

func BenchmarkSerialize10k(b *testing.B) {
	tr := benchTree(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		tr.Serialize(nil)
	}
}

func BenchmarkDeserialize10k(b *testing.B) {
	snap := benchTree(b, 10000).Serialize(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Deserialize(snap); err != nil {
			b.Fatal(err)
		}
	}
}

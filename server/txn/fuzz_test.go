package txn

import (
	"bytes"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

// FuzzUnmarshal feeds arbitrary bytes to Unmarshal. It must never panic, and
// anything it accepts must be well formed and re-encode to exactly its input
// (the encoding is canonical, so the log and Zab can compare bytes).
//
// Run: go test -run '^$' -fuzz FuzzUnmarshal -fuzztime 30s ./server/txn
func FuzzUnmarshal(f *testing.F) {
	for _, tx := range seedTxns() {
		f.Add(tx.Marshal())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := Unmarshal(b)
		if err != nil {
			return
		}
		if cerr := tx.Check(); cerr != nil {
			t.Fatalf("accepted txn fails Check: %v", cerr)
		}
		if again := tx.Marshal(); !bytes.Equal(again, b) {
			t.Fatalf("accepted txn re-encodes differently:\n in  %x\n out %x", b, again)
		}
	})
}

func seedTxns() []Txn {
	h := func(typ wire.OpCode) Header {
		return Header{ClientID: 0x100, Cxid: 3, Zxid: 0x200000005, TimeMS: 1700000000000, Type: typ}
	}
	return []Txn{
		{Header: h(wire.OpCreate), Record: &Create{Path: "/a", Data: []byte("v"), ACL: wire.OpenACLUnsafe, ParentCVersion: 1}},
		{Header: h(wire.OpCreateTTL), Record: &CreateTTL{Path: "/t", ACL: wire.OpenACLUnsafe, ParentCVersion: 2, TTLMS: 500}},
		{Header: h(wire.OpCreateContainer), Record: &CreateContainer{Path: "/c", Data: []byte{}, ACL: wire.CreatorAllACL}},
		{Header: h(wire.OpSetData), Record: &SetData{Path: "/a", Data: []byte("w"), Version: 1}},
		{Header: h(wire.OpSetACL), Record: &SetACL{Path: "/a", ACL: wire.ReadACLUnsafe, Version: 1}},
		{Header: h(wire.OpCloseSession), Record: &CloseSession{Paths2Delete: []string{"/e1", "/e2"}}},
		{Header: h(wire.OpCreateSession), Record: &CreateSession{TimeoutMS: 6000}},
		{Header: h(wire.OpError), Record: &Error{Err: wire.ErrNodeExists}},
		{Header: h(wire.OpMulti), Record: &Multi{Ops: []Op{
			{Type: wire.OpCheck, Record: &CheckVersion{Path: "/a", Version: 1}},
			{Type: wire.OpDelete, Record: &Delete{Path: "/a"}},
			{Type: wire.OpError, Record: &Error{Err: wire.ErrOK}},
		}}},
	}
}

package txn

import (
	"bytes"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

// foreignRecord is a Record this package does not know: Marshal encodes it
// through the interface.
type foreignRecord struct{ v int32 }

func (r *foreignRecord) Encode(e *wire.Encoder) { e.Int32(r.v); e.String("x") }
func (r *foreignRecord) Decode(d *wire.Decoder) { r.v = d.Int32(); _ = d.String() }

// Marshal's direct encoding of each known record (and its fallback for a
// foreign one) produces the bytes of encoding the header and the record
// through the Record interface, however the buffer was sized.
func TestMarshalMatchesInterfaceEncoding(t *testing.T) {
	big := bytes.Repeat([]byte("d"), 300)
	acl := wire.OpenACLUnsafe
	for _, rec := range []Record{
		nil,
		&Create{Path: "/a", Data: big, ACL: acl, Ephemeral: true, ParentCVersion: 3},
		&CreateContainer{Path: "/c", Data: nil, ACL: acl, ParentCVersion: 1},
		&CreateTTL{Path: "/t", Data: []byte{}, ACL: acl, ParentCVersion: 2, TTLMS: 99},
		&Delete{Path: "/a"},
		&SetData{Path: "/a", Data: big, Version: 7},
		&CheckVersion{Path: "/a", Version: 1},
		&SetACL{Path: "/a", ACL: acl, Version: 2},
		&CreateSession{TimeoutMS: 4000},
		&CloseSession{Paths2Delete: []string{"/e1", "/e2"}},
		&Error{Err: wire.ErrBadVersion},
		&Multi{Ops: []Op{{Type: wire.OpSetData, Record: &SetData{Path: "/m", Data: big, Version: 1}}, {Type: wire.OpDelete, Record: &Delete{Path: "/n"}}}},
		&foreignRecord{v: -5},
	} {
		tx := Txn{Header: Header{ClientID: 1, Cxid: 2, Zxid: 3, TimeMS: 4, Type: wire.OpSetData}, Record: rec}
		want := wire.NewEncoder(nil)
		tx.Header.Encode(want)
		if rec != nil {
			rec.Encode(want)
		}
		if got := tx.Marshal(); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("Marshal of %T = %x, want %x", rec, got, want.Bytes())
		}
	}
}

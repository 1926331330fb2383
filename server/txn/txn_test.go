package txn

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
	"pgregory.net/rapid"
)

// txnTypes are every header type a Txn may carry.
var txnTypes = []wire.OpCode{
	wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL,
	wire.OpDelete, wire.OpDeleteContainer, wire.OpSetData, wire.OpReconfig,
	wire.OpCheck, wire.OpSetACL, wire.OpCreateSession, wire.OpCloseSession,
	wire.OpError, wire.OpMulti,
}

var multiTypes = []wire.OpCode{
	wire.OpCreate, wire.OpCreate2, wire.OpCreateTTL, wire.OpCreateContainer,
	wire.OpDelete, wire.OpDeleteContainer, wire.OpSetData, wire.OpError, wire.OpCheck,
}

func genBytes(t *rapid.T, label string) []byte {
	if rapid.IntRange(0, 9).Draw(t, label+"-nil") == 0 {
		return nil
	}
	return rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, label)
}

func genPath(t *rapid.T) string {
	return rapid.StringMatching(`(/[a-zé0-9.]{1,6}){0,4}`).Draw(t, "path")
}

func genACLs(t *rapid.T) []wire.ACL {
	if rapid.IntRange(0, 9).Draw(t, "acl-nil") == 0 {
		return nil
	}
	n := rapid.IntRange(0, 3).Draw(t, "acl-n")
	out := make([]wire.ACL, n)
	for i := range out {
		out[i] = wire.ACL{
			Perms: rapid.Int32().Draw(t, "perms"),
			ID: wire.ID{
				Scheme: rapid.SampledFrom([]string{"world", "digest", "ip", "auth", ""}).Draw(t, "scheme"),
				ID:     rapid.String().Draw(t, "id"),
			},
		}
	}
	return out
}

func genRecord(t *rapid.T, typ wire.OpCode, depth int) Record {
	switch typ {
	case wire.OpCreate, wire.OpCreate2:
		return &Create{Path: genPath(t), Data: genBytes(t, "data"), ACL: genACLs(t),
			Ephemeral: rapid.Bool().Draw(t, "eph"), ParentCVersion: rapid.Int32().Draw(t, "pcv")}
	case wire.OpCreateContainer:
		return &CreateContainer{Path: genPath(t), Data: genBytes(t, "data"), ACL: genACLs(t),
			ParentCVersion: rapid.Int32().Draw(t, "pcv")}
	case wire.OpCreateTTL:
		return &CreateTTL{Path: genPath(t), Data: genBytes(t, "data"), ACL: genACLs(t),
			ParentCVersion: rapid.Int32().Draw(t, "pcv"), TTLMS: rapid.Int64().Draw(t, "ttl")}
	case wire.OpDelete, wire.OpDeleteContainer:
		return &Delete{Path: genPath(t)}
	case wire.OpSetData, wire.OpReconfig:
		return &SetData{Path: genPath(t), Data: genBytes(t, "data"), Version: rapid.Int32().Draw(t, "v")}
	case wire.OpCheck:
		return &CheckVersion{Path: genPath(t), Version: rapid.Int32().Draw(t, "v")}
	case wire.OpSetACL:
		return &SetACL{Path: genPath(t), ACL: genACLs(t), Version: rapid.Int32().Draw(t, "v")}
	case wire.OpCreateSession:
		return &CreateSession{TimeoutMS: rapid.Int32().Draw(t, "timeout")}
	case wire.OpCloseSession:
		var paths []string
		if rapid.Bool().Draw(t, "paths-present") {
			paths = rapid.SliceOfN(rapid.Custom(genPath), 0, 4).Draw(t, "paths")
		}
		return &CloseSession{Paths2Delete: paths}
	case wire.OpError:
		return &Error{Err: wire.Err(rapid.Int32().Draw(t, "err"))}
	case wire.OpMulti:
		if depth > 0 {
			panic("nested multi generated")
		}
		if rapid.IntRange(0, 9).Draw(t, "multi-nil") == 0 {
			return &Multi{}
		}
		n := rapid.IntRange(0, 4).Draw(t, "ops")
		ops := make([]Op, n)
		for i := range ops {
			st := rapid.SampledFrom(multiTypes).Draw(t, "subtype")
			ops[i] = Op{Type: st, Record: genRecord(t, st, depth+1)}
		}
		return &Multi{Ops: ops}
	}
	t.Fatalf("no generator for %v", typ)
	return nil
}

func genTxn(t *rapid.T) Txn {
	typ := rapid.SampledFrom(txnTypes).Draw(t, "type")
	return Txn{
		Header: Header{
			ClientID: rapid.Int64().Draw(t, "client"),
			Cxid:     rapid.Int32().Draw(t, "cxid"),
			Zxid:     rapid.Int64().Draw(t, "zxid"),
			TimeMS:   rapid.Int64().Draw(t, "time"),
			Type:     typ,
		},
		Record: genRecord(t, typ, 0),
	}
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genTxn(t)
		if err := in.Check(); err != nil {
			t.Fatalf("generated txn fails Check: %v", err)
		}
		b := in.Marshal()
		out, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(%+v)): %v", in, err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("round trip changed the txn:\n in  %#v\n out %#v", in, out)
		}
		if again := out.Marshal(); !bytes.Equal(b, again) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, again)
		}
	})
}

// Every strict prefix of a valid encoding must be rejected: a torn log
// record can never decode as a different, shorter transaction.
func TestTruncationAlwaysFails(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genTxn(t).Marshal()
		cut := rapid.IntRange(0, len(b)-1).Draw(t, "cut")
		if _, err := Unmarshal(b[:cut]); err == nil {
			t.Fatalf("prefix of %d/%d bytes decoded without error", cut, len(b))
		}
	})
}

func TestTrailingBytesFail(t *testing.T) {
	b := Txn{Header: Header{Type: wire.OpDelete}, Record: &Delete{Path: "/a"}}.Marshal()
	if _, err := Unmarshal(append(b, 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: got %v, want ErrMalformed", err)
	}
}

func TestGarbageNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 0, 200).Draw(t, "bytes")
		tx, err := Unmarshal(b)
		if err == nil {
			// Whatever decodes must be well formed and re-encode to the input.
			if cerr := tx.Check(); cerr != nil {
				t.Fatalf("decoded txn fails Check: %v", cerr)
			}
			if !bytes.Equal(tx.Marshal(), b) {
				t.Fatalf("decoded txn does not re-encode to its input")
			}
		}
	})
}

// TestGoldenCreate pins the byte layout against ZooKeeper's zookeeper.jute:
// TxnHeader{clientId, cxid, zxid, time, type} then CreateTxn{path, data,
// acl, ephemeral, parentCVersion}.
func TestGoldenCreate(t *testing.T) {
	tx := Txn{
		Header: Header{ClientID: 0x1122334455667788, Cxid: 7, Zxid: 0x100000002, TimeMS: 1000, Type: wire.OpCreate},
		Record: &Create{Path: "/a", Data: []byte("x"), ACL: wire.OpenACLUnsafe, Ephemeral: true, ParentCVersion: 3},
	}
	want := "1122334455667788" + "00000007" + "0000000100000002" + "00000000000003e8" + "00000001" +
		"00000002" + "2f61" + // path
		"00000001" + "78" + // data
		"00000001" + "0000001f" + "00000005" + "776f726c64" + "00000006" + "616e796f6e65" + // acl
		"01" + "00000003"
	if got := hex.EncodeToString(tx.Marshal()); got != want {
		t.Fatalf("encoding:\n got  %s\n want %s", got, want)
	}
}

func TestGoldenMulti(t *testing.T) {
	tx := Txn{
		Header: Header{Type: wire.OpMulti},
		Record: &Multi{Ops: []Op{
			{Type: wire.OpCheck, Record: &CheckVersion{Path: "/a", Version: 1}},
			{Type: wire.OpError, Record: &Error{Err: wire.ErrBadVersion}},
		}},
	}
	want := "0000000000000000" + "00000000" + "0000000000000000" + "0000000000000000" + "0000000e" +
		"00000002" +
		"0000000d" + "0000000a" + "000000022f61" + "00000001" +
		"ffffffff" + "00000004" + "ffffff99"
	if got := hex.EncodeToString(tx.Marshal()); got != want {
		t.Fatalf("encoding:\n got  %s\n want %s", got, want)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	hdr := func(typ wire.OpCode) []byte {
		h := Header{Type: typ}
		e := wire.NewEncoder(nil)
		h.Encode(e)
		return e.Bytes()
	}
	multiWith := func(sub wire.OpCode, body []byte) []byte {
		e := wire.NewEncoder(hdr(wire.OpMulti))
		e.Int32(1)
		e.Int32(int32(sub))
		e.Buffer(body)
		return e.Bytes()
	}
	deleteBody := func() []byte {
		e := wire.NewEncoder(nil)
		(&Delete{Path: "/a"}).Encode(e)
		return e.Bytes()
	}()
	nestedMulti := func() []byte {
		e := wire.NewEncoder(nil)
		e.Int32(0)
		return e.Bytes()
	}()
	cases := map[string][]byte{
		"empty":                  nil,
		"unknown type":           hdr(wire.OpPing),
		"missing record":         hdr(wire.OpDelete),
		"nested multi":           multiWith(wire.OpMulti, nestedMulti),
		"setACL inside multi":    multiWith(wire.OpSetACL, deleteBody),
		"sub record trailing":    multiWith(wire.OpDelete, append(append([]byte{}, deleteBody...), 9)),
		"sub record short":       multiWith(wire.OpDelete, deleteBody[:3]),
		"huge vector count":      append(hdr(wire.OpCloseSession), 0x7f, 0xff, 0xff, 0xff),
		"negative string length": append(hdr(wire.OpDelete), 0xff, 0xff, 0xff, 0xfe),
	}
	for name, b := range cases {
		if _, err := Unmarshal(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestCheck(t *testing.T) {
	bad := []Txn{
		{Header: Header{Type: wire.OpCreate}, Record: &Delete{Path: "/a"}},
		{Header: Header{Type: wire.OpCreate}, Record: nil},
		{Header: Header{Type: wire.OpCreate}, Record: (*Create)(nil)},
		{Header: Header{Type: wire.OpPing}, Record: &Delete{}},
		{Header: Header{Type: wire.OpMulti}, Record: &Multi{Ops: []Op{{Type: wire.OpSetACL, Record: &SetACL{}}}}},
		{Header: Header{Type: wire.OpMulti}, Record: &Multi{Ops: []Op{{Type: wire.OpDelete, Record: &SetData{}}}}},
	}
	for i, tx := range bad {
		if err := tx.Check(); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d (%v/%T): Check = %v, want ErrMalformed", i, tx.Header.Type, tx.Record, err)
		}
	}
	good := Txn{Header: Header{Type: wire.OpDeleteContainer}, Record: &Delete{Path: "/c"}}
	if err := good.Check(); err != nil {
		t.Errorf("deleteContainer with Delete record: %v", err)
	}
}

// countingInterner interns every string it is asked for, counting them.
type countingInterner struct{ hits int }

func (in *countingInterner) Intern(b []byte) (string, bool) {
	in.hits++
	return string(b), true
}

// UnmarshalInterned decodes what Unmarshal does, taking the records'
// strings (also inside a multi) from the Interner; data slices are views of
// the input whose capacity ends with them, so appending to one copies.
func TestUnmarshalInterned(t *testing.T) {
	in := Txn{Header: Header{ClientID: 1, Cxid: 2, Zxid: 3, TimeMS: 4, Type: wire.OpMulti}, Record: &Multi{Ops: []Op{
		{Type: wire.OpSetData, Record: &SetData{Path: "/a", Data: []byte("xy"), Version: 1}},
		{Type: wire.OpCheck, Record: &CheckVersion{Path: "/b", Version: 2}},
	}}}
	b := in.Marshal()
	var ci countingInterner
	out, err := UnmarshalInterned(b, &ci)
	if err != nil || !reflect.DeepEqual(in, out) || ci.hits != 2 {
		t.Fatalf("UnmarshalInterned = %#v, %v (%d strings interned), want %#v and 2", out, err, ci.hits, in)
	}
	data := out.Record.(*Multi).Ops[0].Record.(*SetData).Data
	if cap(data) != len(data) {
		t.Fatalf("data capacity %d beyond its length %d", cap(data), len(data))
	}
	before := bytes.Clone(b)
	_ = append(data, 'z')
	if !bytes.Equal(b, before) {
		t.Fatal("appending to decoded data changed the input")
	}
}

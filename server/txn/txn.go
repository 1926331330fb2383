package txn

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/server/wire"
)

// ErrMalformed reports bytes that are not a well-formed transaction.
var ErrMalformed = errors.New("txn: malformed transaction")

// Header is TxnHeader. TimeMS is the leader's wall-clock time in milliseconds
// when it prepared the txn; it becomes ctime/mtime of the nodes it touches.
type Header struct {
	ClientID int64 // session id of the requester
	Cxid     int32 // the requester's xid
	Zxid     int64
	TimeMS   int64
	Type     wire.OpCode
}

// HeaderSize is the encoded size of a Header.
const HeaderSize = 8 + 4 + 8 + 8 + 4

// Encode appends the header.
func (h *Header) Encode(e *wire.Encoder) {
	e.Int64(h.ClientID)
	e.Int32(h.Cxid)
	e.Int64(h.Zxid)
	e.Int64(h.TimeMS)
	e.Int32(int32(h.Type))
}

// Decode reads the header.
func (h *Header) Decode(d *wire.Decoder) {
	h.ClientID = d.Int64()
	h.Cxid = d.Int32()
	h.Zxid = d.Int64()
	h.TimeMS = d.Int64()
	h.Type = wire.OpCode(d.Int32())
}

// Txn is one transaction: a header and the record its type calls for.
type Txn struct {
	Header Header
	Record Record
}

// RecordFor returns a new, empty record of the kind a transaction of type t
// carries, or false if t is not a transaction type.
func RecordFor(t wire.OpCode) (Record, bool) {
	switch t {
	case wire.OpCreate, wire.OpCreate2:
		return &Create{}, true
	case wire.OpCreateContainer:
		return &CreateContainer{}, true
	case wire.OpCreateTTL:
		return &CreateTTL{}, true
	case wire.OpDelete, wire.OpDeleteContainer:
		return &Delete{}, true
	case wire.OpSetData, wire.OpReconfig:
		return &SetData{}, true
	case wire.OpCheck:
		return &CheckVersion{}, true
	case wire.OpSetACL:
		return &SetACL{}, true
	case wire.OpCreateSession:
		return &CreateSession{}, true
	case wire.OpCloseSession:
		return &CloseSession{}, true
	case wire.OpError:
		return &Error{}, true
	case wire.OpMulti:
		return &Multi{}, true
	}
	return nil, false
}

// InMulti reports whether an op of type t may appear inside a multi
// (DataTree.processTxn rejects every other type).
func InMulti(t wire.OpCode) bool {
	switch t {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateTTL, wire.OpCreateContainer,
		wire.OpDelete, wire.OpDeleteContainer, wire.OpSetData, wire.OpError, wire.OpCheck:
		return true
	}
	return false
}

// Matches reports whether r is a non-nil record of the kind type t carries.
func Matches(t wire.OpCode, r Record) bool {
	switch v := r.(type) {
	case *Create:
		return v != nil && (t == wire.OpCreate || t == wire.OpCreate2)
	case *CreateContainer:
		return v != nil && t == wire.OpCreateContainer
	case *CreateTTL:
		return v != nil && t == wire.OpCreateTTL
	case *Delete:
		return v != nil && (t == wire.OpDelete || t == wire.OpDeleteContainer)
	case *SetData:
		return v != nil && (t == wire.OpSetData || t == wire.OpReconfig)
	case *CheckVersion:
		return v != nil && t == wire.OpCheck
	case *SetACL:
		return v != nil && t == wire.OpSetACL
	case *CreateSession:
		return v != nil && t == wire.OpCreateSession
	case *CloseSession:
		return v != nil && t == wire.OpCloseSession
	case *Error:
		return v != nil && t == wire.OpError
	case *Multi:
		return v != nil && t == wire.OpMulti
	}
	return false
}

// Check reports whether the transaction is well formed: its record is of the
// kind its header type calls for, and a multi holds only ops allowed there.
func (t Txn) Check() error {
	if !Matches(t.Header.Type, t.Record) {
		return fmt.Errorf("%w: type %v carries %T", ErrMalformed, t.Header.Type, t.Record)
	}
	m, ok := t.Record.(*Multi)
	if !ok {
		return nil
	}
	for i, op := range m.Ops {
		if !InMulti(op.Type) || !Matches(op.Type, op.Record) {
			return fmt.Errorf("%w: multi op %d: type %v carries %T", ErrMalformed, i, op.Type, op.Record)
		}
	}
	return nil
}

// Marshal encodes the transaction as the log stores it: header, then record.
// A nil record encodes nothing after the header (Unmarshal rejects that for
// every type, so Check a txn built by hand before logging it).
func (t Txn) Marshal() []byte {
	// One allocation: the buffer is sized for the record, and the encoder
	// stays on the stack because encodeRecord calls the records' Encode
	// methods directly rather than through the interface.
	e := wire.NewEncoder(make([]byte, 0, HeaderSize+sizeHint(t.Record)))
	t.Header.Encode(e)
	encodeRecord(e, t.Record)
	return e.Bytes()
}

// sizeHint is roughly the encoded size of r: its variable-length fields
// plus room for the fixed ones and a small ACL. It only sizes a buffer.
func sizeHint(r Record) int {
	const fixed = 64
	switch r := r.(type) {
	case *SetData:
		return fixed + len(r.Path) + len(r.Data)
	case *Create:
		return fixed + len(r.Path) + len(r.Data)
	case *CreateContainer:
		return fixed + len(r.Path) + len(r.Data)
	case *CreateTTL:
		return fixed + len(r.Path) + len(r.Data)
	case *Delete:
		return fixed + len(r.Path)
	case *CheckVersion:
		return fixed + len(r.Path)
	case *SetACL:
		return fixed + len(r.Path)
	}
	return fixed
}

// encodeRecord appends r with direct calls for the record types of this
// package; only a foreign Record implementation goes through the
// interface, into an encoder of its own so that e does not escape.
func encodeRecord(e *wire.Encoder, r Record) {
	switch r := r.(type) {
	case nil:
	case *Create:
		r.Encode(e)
	case *CreateContainer:
		r.Encode(e)
	case *CreateTTL:
		r.Encode(e)
	case *Delete:
		r.Encode(e)
	case *SetData:
		r.Encode(e)
	case *CheckVersion:
		r.Encode(e)
	case *SetACL:
		r.Encode(e)
	case *CreateSession:
		r.Encode(e)
	case *CloseSession:
		r.Encode(e)
	case *Error:
		r.Encode(e)
	case *Multi:
		r.Encode(e)
	default:
		sub := wire.NewEncoder(nil)
		r.Encode(sub)
		e.Raw(sub.Bytes())
	}
}

// Unmarshal decodes a transaction produced by Marshal. It fails on unknown
// types, truncated or oversized fields, and trailing bytes; it never panics.
//
// The records' Data slices are views of b (capacity capped at their length,
// so appending to one copies), not copies: b must not be modified while the
// txn or anything it was handed to (a tree node keeps its data slice) is in
// use. Every caller decodes bytes that are never modified: a Zab entry (a
// PROPOSAL's payload or the leader's own Marshal output) or a recovered log
// record, and every server decodes every committed txn, so a copy of its
// data per txn per server was pure overhead.
func Unmarshal(b []byte) (Txn, error) { return UnmarshalInterned(b, nil) }

// UnmarshalInterned is Unmarshal with the records' strings (paths) decoded
// through in when it is not nil (see wire.Interner): a server passes its
// tree, so the path of a txn on an existing node is the tree's own string
// instead of a copy per txn per server.
func UnmarshalInterned(b []byte, in wire.Interner) (Txn, error) {
	// The decoder stays on the stack: decodeRecord decodes with direct
	// calls. Every server decodes every committed txn, so this saves an
	// allocation per txn per server.
	var d wire.Decoder
	d.Reset(b)
	d.Intern = in
	var t Txn
	t.Header.Decode(&d)
	if err := d.Err(); err != nil {
		return Txn{}, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	rec, ok := decodeRecord(t.Header.Type, &d)
	if !ok {
		return Txn{}, fmt.Errorf("%w: unknown type %v", ErrMalformed, t.Header.Type)
	}
	if err := d.Err(); err != nil {
		return Txn{}, fmt.Errorf("%w: %v record: %w", ErrMalformed, t.Header.Type, err)
	}
	if d.Remaining() != 0 {
		return Txn{}, fmt.Errorf("%w: %d trailing bytes after %v record", ErrMalformed, d.Remaining(), t.Header.Type)
	}
	t.Record = rec
	return t, nil
}

// decodeRecord is RecordFor followed by the record's Decode, with direct
// calls (see Unmarshal); false if t is not a transaction type.
func decodeRecord(t wire.OpCode, d *wire.Decoder) (Record, bool) {
	switch t {
	case wire.OpCreate, wire.OpCreate2:
		r := &Create{}
		r.Decode(d)
		return r, true
	case wire.OpCreateContainer:
		r := &CreateContainer{}
		r.Decode(d)
		return r, true
	case wire.OpCreateTTL:
		r := &CreateTTL{}
		r.Decode(d)
		return r, true
	case wire.OpDelete, wire.OpDeleteContainer:
		r := &Delete{}
		r.Decode(d)
		return r, true
	case wire.OpSetData, wire.OpReconfig:
		r := &SetData{}
		r.Decode(d)
		return r, true
	case wire.OpCheck:
		r := &CheckVersion{}
		r.Decode(d)
		return r, true
	case wire.OpSetACL:
		r := &SetACL{}
		r.Decode(d)
		return r, true
	case wire.OpCreateSession:
		r := &CreateSession{}
		r.Decode(d)
		return r, true
	case wire.OpCloseSession:
		r := &CloseSession{}
		r.Decode(d)
		return r, true
	case wire.OpError:
		r := &Error{}
		r.Decode(d)
		return r, true
	case wire.OpMulti:
		r := &Multi{}
		r.Decode(d)
		return r, true
	}
	return nil, false
}

// decodeSub decodes one multi op's record from its buffer.
// in is the multi's decoder's Interner.
func decodeSub(t wire.OpCode, data []byte, in wire.Interner) (Record, error) {
	if !InMulti(t) {
		return nil, fmt.Errorf("%w: type %v not allowed in multi", ErrMalformed, t)
	}
	var d wire.Decoder
	d.Reset(data)
	d.Intern = in
	rec, _ := decodeRecord(t, &d)
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("%w: multi op %v: %w", ErrMalformed, t, err)
	}
	if d.Remaining() != 0 {
		return nil, fmt.Errorf("%w: multi op %v: %d trailing bytes", ErrMalformed, t, d.Remaining())
	}
	return rec, nil
}

package txn

import "github.com/zabsim/zabsim/server/wire"

// Record is one transaction body. Decode reads the fields in jute order and
// leaves any error in the decoder (errors are sticky there).
type Record interface {
	Encode(e *wire.Encoder)
	Decode(d *wire.Decoder)
}

// Create is CreateTxn: a persistent or ephemeral (sequential or not) create.
// ParentCVersion is the parent's persisted cversion after this create (the
// prep stage computes it; -1 asks the tree to use its own value plus one).
type Create struct {
	Path           string
	Data           []byte
	ACL            []wire.ACL
	Ephemeral      bool
	ParentCVersion int32
}

// Encode appends the record.
func (r *Create) Encode(e *wire.Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	wire.EncodeACLs(e, r.ACL)
	e.Bool(r.Ephemeral)
	e.Int32(r.ParentCVersion)
}

// Decode reads the record.
func (r *Create) Decode(d *wire.Decoder) {
	r.Path = readString(d)
	r.Data = d.BufferView() // aliases the input: see Unmarshal
	r.ACL = readACLs(d)
	r.Ephemeral = readBool(d)
	r.ParentCVersion = d.Int32()
}

// CreateContainer is CreateContainerTxn.
type CreateContainer struct {
	Path           string
	Data           []byte
	ACL            []wire.ACL
	ParentCVersion int32
}

// Encode appends the record.
func (r *CreateContainer) Encode(e *wire.Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	wire.EncodeACLs(e, r.ACL)
	e.Int32(r.ParentCVersion)
}

// Decode reads the record.
func (r *CreateContainer) Decode(d *wire.Decoder) {
	r.Path = readString(d)
	r.Data = d.BufferView() // aliases the input: see Unmarshal
	r.ACL = readACLs(d)
	r.ParentCVersion = d.Int32()
}

// CreateTTL is CreateTTLTxn. TTLMS is the time to live in milliseconds
// (ZooKeeper's field "ttl").
type CreateTTL struct {
	Path           string
	Data           []byte
	ACL            []wire.ACL
	ParentCVersion int32
	TTLMS          int64
}

// Encode appends the record.
func (r *CreateTTL) Encode(e *wire.Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	wire.EncodeACLs(e, r.ACL)
	e.Int32(r.ParentCVersion)
	e.Int64(r.TTLMS)
}

// Decode reads the record.
func (r *CreateTTL) Decode(d *wire.Decoder) {
	r.Path = readString(d)
	r.Data = d.BufferView() // aliases the input: see Unmarshal
	r.ACL = readACLs(d)
	r.ParentCVersion = d.Int32()
	r.TTLMS = d.Int64()
}

// Delete is DeleteTxn (delete and deleteContainer).
type Delete struct {
	Path string
}

// Encode appends the record.
func (r *Delete) Encode(e *wire.Encoder) { e.String(r.Path) }

// Decode reads the record.
func (r *Delete) Decode(d *wire.Decoder) { r.Path = readString(d) }

// SetData is SetDataTxn. Version is the node's new data version.
type SetData struct {
	Path    string
	Data    []byte
	Version int32
}

// Encode appends the record.
func (r *SetData) Encode(e *wire.Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	e.Int32(r.Version)
}

// Decode reads the record.
func (r *SetData) Decode(d *wire.Decoder) {
	r.Path = readString(d)
	r.Data = d.BufferView() // aliases the input: see Unmarshal
	r.Version = d.Int32()
}

// CheckVersion is CheckVersionTxn (the check op of a multi).
type CheckVersion struct {
	Path    string
	Version int32
}

// Encode appends the record.
func (r *CheckVersion) Encode(e *wire.Encoder) {
	e.String(r.Path)
	e.Int32(r.Version)
}

// Decode reads the record.
func (r *CheckVersion) Decode(d *wire.Decoder) {
	r.Path = readString(d)
	r.Version = d.Int32()
}

// SetACL is SetACLTxn. Version is the node's new ACL version (aversion).
type SetACL struct {
	Path    string
	ACL     []wire.ACL
	Version int32
}

// Encode appends the record.
func (r *SetACL) Encode(e *wire.Encoder) {
	e.String(r.Path)
	wire.EncodeACLs(e, r.ACL)
	e.Int32(r.Version)
}

// Decode reads the record.
func (r *SetACL) Decode(d *wire.Decoder) {
	r.Path = readString(d)
	r.ACL = readACLs(d)
	r.Version = d.Int32()
}

// CreateSession is CreateSessionTxn; TimeoutMS is ZooKeeper's "timeOut".
type CreateSession struct {
	TimeoutMS int32
}

// Encode appends the record.
func (r *CreateSession) Encode(e *wire.Encoder) { e.Int32(r.TimeoutMS) }

// Decode reads the record.
func (r *CreateSession) Decode(d *wire.Decoder) { r.TimeoutMS = d.Int32() }

// CloseSession is CloseSessionTxn: the ephemerals the leader saw for the
// session when it prepared the close (the session id is the header's
// ClientID).
type CloseSession struct {
	Paths2Delete []string
}

// Encode appends the record.
func (r *CloseSession) Encode(e *wire.Encoder) { e.Strings(r.Paths2Delete) }

// Decode reads the record.
func (r *CloseSession) Decode(d *wire.Decoder) { r.Paths2Delete = readStrings(d) }

// Error is ErrorTxn: the request failed in prep, and Err says why.
type Error struct {
	Err wire.Err
}

// Encode appends the record.
func (r *Error) Encode(e *wire.Encoder) { e.Int32(int32(r.Err)) }

// Decode reads the record.
func (r *Error) Decode(d *wire.Decoder) { r.Err = wire.Err(d.Int32()) }

// Op is one sub-transaction of a Multi (jute: Txn{type, data}); on the wire
// its record travels as a length-prefixed buffer.
type Op struct {
	Type   wire.OpCode
	Record Record
}

// Multi is MultiTxn. A multi that failed in prep carries an Error record for
// every op (see DataTree.processTxn): nothing of it is applied.
type Multi struct {
	Ops []Op
}

// Encode appends the record. Each op's record is encoded into a buffer of
// its own, as MultiTxn's vector<Txn> requires.
func (r *Multi) Encode(e *wire.Encoder) {
	e.VectorLen(len(r.Ops), r.Ops == nil)
	var sub wire.Encoder
	for _, op := range r.Ops {
		e.Int32(int32(op.Type))
		sub.Reset()
		if op.Record != nil {
			op.Record.Encode(&sub)
		}
		e.Buffer(sub.Bytes())
	}
}

// minOpBytes is the smallest encoding of one Op: type plus a buffer length.
const minOpBytes = 8

// Decode reads the record. An op whose type may not appear in a multi, or
// whose buffer does not hold exactly one record of that type, is an error.
func (r *Multi) Decode(d *wire.Decoder) {
	n, isNil := d.VectorLen(minOpBytes)
	if isNil || d.Err() != nil {
		r.Ops = nil
		return
	}
	r.Ops = make([]Op, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		typ := wire.OpCode(d.Int32())
		data := d.BufferView() // the sub-record's data aliases it: see Unmarshal
		if d.Err() != nil {
			return
		}
		rec, err := decodeSub(typ, data, d.Intern)
		if err != nil {
			d.Fail(err)
			return
		}
		r.Ops = append(r.Ops, Op{Type: typ, Record: rec})
	}
}

package wire

// Record is a jute record: a value that encodes itself to and decodes itself
// from a jute byte stream. Decode reports failures through the Decoder's
// sticky error.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Request is the body of a client request; Op names its RequestHeader type.
// The set is closed: the types in this package are all the requests.
type Request interface {
	Record
	Op() OpCode
	isRequest()
}

// Response is the body of a server reply to a request of type Op (or, for
// WatcherEvent, a notification). The set is closed like Request's.
type Response interface {
	Record
	Op() OpCode
	isResponse()
}

// CreateRequest is the body of create (op 1). Create2Request and
// CreateContainerRequest share its layout.
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
}

func (*CreateRequest) Op() OpCode { return OpCreate }

func (r *CreateRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int32(r.Flags)
}

func (r *CreateRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Flags = d.Int32()
}

// Create2Request is create2 (op 15): a create whose reply carries the Stat.
type Create2Request struct{ CreateRequest }

func (*Create2Request) Op() OpCode { return OpCreate2 }

// CreateContainerRequest is createContainer (op 19).
type CreateContainerRequest struct{ CreateRequest }

func (*CreateContainerRequest) Op() OpCode { return OpCreateContainer }

// CreateTTLRequest is createTTL (op 21); TTLMS is the node's time to live in
// milliseconds.
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
	TTLMS int64
}

func (*CreateTTLRequest) Op() OpCode { return OpCreateTTL }

func (r *CreateTTLRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int32(r.Flags)
	e.Int64(r.TTLMS)
}

func (r *CreateTTLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Flags = d.Int32()
	r.TTLMS = d.Int64()
}

// DeleteRequest is delete (op 2); Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

func (*DeleteRequest) Op() OpCode          { return OpDelete }
func (r *DeleteRequest) Encode(e *Encoder) { e.String(r.Path); e.Int32(r.Version) }
func (r *DeleteRequest) Decode(d *Decoder) { r.Path = d.String(); r.Version = d.Int32() }

// CheckVersionRequest is check (op 13), normally inside a multi.
type CheckVersionRequest struct {
	Path    string
	Version int32
}

func (*CheckVersionRequest) Op() OpCode          { return OpCheck }
func (r *CheckVersionRequest) Encode(e *Encoder) { e.String(r.Path); e.Int32(r.Version) }
func (r *CheckVersionRequest) Decode(d *Decoder) { r.Path = d.String(); r.Version = d.Int32() }

// ExistsRequest is exists (op 3); Watch arms an exist watch.
type ExistsRequest struct {
	Path  string
	Watch bool
}

func (*ExistsRequest) Op() OpCode          { return OpExists }
func (r *ExistsRequest) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }
func (r *ExistsRequest) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// GetDataRequest is getData (op 4); Watch arms a data watch.
type GetDataRequest struct {
	Path  string
	Watch bool
}

func (*GetDataRequest) Op() OpCode          { return OpGetData }
func (r *GetDataRequest) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }
func (r *GetDataRequest) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// SetDataRequest is setData (op 5); Version -1 matches any version.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

func (*SetDataRequest) Op() OpCode { return OpSetData }

func (r *SetDataRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	e.Int32(r.Version)
}

func (r *SetDataRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.Version = d.Int32()
}

// GetACLRequest is getACL (op 6).
type GetACLRequest struct{ Path string }

func (*GetACLRequest) Op() OpCode          { return OpGetACL }
func (r *GetACLRequest) Encode(e *Encoder) { e.String(r.Path) }
func (r *GetACLRequest) Decode(d *Decoder) { r.Path = d.String() }

// SetACLRequest is setACL (op 7); Version is the expected aversion.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

func (*SetACLRequest) Op() OpCode { return OpSetACL }

func (r *SetACLRequest) Encode(e *Encoder) {
	e.String(r.Path)
	EncodeACLs(e, r.ACL)
	e.Int32(r.Version)
}

func (r *SetACLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.ACL = DecodeACLs(d)
	r.Version = d.Int32()
}

// GetChildrenRequest is getChildren (op 8); Watch arms a child watch.
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

func (*GetChildrenRequest) Op() OpCode          { return OpGetChildren }
func (r *GetChildrenRequest) Encode(e *Encoder) { e.String(r.Path); e.Bool(r.Watch) }
func (r *GetChildrenRequest) Decode(d *Decoder) { r.Path = d.String(); r.Watch = d.Bool() }

// GetChildren2Request is getChildren2 (op 12): getChildren plus the Stat.
type GetChildren2Request struct{ GetChildrenRequest }

func (*GetChildren2Request) Op() OpCode { return OpGetChildren2 }

// GetAllChildrenNumberRequest is getAllChildrenNumber (op 104).
type GetAllChildrenNumberRequest struct{ Path string }

func (*GetAllChildrenNumberRequest) Op() OpCode          { return OpGetAllChildrenNumber }
func (r *GetAllChildrenNumberRequest) Encode(e *Encoder) { e.String(r.Path) }
func (r *GetAllChildrenNumberRequest) Decode(d *Decoder) { r.Path = d.String() }

// GetEphemeralsRequest is getEphemerals (op 103): the session's ephemerals
// whose path starts with PrefixPath.
type GetEphemeralsRequest struct{ PrefixPath string }

func (*GetEphemeralsRequest) Op() OpCode          { return OpGetEphemerals }
func (r *GetEphemeralsRequest) Encode(e *Encoder) { e.String(r.PrefixPath) }
func (r *GetEphemeralsRequest) Decode(d *Decoder) { r.PrefixPath = d.String() }

// SyncRequest is sync (op 9).
type SyncRequest struct{ Path string }

func (*SyncRequest) Op() OpCode          { return OpSync }
func (r *SyncRequest) Encode(e *Encoder) { e.String(r.Path) }
func (r *SyncRequest) Decode(d *Decoder) { r.Path = d.String() }

// PingRequest is ping (op 11, xid -2); it has no body.
type PingRequest struct{}

func (*PingRequest) Op() OpCode      { return OpPing }
func (*PingRequest) Encode(*Encoder) {}
func (*PingRequest) Decode(*Decoder) {}

// CloseSessionRequest is closeSession (op -11); it has no body.
type CloseSessionRequest struct{}

func (*CloseSessionRequest) Op() OpCode      { return OpCloseSession }
func (*CloseSessionRequest) Encode(*Encoder) {}
func (*CloseSessionRequest) Decode(*Decoder) {}

// WhoAmIRequest is whoAmI (op 107); it has no body.
type WhoAmIRequest struct{}

func (*WhoAmIRequest) Op() OpCode      { return OpWhoAmI }
func (*WhoAmIRequest) Encode(*Encoder) {}
func (*WhoAmIRequest) Decode(*Decoder) {}

// AuthRequest is auth (op 100), jute's AuthPacket. Type is always 0 in
// practice; Auth is scheme specific ("user:password" for digest).
type AuthRequest struct {
	Type   int32
	Scheme string
	Auth   []byte
}

func (*AuthRequest) Op() OpCode { return OpAuth }

func (r *AuthRequest) Encode(e *Encoder) {
	e.Int32(r.Type)
	e.String(r.Scheme)
	e.Buffer(r.Auth)
}

func (r *AuthRequest) Decode(d *Decoder) {
	r.Type = d.Int32()
	r.Scheme = d.String()
	r.Auth = d.Buffer()
}

// SASLRequest is sasl (op 102), jute's GetSASLRequest: one token of the
// client's side of a SASL exchange (empty to start DIGEST-MD5).
type SASLRequest struct{ Token []byte }

func (*SASLRequest) Op() OpCode          { return OpSASL }
func (r *SASLRequest) Encode(e *Encoder) { e.Buffer(r.Token) }
func (r *SASLRequest) Decode(d *Decoder) { r.Token = d.Buffer() }

// SetWatchesRequest is setWatches (op 101): re-arms watches after a
// reconnect; the server fires those whose node changed after RelativeZxid.
type SetWatchesRequest struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

func (*SetWatchesRequest) Op() OpCode { return OpSetWatches }

func (r *SetWatchesRequest) Encode(e *Encoder) {
	e.Int64(r.RelativeZxid)
	e.Strings(r.DataWatches)
	e.Strings(r.ExistWatches)
	e.Strings(r.ChildWatches)
}

func (r *SetWatchesRequest) Decode(d *Decoder) {
	r.RelativeZxid = d.Int64()
	r.DataWatches = d.Strings()
	r.ExistWatches = d.Strings()
	r.ChildWatches = d.Strings()
}

// SetWatches2Request is setWatches2 (op 105): setWatches plus persistent and
// persistent-recursive watches.
type SetWatches2Request struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

func (*SetWatches2Request) Op() OpCode { return OpSetWatches2 }

func (r *SetWatches2Request) Encode(e *Encoder) {
	e.Int64(r.RelativeZxid)
	e.Strings(r.DataWatches)
	e.Strings(r.ExistWatches)
	e.Strings(r.ChildWatches)
	e.Strings(r.PersistentWatches)
	e.Strings(r.PersistentRecursiveWatches)
}

func (r *SetWatches2Request) Decode(d *Decoder) {
	r.RelativeZxid = d.Int64()
	r.DataWatches = d.Strings()
	r.ExistWatches = d.Strings()
	r.ChildWatches = d.Strings()
	r.PersistentWatches = d.Strings()
	r.PersistentRecursiveWatches = d.Strings()
}

// AddWatchRequest is addWatch (op 106); Mode is AddWatchPersistent or
// AddWatchPersistentRecursive.
type AddWatchRequest struct {
	Path string
	Mode int32
}

func (*AddWatchRequest) Op() OpCode          { return OpAddWatch }
func (r *AddWatchRequest) Encode(e *Encoder) { e.String(r.Path); e.Int32(r.Mode) }
func (r *AddWatchRequest) Decode(d *Decoder) { r.Path = d.String(); r.Mode = d.Int32() }

// RemoveWatchesRequest is removeWatches (op 18); Type is a Watcher* kind.
type RemoveWatchesRequest struct {
	Path string
	Type int32
}

func (*RemoveWatchesRequest) Op() OpCode          { return OpRemoveWatches }
func (r *RemoveWatchesRequest) Encode(e *Encoder) { e.String(r.Path); e.Int32(r.Type) }
func (r *RemoveWatchesRequest) Decode(d *Decoder) { r.Path = d.String(); r.Type = d.Int32() }

// CheckWatchesRequest is checkWatches (op 17); Type is a Watcher* kind.
type CheckWatchesRequest struct {
	Path string
	Type int32
}

func (*CheckWatchesRequest) Op() OpCode          { return OpCheckWatches }
func (r *CheckWatchesRequest) Encode(e *Encoder) { e.String(r.Path); e.Int32(r.Type) }
func (r *CheckWatchesRequest) Decode(d *Decoder) { r.Path = d.String(); r.Type = d.Int32() }

// ReconfigRequest is reconfig (op 16): joining and leaving servers
// (incremental) or new members, comma-separated, and the config version it
// expects (-1: any). A nil field is a null string: newMembers != null makes
// the reconfig non-incremental.
type ReconfigRequest struct {
	JoiningServers []byte
	LeavingServers []byte
	NewMembers     []byte
	CurConfigID    int64
}

func (*ReconfigRequest) Op() OpCode { return OpReconfig }

func (r *ReconfigRequest) Encode(e *Encoder) {
	e.Buffer(r.JoiningServers)
	e.Buffer(r.LeavingServers)
	e.Buffer(r.NewMembers)
	e.Int64(r.CurConfigID)
}

func (r *ReconfigRequest) Decode(d *Decoder) {
	r.JoiningServers = d.Buffer()
	r.LeavingServers = d.Buffer()
	r.NewMembers = d.Buffer()
	r.CurConfigID = d.Int64()
}

// newRequest returns an empty request record for op, or nil for an opcode a
// client may not send (notification, sasl, createSession, ...).
func newRequest(op OpCode) Request {
	switch op {
	case OpCreate:
		return &CreateRequest{}
	case OpCreate2:
		return &Create2Request{}
	case OpCreateContainer:
		return &CreateContainerRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpExists:
		return &ExistsRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpGetACL:
		return &GetACLRequest{}
	case OpSetACL:
		return &SetACLRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	case OpGetChildren2:
		return &GetChildren2Request{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{}
	case OpGetEphemerals:
		return &GetEphemeralsRequest{}
	case OpSync:
		return &SyncRequest{}
	case OpMulti:
		return &MultiRequest{}
	case OpMultiRead:
		return &MultiReadRequest{}
	case OpReconfig:
		return &ReconfigRequest{}
	}
	return newSessionRequest(op)
}

// newSessionRequest covers the session and watch-management opcodes.
func newSessionRequest(op OpCode) Request {
	switch op {
	case OpPing:
		return &PingRequest{}
	case OpCloseSession:
		return &CloseSessionRequest{}
	case OpWhoAmI:
		return &WhoAmIRequest{}
	case OpAuth:
		return &AuthRequest{}
	case OpSASL:
		return &SASLRequest{}
	case OpSetWatches:
		return &SetWatchesRequest{}
	case OpSetWatches2:
		return &SetWatches2Request{}
	case OpAddWatch:
		return &AddWatchRequest{}
	case OpRemoveWatches:
		return &RemoveWatchesRequest{}
	case OpCheckWatches:
		return &CheckWatchesRequest{}
	}
	return nil
}

// Request markers: the embedding variants (Create2Request, ...) inherit them.
func (*ReconfigRequest) isRequest()             {}
func (*CreateRequest) isRequest()               {}
func (*CreateTTLRequest) isRequest()            {}
func (*DeleteRequest) isRequest()               {}
func (*CheckVersionRequest) isRequest()         {}
func (*ExistsRequest) isRequest()               {}
func (*GetDataRequest) isRequest()              {}
func (*SetDataRequest) isRequest()              {}
func (*GetACLRequest) isRequest()               {}
func (*SetACLRequest) isRequest()               {}
func (*GetChildrenRequest) isRequest()          {}
func (*GetAllChildrenNumberRequest) isRequest() {}
func (*GetEphemeralsRequest) isRequest()        {}
func (*SyncRequest) isRequest()                 {}
func (*PingRequest) isRequest()                 {}
func (*CloseSessionRequest) isRequest()         {}
func (*WhoAmIRequest) isRequest()               {}
func (*AuthRequest) isRequest()                 {}
func (*SetWatchesRequest) isRequest()           {}
func (*SetWatches2Request) isRequest()          {}
func (*AddWatchRequest) isRequest()             {}
func (*RemoveWatchesRequest) isRequest()        {}
func (*CheckWatchesRequest) isRequest()         {}
func (*SASLRequest) isRequest()                 {}

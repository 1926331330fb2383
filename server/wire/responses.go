package wire

// CreateResponse answers create (op 1).
type CreateResponse struct{ Path string }

func (*CreateResponse) Op() OpCode          { return OpCreate }
func (r *CreateResponse) Encode(e *Encoder) { e.String(r.Path) }
func (r *CreateResponse) Decode(d *Decoder) { r.Path = d.String() }

// Create2Response answers create2 (op 15); CreateContainerResponse and
// CreateTTLResponse share its layout.
type Create2Response struct {
	Path string
	Stat Stat
}

func (*Create2Response) Op() OpCode          { return OpCreate2 }
func (r *Create2Response) Encode(e *Encoder) { e.String(r.Path); r.Stat.Encode(e) }
func (r *Create2Response) Decode(d *Decoder) { r.Path = d.String(); r.Stat.Decode(d) }

// CreateContainerResponse answers createContainer (op 19).
type CreateContainerResponse struct{ Create2Response }

func (*CreateContainerResponse) Op() OpCode { return OpCreateContainer }

// CreateTTLResponse answers createTTL (op 21).
type CreateTTLResponse struct{ Create2Response }

func (*CreateTTLResponse) Op() OpCode { return OpCreateTTL }

// ExistsResponse answers exists (op 3) when the node exists.
type ExistsResponse struct{ Stat Stat }

func (*ExistsResponse) Op() OpCode          { return OpExists }
func (r *ExistsResponse) Encode(e *Encoder) { r.Stat.Encode(e) }
func (r *ExistsResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetDataResponse answers getData (op 4).
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

func (*GetDataResponse) Op() OpCode          { return OpGetData }
func (r *GetDataResponse) Encode(e *Encoder) { e.Buffer(r.Data); r.Stat.Encode(e) }
func (r *GetDataResponse) Decode(d *Decoder) { r.Data = d.Buffer(); r.Stat.Decode(d) }

// SetDataResponse answers setData (op 5).
type SetDataResponse struct{ Stat Stat }

func (*SetDataResponse) Op() OpCode          { return OpSetData }
func (r *SetDataResponse) Encode(e *Encoder) { r.Stat.Encode(e) }
func (r *SetDataResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetACLResponse answers getACL (op 6).
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

func (*GetACLResponse) Op() OpCode          { return OpGetACL }
func (r *GetACLResponse) Encode(e *Encoder) { EncodeACLs(e, r.ACL); r.Stat.Encode(e) }
func (r *GetACLResponse) Decode(d *Decoder) { r.ACL = DecodeACLs(d); r.Stat.Decode(d) }

// SetACLResponse answers setACL (op 7).
type SetACLResponse struct{ Stat Stat }

func (*SetACLResponse) Op() OpCode          { return OpSetACL }
func (r *SetACLResponse) Encode(e *Encoder) { r.Stat.Encode(e) }
func (r *SetACLResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetChildrenResponse answers getChildren (op 8).
type GetChildrenResponse struct{ Children []string }

func (*GetChildrenResponse) Op() OpCode          { return OpGetChildren }
func (r *GetChildrenResponse) Encode(e *Encoder) { e.Strings(r.Children) }
func (r *GetChildrenResponse) Decode(d *Decoder) { r.Children = d.Strings() }

// GetChildren2Response answers getChildren2 (op 12).
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

func (*GetChildren2Response) Op() OpCode          { return OpGetChildren2 }
func (r *GetChildren2Response) Encode(e *Encoder) { e.Strings(r.Children); r.Stat.Encode(e) }
func (r *GetChildren2Response) Decode(d *Decoder) { r.Children = d.Strings(); r.Stat.Decode(d) }

// GetAllChildrenNumberResponse answers getAllChildrenNumber (op 104).
type GetAllChildrenNumberResponse struct{ TotalNumber int32 }

func (*GetAllChildrenNumberResponse) Op() OpCode          { return OpGetAllChildrenNumber }
func (r *GetAllChildrenNumberResponse) Encode(e *Encoder) { e.Int32(r.TotalNumber) }
func (r *GetAllChildrenNumberResponse) Decode(d *Decoder) { r.TotalNumber = d.Int32() }

// GetEphemeralsResponse answers getEphemerals (op 103).
type GetEphemeralsResponse struct{ Ephemerals []string }

func (*GetEphemeralsResponse) Op() OpCode          { return OpGetEphemerals }
func (r *GetEphemeralsResponse) Encode(e *Encoder) { e.Strings(r.Ephemerals) }
func (r *GetEphemeralsResponse) Decode(d *Decoder) { r.Ephemerals = d.Strings() }

// SyncResponse answers sync (op 9).
type SyncResponse struct{ Path string }

func (*SyncResponse) Op() OpCode          { return OpSync }
func (r *SyncResponse) Encode(e *Encoder) { e.String(r.Path) }
func (r *SyncResponse) Decode(d *Decoder) { r.Path = d.String() }

// ErrorResponse is one failed (or rolled-back) result inside a multi reply;
// its MultiHeader type is -1.
type ErrorResponse struct{ Err Err }

func (*ErrorResponse) Op() OpCode          { return OpError }
func (r *ErrorResponse) Encode(e *Encoder) { e.Int32(int32(r.Err)) }
func (r *ErrorResponse) Decode(d *Decoder) { r.Err = Err(d.Int32()) }

// ClientInfo is one authenticated identity reported by whoAmI.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// WhoAmIResponse answers whoAmI (op 107).
type WhoAmIResponse struct{ ClientInfo []ClientInfo }

func (*WhoAmIResponse) Op() OpCode { return OpWhoAmI }

func (r *WhoAmIResponse) Encode(e *Encoder) {
	e.VectorLen(len(r.ClientInfo), r.ClientInfo == nil)
	for _, ci := range r.ClientInfo {
		e.String(ci.AuthScheme)
		e.String(ci.User)
	}
}

func (r *WhoAmIResponse) Decode(d *Decoder) {
	n, isNil := d.VectorLen(8)
	if isNil || d.Err() != nil {
		r.ClientInfo = nil
		return
	}
	r.ClientInfo = make([]ClientInfo, n)
	for i := range r.ClientInfo {
		r.ClientInfo[i].AuthScheme = d.String()
		r.ClientInfo[i].User = d.String()
	}
}

// SASLResponse answers sasl (op 102), jute's SetSASLResponse: the
// server's next token (null when it has none). ZooKeeper sends it with a
// failure too (AUTHFAILED with a null token).
type SASLResponse struct{ Token []byte }

func (*SASLResponse) Op() OpCode          { return OpSASL }
func (r *SASLResponse) Encode(e *Encoder) { e.Buffer(r.Token) }
func (r *SASLResponse) Decode(d *Decoder) { r.Token = d.Buffer() }

// EmptyResponse answers an op whose successful reply has no body: delete,
// check, ping, closeSession, auth, setWatches, setWatches2, addWatch,
// removeWatches, checkWatches. Type is that op.
type EmptyResponse struct{ Type OpCode }

func (r *EmptyResponse) Op() OpCode    { return r.Type }
func (*EmptyResponse) Encode(*Encoder) {}
func (*EmptyResponse) Decode(*Decoder) {}

// WatcherEvent is the body of a notification (xid -1).
type WatcherEvent struct {
	Type  EventType
	State State
	Path  string
}

func (*WatcherEvent) Op() OpCode { return OpNotification }

func (r *WatcherEvent) Encode(e *Encoder) {
	e.Int32(int32(r.Type))
	e.Int32(int32(r.State))
	e.String(r.Path)
}

func (r *WatcherEvent) Decode(d *Decoder) {
	r.Type = EventType(d.Int32())
	r.State = State(d.Int32())
	r.Path = d.String()
}

// newResponse returns an empty response record for a reply to op, or nil if
// op has no reply a client could have asked for.
func newResponse(op OpCode) Response {
	switch op {
	case OpCreate:
		return &CreateResponse{}
	case OpCreate2:
		return &Create2Response{}
	case OpCreateContainer:
		return &CreateContainerResponse{}
	case OpCreateTTL:
		return &CreateTTLResponse{}
	case OpExists:
		return &ExistsResponse{}
	case OpGetData:
		return &GetDataResponse{}
	case OpSetData:
		return &SetDataResponse{}
	case OpGetACL:
		return &GetACLResponse{}
	case OpSetACL:
		return &SetACLResponse{}
	case OpGetChildren:
		return &GetChildrenResponse{}
	case OpGetChildren2:
		return &GetChildren2Response{}
	case OpGetAllChildrenNumber:
		return &GetAllChildrenNumberResponse{}
	case OpGetEphemerals:
		return &GetEphemeralsResponse{}
	}
	return newOtherResponse(op)
}

func newOtherResponse(op OpCode) Response {
	switch op {
	case OpSync:
		return &SyncResponse{}
	case OpWhoAmI:
		return &WhoAmIResponse{}
	case OpSASL:
		return &SASLResponse{}
	case OpMulti:
		return &MultiResponse{}
	case OpMultiRead:
		return &MultiReadResponse{}
	case OpReconfig:
		return &GetDataResponse{} // the new config's data and Stat
	case OpError:
		return &ErrorResponse{}
	case OpNotification:
		return &WatcherEvent{}
	case OpAddWatch:
		// ZooKeeper answers addWatch with an ErrorResponse body (err 0),
		// which the Java client reads.
		return &ErrorResponse{}
	case OpDelete, OpCheck, OpPing, OpCloseSession, OpAuth, OpSetWatches, OpSetWatches2,
		OpRemoveWatches, OpCheckWatches:
		return &EmptyResponse{Type: op}
	}
	return nil
}

// Response markers: the embedding variants (CreateTTLResponse, ...) inherit them.
func (*CreateResponse) isResponse()               {}
func (*Create2Response) isResponse()              {}
func (*ExistsResponse) isResponse()               {}
func (*GetDataResponse) isResponse()              {}
func (*SetDataResponse) isResponse()              {}
func (*GetACLResponse) isResponse()               {}
func (*SetACLResponse) isResponse()               {}
func (*GetChildrenResponse) isResponse()          {}
func (*GetChildren2Response) isResponse()         {}
func (*GetAllChildrenNumberResponse) isResponse() {}
func (*GetEphemeralsResponse) isResponse()        {}
func (*SyncResponse) isResponse()                 {}
func (*ErrorResponse) isResponse()                {}
func (*WhoAmIResponse) isResponse()               {}
func (*SASLResponse) isResponse()                 {}
func (*EmptyResponse) isResponse()                {}
func (*WatcherEvent) isResponse()                 {}

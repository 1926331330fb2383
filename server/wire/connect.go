package wire

// ConnectRequest is the first packet a client sends on a connection (no
// RequestHeader). HasReadOnly records whether the trailing readOnly byte was
// present: clients that omit it (go-zookeeper v1.0.4) are "old clients" and
// must get a ConnectResponse without it.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeoutMS       int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode appends the record; ReadOnly is written only when HasReadOnly.
func (r *ConnectRequest) Encode(e *Encoder) {
	e.Int32(r.ProtocolVersion)
	e.Int64(r.LastZxidSeen)
	e.Int32(r.TimeoutMS)
	e.Int64(r.SessionID)
	e.Buffer(r.Passwd)
	if r.HasReadOnly {
		e.Bool(r.ReadOnly)
	}
}

// Decode reads the record, with or without the trailing readOnly byte.
func (r *ConnectRequest) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.LastZxidSeen = d.Int64()
	r.TimeoutMS = d.Int32()
	r.SessionID = d.Int64()
	r.Passwd = d.Buffer()
	r.ReadOnly, r.HasReadOnly = optionalBool(d)
}

// Answer builds the response to this request, echoing the request's form
// (with or without readOnly). A sessionID of 0 and timeout 0 tell the client
// its session expired.
func (r *ConnectRequest) Answer(timeoutMS int32, sessionID int64, passwd []byte) ConnectResponse {
	return ConnectResponse{
		ProtocolVersion: ProtocolVersion,
		TimeoutMS:       timeoutMS,
		SessionID:       sessionID,
		Passwd:          passwd,
		ReadOnly:        false,
		HasReadOnly:     r.HasReadOnly,
	}
}

// ConnectResponse is the server's answer to a ConnectRequest (no
// ReplyHeader). SessionID 0 means the session expired.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeoutMS       int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode appends the record; ReadOnly is written only when HasReadOnly.
func (r *ConnectResponse) Encode(e *Encoder) {
	e.Int32(r.ProtocolVersion)
	e.Int32(r.TimeoutMS)
	e.Int64(r.SessionID)
	e.Buffer(r.Passwd)
	if r.HasReadOnly {
		e.Bool(r.ReadOnly)
	}
}

// Decode reads the record, with or without the trailing readOnly byte.
func (r *ConnectResponse) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.TimeoutMS = d.Int32()
	r.SessionID = d.Int64()
	r.Passwd = d.Buffer()
	r.ReadOnly, r.HasReadOnly = optionalBool(d)
}

// Expired reports whether the server refused to resume the session.
func (r *ConnectResponse) Expired() bool { return r.SessionID == 0 || r.TimeoutMS <= 0 }

// optionalBool reads a trailing bool if one byte or more is left.
func optionalBool(d *Decoder) (v, present bool) {
	if d.Err() != nil || d.Remaining() == 0 {
		return false, false
	}
	return d.Bool(), true
}

// EncodeConnectRequest returns the framed handshake packet (client side).
func EncodeConnectRequest(req ConnectRequest) []byte { return frame(req.Encode) }

// DecodeConnectRequest decodes the first frame of a connection (server side).
func DecodeConnectRequest(frame []byte, opts DecodeOptions) (ConnectRequest, error) {
	var req ConnectRequest
	d := newDecoder(frame, opts)
	req.Decode(d)
	if err := finish(d, "connect request"); err != nil {
		return ConnectRequest{}, err
	}
	return req, nil
}

// EncodeConnectResponse returns the framed handshake answer (server side).
func EncodeConnectResponse(resp ConnectResponse) []byte { return frame(resp.Encode) }

// DecodeConnectResponse decodes the first frame a server sends (client side).
func DecodeConnectResponse(frame []byte, opts DecodeOptions) (ConnectResponse, error) {
	var resp ConnectResponse
	d := newDecoder(frame, opts)
	resp.Decode(d)
	if err := finish(d, "connect response"); err != nil {
		return ConnectResponse{}, err
	}
	return resp, nil
}

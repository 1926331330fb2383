package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors the frame decoders return (wrapped with context; test with errors.Is).
var (
	// ErrUnknownOp reports a request type this codec does not decode. The
	// header is still returned so a server can answer ErrUnimplemented.
	ErrUnknownOp = errors.New("jute: unknown opcode")
	// ErrTrailing reports bytes left after a complete record.
	ErrTrailing = errors.New("jute: trailing bytes after record")
)

// DecodeOptions bound what a decoder accepts.
type DecodeOptions struct {
	// MaxBuffer bounds any single buffer, string or frame (0 means
	// DefaultMaxBuffer), like jute.maxbuffer.
	MaxBuffer int
	// Intern, if set, supplies the decoded strings it has (see Interner).
	Intern Interner
	// Views, if set, makes the decoded byte buffers (a setData's or a
	// create's data, ...) views of the frame instead of copies: set it only
	// for frames that are never modified (as a Framer's are not).
	Views bool
	// IgnoreTrailing, if set, accepts bytes after a complete request body
	// instead of failing with ErrTrailing, as ZooKeeper's server does: it
	// reads a request's record from the front of the packet and never looks
	// at what follows (ByteBufferInputStream.byteBuffer2Record).
	IgnoreTrailing bool
	// NegativeCountsEmpty, if set, reads a vector count below -1 as an
	// empty vector instead of failing, as Java jute does (ZooKeeper answers
	// a create whose ACL count is -2 INVALIDACL, not MARSHALLINGERROR).
	NegativeCountsEmpty bool
	_                   struct{}
}

// RequestHeader starts every request after the handshake.
type RequestHeader struct {
	Xid  int32
	Type OpCode
}

// RequestHeaderSize is the encoded size of a RequestHeader.
const RequestHeaderSize = 8

// ReplyHeader starts every server reply after the handshake.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  Err
}

// ReplyHeaderSize is the encoded size of a ReplyHeader.
const ReplyHeaderSize = 16

// frame encodes one length-prefixed packet: a 4-byte big-endian body length
// followed by what body appends.
func frame(body func(e *Encoder)) []byte {
	// The encoder escapes (records encode through an interface), so it and
	// the small-frame storage share one allocation.
	fb := &frameBuf{}
	fb.e.buf = fb.small[:4]
	body(&fb.e)
	b := fb.e.Bytes()
	binary.BigEndian.PutUint32(b[:4], uint32(len(b)-4))
	return b
}

// frameBuf is an Encoder together with room for a typical frame.
type frameBuf struct {
	e     Encoder
	small [64]byte
}

func newDecoder(b []byte, opts DecodeOptions) *Decoder {
	d := NewDecoder(b)
	d.Max, d.Intern, d.Views, d.NegativeCountsEmpty = opts.MaxBuffer, opts.Intern, opts.Views, opts.NegativeCountsEmpty
	return d
}

// finish turns a decoder's final state into an error: its sticky error, or
// ErrTrailing when bytes are left over.
func finish(d *Decoder, what string) error {
	if d.Err() == nil && d.Remaining() == 0 {
		return nil
	}
	return finishErr(d, what)
}

// finishOp is finish for a record named "<op> <kind>"; that text is built
// only when there is an error (a concatenation up front cost an allocation
// per frame).
func finishOp(d *Decoder, op OpCode, kind string) error {
	if d.Err() == nil && d.Remaining() == 0 {
		return nil
	}
	return finishErr(d, op.String()+" "+kind)
}

func finishErr(d *Decoder, what string) error {
	if err := d.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n := d.Remaining()
	return fmt.Errorf("%s: %w (%d bytes at offset %d)", what, ErrTrailing, n, d.Offset())
}

// EncodeRequest returns the framed packet for a request with the given xid
// (client side).
func EncodeRequest(xid int32, req Request) []byte {
	return frame(func(e *Encoder) {
		e.Int32(xid)
		e.Int32(int32(req.Op()))
		req.Encode(e)
	})
}

// DecodeRequest decodes one request frame (without its length prefix; see
// Framer) on the server side. For an opcode it does not know it returns the
// header and an error wrapping ErrUnknownOp.
func DecodeRequest(frame []byte, opts DecodeOptions) (RequestHeader, Request, error) {
	return DecodeRequestInto(frame, opts, nil)
}

// DecodeRequestInto is DecodeRequest decoding the body into into, a new
// (zero) request the caller allocated, when into is of the frame's type
// (see RequestType); otherwise (into nil or of another type) it allocates
// the body as DecodeRequest does. A server allocates a common request's
// body together with its own record of the request: one allocation instead
// of two. The returned Request is into when into was used.
func DecodeRequestInto(frame []byte, opts DecodeOptions, into Request) (RequestHeader, Request, error) {
	// The decoder stays on the stack: decodeRequestBody decodes the
	// common requests with direct calls (see there).
	d := Decoder{b: frame, Max: opts.MaxBuffer, Intern: opts.Intern, Views: opts.Views, NegativeCountsEmpty: opts.NegativeCountsEmpty}
	return decodeRequest(&d, into, opts.IgnoreTrailing)
}

// RequestType returns the type in a request frame's header, or false if
// the frame is too short to hold a header.
func RequestType(frame []byte) (OpCode, bool) {
	if len(frame) < RequestHeaderSize {
		return 0, false
	}
	return OpCode(binary.BigEndian.Uint32(frame[4:8])), true
}

func decodeRequest(d *Decoder, into Request, ignoreTrailing bool) (RequestHeader, Request, error) {
	hdr := RequestHeader{Xid: d.Int32(), Type: OpCode(d.Int32())}
	if err := d.Err(); err != nil {
		return RequestHeader{}, nil, fmt.Errorf("request header: %w", err)
	}
	req := into
	if req == nil || req.Op() != hdr.Type {
		req = newRequest(hdr.Type)
	}
	if req == nil {
		return hdr, nil, fmt.Errorf("%w %v (xid %d)", ErrUnknownOp, hdr.Type, hdr.Xid)
	}
	decodeRequestBody(req, d)
	if ignoreTrailing && d.Err() == nil {
		return hdr, req, nil
	}
	if err := finishOp(d, hdr.Type, "request"); err != nil {
		return hdr, nil, err
	}
	return hdr, req, nil
}

// EncodeReply returns the framed reply packet (server side). resp may be nil:
// ZooKeeper sends a bare header when err is not ErrOK.
func EncodeReply(xid int32, zxid int64, err Err, resp Response) []byte {
	return frame(func(e *Encoder) {
		e.Int32(xid)
		e.Int64(zxid)
		e.Int32(int32(err))
		if resp != nil {
			resp.Encode(e)
		}
	})
}

// BeginReply resets e and starts a reply packet in it: the frame's length
// prefix (patched by EndFrame) and the ReplyHeader. The caller appends the
// response body, if any, and calls EndFrame. The bytes equal EncodeReply's;
// a server that encodes every reply into one scratch Encoder and copies
// the result out makes one exact-size allocation per reply.
func BeginReply(e *Encoder, xid int32, zxid int64, err Err) {
	e.buf = append(e.buf[:0], 0, 0, 0, 0)
	e.Int32(xid)
	e.Int64(zxid)
	e.Int32(int32(err))
}

// EndFrame patches the length prefix of the packet e holds (started by
// BeginReply) and returns it. The bytes alias e's storage: copy them before
// e is used again.
func EndFrame(e *Encoder) []byte {
	b := e.buf
	binary.BigEndian.PutUint32(b[:4], uint32(len(b)-4))
	return b
}

// EncodeWatchEvent returns the framed notification packet for a watch event
// (xid -1, zxid -1 as ZooKeeper sends it).
func EncodeWatchEvent(ev WatcherEvent) []byte {
	return EncodeReply(XidWatchEvent, -1, ErrOK, &ev)
}

// DecodeReply decodes one reply frame (without its length prefix) on the
// client side. expect is the op of the pending request the reply answers.
// A notification (xid -1) decodes as *WatcherEvent and a ping reply (xid -2)
// as an EmptyResponse for ping, whatever expect says. A reply with a non-OK
// error and no body yields a nil Response.
func DecodeReply(frame []byte, expect OpCode, opts DecodeOptions) (ReplyHeader, Response, error) {
	return DecodeReplyInto(frame, expect, opts, nil)
}

// DecodeReplyInto is DecodeReply decoding the body into into, a zero
// response the caller provides, when into is of the type the reply carries
// (into.Op() is the reply's op: expect, or that of a notification or ping);
// otherwise it allocates as DecodeReply does. The returned Response is into
// when into was used. A client that copies what it needs out of every
// reply can decode the common ones without an allocation each.
func DecodeReplyInto(frame []byte, expect OpCode, opts DecodeOptions, into Response) (ReplyHeader, Response, error) {
	d := Decoder{b: frame, Max: opts.MaxBuffer, Intern: opts.Intern, Views: opts.Views, NegativeCountsEmpty: opts.NegativeCountsEmpty} // on the stack, as in DecodeRequest
	return decodeReply(&d, expect, into)
}

func decodeReply(d *Decoder, expect OpCode, into Response) (ReplyHeader, Response, error) {
	hdr := ReplyHeader{Xid: d.Int32(), Zxid: d.Int64(), Err: Err(d.Int32())}
	if err := d.Err(); err != nil {
		return ReplyHeader{}, nil, fmt.Errorf("reply header: %w", err)
	}
	op := expect
	switch hdr.Xid {
	case XidWatchEvent:
		op = OpNotification
	case XidPing:
		op = OpPing
	}
	if hdr.Err != ErrOK && d.Remaining() == 0 {
		return hdr, nil, nil
	}
	resp := into
	if resp == nil || resp.Op() != op {
		resp = newResponse(op)
	}
	if resp == nil {
		return hdr, nil, fmt.Errorf("%w %v (reply xid %d)", ErrUnknownOp, op, hdr.Xid)
	}
	decodeResponseBody(resp, d)
	if err := finishOp(d, op, "reply"); err != nil {
		return hdr, nil, err
	}
	return hdr, resp, nil
}

// decodeRequestBody decodes req from d. The common requests are decoded
// with direct calls; the rest go through the interface on a heap copy of d.
// Either way d itself does not escape, so a frame decoder on the caller's
// stack costs no allocation (every request frame is decoded on the server
// it reaches, and a write once more on the leader).
func decodeRequestBody(req Request, d *Decoder) {
	switch r := req.(type) {
	case *GetDataRequest:
		r.Decode(d)
	case *SetDataRequest:
		r.Decode(d)
	case *ExistsRequest:
		r.Decode(d)
	case *SyncRequest:
		r.Decode(d)
	case *CreateRequest:
		r.Decode(d)
	case *Create2Request:
		r.Decode(d)
	case *DeleteRequest:
		r.Decode(d)
	case *GetChildrenRequest:
		r.Decode(d)
	case *GetChildren2Request:
		r.Decode(d)
	case *CheckVersionRequest:
		r.Decode(d)
	case *PingRequest, *CloseSessionRequest:
		// no body
	default:
		hd := new(Decoder)
		*hd = *d
		req.Decode(hd)
		*d = *hd
	}
}

// decodeResponseBody is decodeRequestBody for replies (client side).
func decodeResponseBody(resp Response, d *Decoder) {
	switch r := resp.(type) {
	case *GetDataResponse:
		r.Decode(d)
	case *SetDataResponse:
		r.Decode(d)
	case *ExistsResponse:
		r.Decode(d)
	case *SyncResponse:
		r.Decode(d)
	case *CreateResponse:
		r.Decode(d)
	case *Create2Response:
		r.Decode(d)
	case *GetChildrenResponse:
		r.Decode(d)
	case *GetChildren2Response:
		r.Decode(d)
	case *WatcherEvent:
		r.Decode(d)
	case *ErrorResponse:
		r.Decode(d)
	case *EmptyResponse:
		// no body
	default:
		hd := new(Decoder)
		*hd = *d
		resp.Decode(hd)
		*d = *hd
	}
}

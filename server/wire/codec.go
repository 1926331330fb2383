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
	_         struct{}
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
	d.Max = opts.MaxBuffer
	return d
}

// finish turns a decoder's final state into an error: its sticky error, or
// ErrTrailing when bytes are left over.
func finish(d *Decoder, what string) error {
	if err := d.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n := d.Remaining(); n > 0 {
		return fmt.Errorf("%s: %w (%d bytes at offset %d)", what, ErrTrailing, n, d.Offset())
	}
	return nil
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
	d := newDecoder(frame, opts)
	hdr := RequestHeader{Xid: d.Int32(), Type: OpCode(d.Int32())}
	if err := d.Err(); err != nil {
		return RequestHeader{}, nil, fmt.Errorf("request header: %w", err)
	}
	req := newRequest(hdr.Type)
	if req == nil {
		return hdr, nil, fmt.Errorf("%w %v (xid %d)", ErrUnknownOp, hdr.Type, hdr.Xid)
	}
	req.Decode(d)
	if err := finish(d, hdr.Type.String()+" request"); err != nil {
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
	d := newDecoder(frame, opts)
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
	resp := newResponse(op)
	if resp == nil {
		return hdr, nil, fmt.Errorf("%w %v (reply xid %d)", ErrUnknownOp, op, hdr.Xid)
	}
	resp.Decode(d)
	if err := finish(d, op.String()+" reply"); err != nil {
		return hdr, nil, err
	}
	return hdr, resp, nil
}

package wire

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"testing"

	"pgregory.net/rapid"
)

// unframe checks a packet's 4-byte length prefix and returns its body.
// fataler is what unframe needs from *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func unframe(t fataler, pkt []byte) []byte {
	t.Helper()
	var f Framer
	f.Push(pkt)
	body, ok, err := f.Next()
	if err != nil || !ok || f.Buffered() != 0 {
		t.Fatalf("packet of %d bytes is not exactly one frame: ok=%v err=%v left=%d", len(pkt), ok, err, f.Buffered())
	}
	return body
}

func TestRequestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := requestGen.Draw(t, "req")
		xid := rapid.Int32().Draw(t, "xid")
		hdr, got, err := DecodeRequest(unframe(t, EncodeRequest(xid, req)), DecodeOptions{})
		if err != nil {
			t.Fatalf("decode %T: %v", req, err)
		}
		if hdr.Xid != xid || hdr.Type != req.Op() {
			t.Fatalf("header %+v, want xid %d type %v", hdr, xid, req.Op())
		}
		if !reflect.DeepEqual(got, req) {
			t.Fatalf("round trip changed the request:\n got %#v\nwant %#v", got, req)
		}
	})
}

func TestReplyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		resp := responseGen.Draw(t, "resp")
		xid := rapid.Int32Min(1).Draw(t, "xid")
		zxid := rapid.Int64().Draw(t, "zxid")
		hdr, got, err := DecodeReply(unframe(t, EncodeReply(xid, zxid, ErrOK, resp)), resp.Op(), DecodeOptions{})
		if err != nil {
			t.Fatalf("decode %T: %v", resp, err)
		}
		if hdr != (ReplyHeader{Xid: xid, Zxid: zxid, Err: ErrOK}) {
			t.Fatalf("header %+v", hdr)
		}
		if !reflect.DeepEqual(got, resp) {
			t.Fatalf("round trip changed the reply:\n got %#v\nwant %#v", got, resp)
		}
	})
}

func TestWatchEventRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ev := rapid.Make[WatcherEvent]().Draw(t, "ev")
		// The op the client was waiting for must not matter for a notification.
		expect := rapid.SampledFrom([]OpCode{OpGetData, OpMulti, OpPing}).Draw(t, "expect")
		hdr, got, err := DecodeReply(unframe(t, EncodeWatchEvent(ev)), expect, DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Xid != XidWatchEvent || !reflect.DeepEqual(got, &ev) {
			t.Fatalf("got %+v %#v, want %#v", hdr, got, ev)
		}
	})
}

func TestConnectRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := connectRequestGen.Draw(t, "req")
		gotReq, err := DecodeConnectRequest(unframe(t, EncodeConnectRequest(req)), DecodeOptions{})
		if err != nil || !reflect.DeepEqual(gotReq, req) {
			t.Fatalf("request: got %#v err %v, want %#v", gotReq, err, req)
		}
		resp := connectResponseGen.Draw(t, "resp")
		gotResp, err := DecodeConnectResponse(unframe(t, EncodeConnectResponse(resp)), DecodeOptions{})
		if err != nil || !reflect.DeepEqual(gotResp, resp) {
			t.Fatalf("response: got %#v err %v, want %#v", gotResp, err, resp)
		}
	})
}

// An old client (no readOnly byte) must get an answer without it, a new
// client one with it.
func TestConnectAnswerInKind(t *testing.T) {
	for _, hasRO := range []bool{false, true} {
		req := ConnectRequest{TimeoutMS: 30000, Passwd: make([]byte, 16), HasReadOnly: hasRO}
		resp := req.Answer(20000, 0x1234, []byte("pw"))
		body := unframe(t, EncodeConnectResponse(resp))
		want := 4 + 4 + 8 + 4 + 2
		if hasRO {
			want++
		}
		if len(body) != want {
			t.Fatalf("hasReadOnly=%v: body %d bytes, want %d", hasRO, len(body), want)
		}
		got, err := DecodeConnectResponse(body, DecodeOptions{})
		if err != nil || got.HasReadOnly != hasRO || got.SessionID != 0x1234 || got.TimeoutMS != 20000 || got.Expired() {
			t.Fatalf("hasReadOnly=%v: got %+v err %v", hasRO, got, err)
		}
	}
	expired := (&ConnectRequest{}).Answer(0, 0, make([]byte, 16))
	if !expired.Expired() {
		t.Fatal("session id 0 / timeout 0 must read as expired")
	}
}

// Every strict prefix of a valid request body must fail to decode: a
// truncated record is never mistaken for a shorter valid one.
func TestTruncatedRequestsFail(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := requestGen.Draw(t, "req")
		body := unframe(t, EncodeRequest(7, req))
		for n := 0; n < len(body); n++ {
			if _, _, err := DecodeRequest(body[:n], DecodeOptions{}); err == nil {
				t.Fatalf("%T: prefix of %d/%d bytes decoded", req, n, len(body))
			}
		}
	})
}

func TestTruncatedRepliesFail(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		resp := responseGen.Draw(t, "resp")
		body := unframe(t, EncodeReply(9, 1, ErrOK, resp))
		for n := 0; n < len(body); n++ {
			if _, _, err := DecodeReply(body[:n], resp.Op(), DecodeOptions{}); err == nil {
				t.Fatalf("%T: prefix of %d/%d bytes decoded", resp, n, len(body))
			}
		}
	})
}

func TestTrailingBytesRejected(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := requestGen.Draw(t, "req")
		junk := rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, "junk")
		body := append(unframe(t, EncodeRequest(7, req)), junk...)
		_, _, err := DecodeRequest(body, DecodeOptions{})
		// A multi reads headers until "done", so junk after it is never read
		// as junk; every other record must report ErrTrailing.
		if err == nil || (req.Op() != OpMulti && req.Op() != OpMultiRead && !errors.Is(err, ErrTrailing)) {
			t.Fatalf("%T with %d junk bytes: %v", req, len(junk), err)
		}
	})
}

// TestTrailingBytesIgnored: with IgnoreTrailing (a server's option, as
// ZooKeeper reads a request's record from the front of the packet and never
// looks at the rest) a request followed by junk decodes to the request.
func TestTrailingBytesIgnored(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := requestGen.Draw(t, "req")
		junk := rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, "junk")
		want := EncodeRequest(7, req)
		body := append(unframe(t, want), junk...)
		hdr, got, err := DecodeRequest(body, DecodeOptions{IgnoreTrailing: true})
		if err != nil {
			t.Fatalf("%T with %d junk bytes: %v", req, len(junk), err)
		}
		if again := EncodeRequest(hdr.Xid, got); !bytes.Equal(again, want) {
			t.Fatalf("%T with %d junk bytes decoded to %x, want %x", req, len(junk), again, want)
		}
	})
}

func TestUnknownOpcodeKeepsHeader(t *testing.T) {
	for _, op := range []OpCode{OpCreateSession, OpNotification, OpDeleteContainer, 55, -77} {
		body := []byte{0, 0, 0, 42}
		body = append(body, byte(uint32(op)>>24), byte(uint32(op)>>16), byte(uint32(op)>>8), byte(op))
		hdr, req, err := DecodeRequest(body, DecodeOptions{})
		if !errors.Is(err, ErrUnknownOp) || req != nil || hdr.Xid != 42 || hdr.Type != op {
			t.Fatalf("op %v: hdr %+v req %v err %v", op, hdr, req, err)
		}
	}
}

// A read op inside a multi (or a write inside multiRead) is refused, as
// ZooKeeper refuses to mix them.
func TestMultiRejectsMixedOps(t *testing.T) {
	mixed := &MultiRequest{Ops: []Request{&DeleteRequest{Path: "/a"}, &GetDataRequest{Path: "/b"}}}
	_, _, err := DecodeRequest(unframe(t, EncodeRequest(1, mixed)), DecodeOptions{})
	if !errors.Is(err, ErrBadMulti) {
		t.Fatalf("multi with getData: %v", err)
	}
	mixedRead := &MultiReadRequest{Ops: []Request{&GetDataRequest{Path: "/b"}, &SetDataRequest{Path: "/a"}}}
	_, _, err = DecodeRequest(unframe(t, EncodeRequest(1, mixedRead)), DecodeOptions{})
	if !errors.Is(err, ErrBadMulti) {
		t.Fatalf("multiRead with setData: %v", err)
	}
}

func TestMaxBufferEnforced(t *testing.T) {
	req := &SetDataRequest{Path: "/a", Data: make([]byte, 100), Version: -1}
	body := unframe(t, EncodeRequest(1, req))
	if _, _, err := DecodeRequest(body, DecodeOptions{MaxBuffer: 99}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("100-byte buffer under a 99-byte limit: %v", err)
	}
	if _, _, err := DecodeRequest(body, DecodeOptions{MaxBuffer: 100}); err != nil {
		t.Fatalf("100-byte buffer under a 100-byte limit: %v", err)
	}
}

// A hostile vector count must fail before anything is allocated for it.
func TestHostileVectorCountDoesNotAllocate(t *testing.T) {
	body := []byte{0, 0, 0, 1, 0, 0, 0, byte(OpSetWatches)}
	body = append(body, 0, 0, 0, 0, 0, 0, 0, 0) // relativeZxid
	body = append(body, 0x7f, 0xff, 0xff, 0xff) // dataWatches count
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, _, err := DecodeRequest(body, DecodeOptions{}); !errors.Is(err, ErrShort) {
			t.Fatalf("huge count: %v", err)
		}
	}
	runtime.ReadMemStats(&after)
	// The error values allocate a little; a vector of 2^31 strings would
	// have asked for 32 GiB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<16 {
		t.Fatalf("%d bytes allocated to reject 10 hostile vectors", grew)
	}
}

func TestFailedMultiResults(t *testing.T) {
	results := FailedMultiResults(3, 1, ErrNoNode)
	body := unframe(t, EncodeReply(5, 0x100000002, ErrOK, &MultiResponse{Results: results}))
	want := []byte{
		0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, // reply header
		0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, // {-1,false,0} rolled back
		0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0x9b, 0xff, 0xff, 0xff, 0x9b, // {-1,false,-101} + err -101
		0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe, // {-1,false,-2} + err -2
		0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff, // done
	}
	if !bytes.Equal(body, want) {
		t.Fatalf("failed multi bytes\n got % x\nwant % x", body, want)
	}
	_, resp, err := DecodeReply(body, OpMulti, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, idx := MultiError(resp.(*MultiResponse).Results)
	if code != ErrNoNode || idx != 1 {
		t.Fatalf("MultiError = %v at %d, want NONODE at 1", code, idx)
	}
	if code, idx := MultiError([]Response{&CreateResponse{Path: "/a"}, &EmptyResponse{Type: OpDelete}}); code != ErrOK || idx != -1 {
		t.Fatalf("successful multi: %v at %d", code, idx)
	}
}

// A non-OK reply carries no body; the Response is nil.
func TestErrorReplyHasNoBody(t *testing.T) {
	body := unframe(t, EncodeReply(3, 77, ErrNoNode, nil))
	if len(body) != ReplyHeaderSize {
		t.Fatalf("error reply body %d bytes", len(body))
	}
	hdr, resp, err := DecodeReply(body, OpGetData, DecodeOptions{})
	if err != nil || resp != nil || hdr != (ReplyHeader{Xid: 3, Zxid: 77, Err: ErrNoNode}) {
		t.Fatalf("hdr %+v resp %v err %v", hdr, resp, err)
	}
}

// TestNegativeCountsEmpty: a vector count below -1 is an error, or with
// NegativeCountsEmpty (a server's option) an empty vector, as Java jute
// reads it; -1 stays null either way.
func TestNegativeCountsEmpty(t *testing.T) {
	e := NewEncoder(nil)
	e.Int32(5)
	e.Int32(int32(OpCreate))
	e.String("/n")
	e.Buffer([]byte("x"))
	e.Int32(-2) // the ACL count
	e.Int32(0)
	body := e.Bytes()
	if _, _, err := DecodeRequest(body, DecodeOptions{}); err == nil {
		t.Fatal("count -2 decoded without NegativeCountsEmpty")
	}
	_, req, err := DecodeRequest(body, DecodeOptions{NegativeCountsEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	if acl := req.(*CreateRequest).ACL; acl == nil || len(acl) != 0 {
		t.Fatalf("ACL = %#v, want empty, not null", acl)
	}
}

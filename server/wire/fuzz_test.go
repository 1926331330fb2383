package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// Fuzz properties: decoding never panics; whatever decodes re-encodes to
// bytes that decode to the same value.

func seedRequests(f *testing.F) {
	for i, req := range []Request{
		&CreateRequest{Path: "/a", Data: []byte("x"), ACL: OpenACLUnsafe, Flags: FlagEphemeral},
		&CreateTTLRequest{Path: "/t", ACL: OpenACLUnsafe, Flags: FlagPersistentWithTTL, TTLMS: 1000},
		&GetDataRequest{Path: "/a", Watch: true},
		&SetWatches2Request{RelativeZxid: 5, DataWatches: []string{"/a"}, PersistentWatches: []string{"/p"}},
		&MultiRequest{Ops: []Request{&CheckVersionRequest{Path: "/a", Version: 1}, &DeleteRequest{Path: "/b", Version: -1}}},
		&MultiReadRequest{Ops: []Request{&GetChildrenRequest{Path: "/"}}},
		&AuthRequest{Scheme: "digest", Auth: []byte("u:p")},
		&WhoAmIRequest{},
		&SASLRequest{Token: []byte(`username="u"`)},
	} {
		f.Add(EncodeRequest(int32(i+1), req)[4:])
	}
}

func FuzzDecodeRequest(f *testing.F) {
	seedRequests(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		opts := DecodeOptions{MaxBuffer: 1 << 12}
		hdr, req, err := DecodeRequest(body, opts)
		if err != nil {
			return
		}
		if hdr.Type != req.Op() {
			t.Fatalf("header type %v, record %v", hdr.Type, req.Op())
		}
		hdr2, req2, err := DecodeRequest(EncodeRequest(hdr.Xid, req)[4:], opts)
		if err != nil || hdr2 != hdr || !reflect.DeepEqual(req2, req) {
			t.Fatalf("re-decode: %v\n got %+v %#v\nwant %+v %#v", err, hdr2, req2, hdr, req)
		}
	})
}

func FuzzDecodeReply(f *testing.F) {
	f.Add(EncodeReply(1, 2, ErrOK, &GetDataResponse{Data: []byte("v")})[4:], int32(OpGetData))
	f.Add(EncodeReply(1, 2, ErrOK, &MultiResponse{Results: FailedMultiResults(2, 0, ErrBadVersion)})[4:], int32(OpMulti))
	f.Add(EncodeReply(1, 2, ErrOK, &MultiReadResponse{Results: []Response{&GetChildrenResponse{Children: []string{"a"}}}})[4:], int32(OpMultiRead))
	f.Add(EncodeReply(1, 2, ErrNoNode, nil)[4:], int32(OpExists))
	f.Add(EncodeWatchEvent(WatcherEvent{Type: EventNodeCreated, State: StateSyncConnected, Path: "/a"})[4:], int32(OpSync))
	f.Add(EncodeReply(4, 0, ErrAuthFailed, &SASLResponse{})[4:], int32(OpSASL))
	f.Add(EncodeReply(3, 2, ErrOK, &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}})[4:], int32(OpWhoAmI))
	f.Fuzz(func(t *testing.T, body []byte, expect int32) {
		opts := DecodeOptions{MaxBuffer: 1 << 12}
		hdr, resp, err := DecodeReply(body, OpCode(expect), opts)
		if err != nil {
			return
		}
		hdr2, resp2, err := DecodeReply(EncodeReply(hdr.Xid, hdr.Zxid, hdr.Err, resp)[4:], OpCode(expect), opts)
		if err != nil || hdr2 != hdr || !reflect.DeepEqual(resp2, resp) {
			t.Fatalf("re-decode: %v\n got %+v %#v\nwant %+v %#v", err, hdr2, resp2, hdr, resp)
		}
	})
}

func FuzzDecodeConnect(f *testing.F) {
	f.Add(EncodeConnectRequest(ConnectRequest{TimeoutMS: 4000, Passwd: make([]byte, 16)})[4:])
	f.Add(EncodeConnectRequest(ConnectRequest{TimeoutMS: 4000, SessionID: 9, Passwd: []byte("p"), HasReadOnly: true})[4:])
	f.Add(EncodeConnectResponse(ConnectResponse{TimeoutMS: 4000, SessionID: 9, Passwd: []byte("p")})[4:])
	f.Fuzz(func(t *testing.T, body []byte) {
		opts := DecodeOptions{MaxBuffer: 1 << 12}
		if req, err := DecodeConnectRequest(body, opts); err == nil {
			req2, err := DecodeConnectRequest(EncodeConnectRequest(req)[4:], opts)
			if err != nil || !reflect.DeepEqual(req2, req) {
				t.Fatalf("request re-decode: %v\n got %#v\nwant %#v", err, req2, req)
			}
		}
		if resp, err := DecodeConnectResponse(body, opts); err == nil {
			resp2, err := DecodeConnectResponse(EncodeConnectResponse(resp)[4:], opts)
			if err != nil || !reflect.DeepEqual(resp2, resp) {
				t.Fatalf("response re-decode: %v\n got %#v\nwant %#v", err, resp2, resp)
			}
		}
	})
}

// FuzzFramer feeds a stream in chunks whose sizes come from cuts; the frames
// must equal those of framing the whole stream at once, and re-framing them
// must reproduce the consumed part of the stream byte for byte.
func FuzzFramer(f *testing.F) {
	f.Add(append(EncodeRequest(1, &SyncRequest{Path: "/"}), EncodeRequest(2, &PingRequest{})...), []byte{3, 1, 7})
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, []byte{1})
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		const limit = 256
		whole := Framer{MaxBuffer: limit}
		whole.Push(stream)
		want, wantErr := drain(&whole)

		chunked := Framer{MaxBuffer: limit}
		var got [][]byte
		var gotErr error
		rest := stream
		for i := 0; len(rest) > 0 && gotErr == nil; i++ {
			n := len(rest)
			if i < len(cuts) && int(cuts[i]) > 0 && int(cuts[i]) < n {
				n = int(cuts[i])
			}
			chunked.Push(rest[:n])
			rest = rest[n:]
			var frames [][]byte
			frames, gotErr = drain(&chunked)
			got = append(got, frames...)
		}
		if (wantErr == nil) != (gotErr == nil) || len(got) != len(want) {
			t.Fatalf("chunked: %d frames err %v; whole: %d frames err %v", len(got), gotErr, len(want), wantErr)
		}
		var reframed []byte
		for i := range want {
			if len(got[i]) > limit || !bytes.Equal(got[i], want[i]) {
				t.Fatalf("frame %d differs or exceeds the limit", i)
			}
			reframed = append(reframed, frame(func(e *Encoder) { e.Raw(got[i]) })...)
		}
		if !bytes.HasPrefix(stream, reframed) {
			t.Fatal("re-framed frames are not a prefix of the stream")
		}
	})
}

package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// BeginReply and EndFrame produce EncodeReply's bytes, also when the
// encoder is reused for a shorter reply after a longer one.
func TestBeginReplyMatchesEncodeReply(t *testing.T) {
	var e Encoder
	for _, c := range []struct {
		xid  int32
		zxid int64
		err  Err
		resp Response
	}{
		{1, 2, ErrOK, &GetDataResponse{Data: make([]byte, 200), Stat: Stat{Czxid: 1}}},
		{-2, 3, ErrOK, nil},
		{4, 5, ErrBadVersion, nil},
		{6, 7, ErrOK, &SetDataResponse{Stat: Stat{Version: 9}}},
	} {
		BeginReply(&e, c.xid, c.zxid, c.err)
		if c.resp != nil {
			c.resp.Encode(&e)
		}
		if got, want := EndFrame(&e), EncodeReply(c.xid, c.zxid, c.err, c.resp); !bytes.Equal(got, want) {
			t.Fatalf("BeginReply/EndFrame = %x, want %x", got, want)
		}
	}
}

// A short int32 or int64 read reports its offset and sizes as take does,
// although Int32 and Int64 build the message only when Err is called.
func TestShortIntError(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		read func(d *Decoder)
		want string
	}{
		{[]byte{1, 2}, func(d *Decoder) { d.Int32() }, "jute: truncated record at offset 0 (need 4 bytes, have 2)"},
		{[]byte{0, 0, 0, 1, 9}, func(d *Decoder) { d.Int32(); d.Int64(); d.Int32() }, "jute: truncated record at offset 4 (need 8 bytes, have 1)"},
		{[]byte{0, 0, 0, 5, 1}, func(d *Decoder) { _ = d.String(); d.Int32() }, "jute: truncated record at offset 4 (need 5 bytes, have 1)"},
	} {
		d := NewDecoder(c.in)
		c.read(d)
		if err := d.Err(); err == nil || err.Error() != c.want || !errors.Is(err, ErrShort) {
			t.Errorf("decoding %x: error %v, want %q", c.in, err, c.want)
		}
	}
}

// mapInterner is an Interner over a fixed set of strings that counts the
// strings it supplied.
type mapInterner struct {
	m    map[string]string
	hits int
}

func (in *mapInterner) Intern(b []byte) (string, bool) {
	s, ok := in.m[string(b)]
	if ok {
		in.hits++
	}
	return s, ok
}

// DecodeRequestInto decodes into the request it is given when that is of
// the frame's type, and otherwise allocates as DecodeRequest; either way the
// result equals DecodeRequest's. Strings the Interner has come from it.
func TestDecodeRequestInto(t *testing.T) {
	frame := EncodeRequest(7, &SetDataRequest{Path: "/a/b", Data: []byte("v"), Version: 3})[4:]
	if op, ok := RequestType(frame); !ok || op != OpSetData {
		t.Fatalf("RequestType = %v, %v", op, ok)
	}
	if _, ok := RequestType(frame[:7]); ok {
		t.Fatal("RequestType of a short frame succeeded")
	}
	_, want, err := DecodeRequest(frame, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	into := &SetDataRequest{}
	hdr, got, err := DecodeRequestInto(frame, DecodeOptions{}, into)
	if err != nil || hdr.Xid != 7 || hdr.Type != OpSetData || got != Request(into) || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequestInto = %+v, %#v, %v; want %#v in the given request", hdr, got, err, want)
	}
	other := &GetDataRequest{}
	if _, got, err := DecodeRequestInto(frame, DecodeOptions{}, other); err != nil || got == Request(other) || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequestInto with a request of another type = %#v, %v", got, err)
	}
	in := &mapInterner{m: map[string]string{"/a/b": "/a/b"}}
	_, got, err = DecodeRequestInto(frame, DecodeOptions{Intern: in}, nil)
	if p := got.(*SetDataRequest).Path; err != nil || p != "/a/b" || in.hits != 1 {
		t.Fatalf("interned decode: path %q, %v, %d strings interned; want the Interner's string", p, err, in.hits)
	}
	in = &mapInterner{}
	_, got, _ = DecodeRequestInto(frame, DecodeOptions{Intern: in}, nil)
	if p := got.(*SetDataRequest).Path; p != "/a/b" || in.hits != 0 {
		t.Fatalf("decode with an Interner lacking the path: %q", p)
	}
	// Views: the data is the frame's own bytes, capped at its length.
	_, got, _ = DecodeRequestInto(frame, DecodeOptions{Views: true}, nil)
	data := got.(*SetDataRequest).Data
	if string(data) != "v" || cap(data) != 1 || &data[0] != &frame[len(frame)-5] {
		t.Fatalf("decode with Views: data %q (cap %d) is not a capped view of the frame", data, cap(data))
	}
}

// DecodeReplyInto decodes into the response it is given when that is of the
// reply's type, and otherwise allocates as DecodeReply; either way the
// result equals DecodeReply's.
func TestDecodeReplyInto(t *testing.T) {
	frame := EncodeReply(5, 9, ErrOK, &GetDataResponse{Data: []byte("d"), Stat: Stat{Version: 2}})[4:]
	_, want, err := DecodeReply(frame, OpGetData, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	into := &GetDataResponse{}
	hdr, got, err := DecodeReplyInto(frame, OpGetData, DecodeOptions{}, into)
	if err != nil || hdr.Xid != 5 || hdr.Zxid != 9 || got != Response(into) || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeReplyInto = %+v, %#v, %v; want %#v in the given response", hdr, got, err, want)
	}
	other := &SetDataResponse{}
	if _, got, err := DecodeReplyInto(frame, OpGetData, DecodeOptions{}, other); err != nil || got == Response(other) || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeReplyInto with a response of another type = %#v, %v", got, err)
	}
	ping := EncodeReply(XidPing, 9, ErrOK, nil)[4:]
	if _, got, err := DecodeReplyInto(ping, OpGetData, DecodeOptions{}, into); err != nil || got == Response(into) || got.Op() != OpPing {
		t.Fatalf("a ping reply decoded into the getData response: %#v, %v", got, err)
	}
}

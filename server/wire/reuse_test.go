package wire

import (
	"bytes"
	"errors"
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

package codec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zabsim/zabsim/server/zab"
)

// AppendMessage writes exactly MarshalMessage's bytes after whatever dst
// holds, and MessageSize predicts their length, so a host can frame a
// message with one allocation.
func TestAppendMessageMatchesMarshal(t *testing.T) {
	msgs := []zab.Message{
		&zab.Notification{State: zab.RoleLeading, Leader: 3, Zxid: zab.MakeZxid(2, 7), ElectionEpoch: 9, PeerEpoch: 2},
		&zab.Packet{Type: zab.PacketProposal, Zxid: zab.MakeZxid(1, 1), Data: []byte("txn bytes")},
		&zab.Packet{Type: zab.PacketCommit, Zxid: zab.MakeZxid(1, 1)},
		&zab.Packet{Type: zab.PacketSnap, Data: []byte{}},
	}
	for _, m := range msgs {
		want, err := MarshalMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if MessageSize(m) != len(want) {
			t.Errorf("%v: MessageSize %d, encoded %d bytes", m, MessageSize(m), len(want))
		}
		prefix := []byte{0xaa, 0xbb, 0xcc, 0xdd}
		got, err := AppendMessage(bytes.Clone(prefix), m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[:4], prefix) || !bytes.Equal(got[4:], want) {
			t.Errorf("%v: AppendMessage % x, want prefix + % x", m, got, want)
		}
	}
	if n := MessageSize(nil); n != 0 {
		t.Errorf("MessageSize(nil) = %d", n)
	}
	if _, err := AppendMessage(nil, nil); !errors.Is(err, zab.ErrBadMessage) {
		t.Errorf("AppendMessage(nil message): %v, want zab.ErrBadMessage", err)
	}
}

// A decoded packet's Data is a view of the frame that cannot be appended
// over the bytes after it.
func TestDecodedPacketDataIsCappedView(t *testing.T) {
	b, err := MarshalMessage(&zab.Packet{Type: zab.PacketProposal, Zxid: 5, Data: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := UnmarshalMessage(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := m.(*zab.Packet)
	if string(p.Data) != "abc" || cap(p.Data) != len(p.Data) {
		t.Fatalf("data %q cap %d", p.Data, cap(p.Data))
	}
	before := bytes.Clone(b)
	_ = append(p.Data, 'x', 'y', 'z', 'w')
	if !bytes.Equal(b, before) {
		t.Fatal("appending to Data wrote into the frame")
	}
}

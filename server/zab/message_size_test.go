package zab

import (
	"bytes"
	"errors"
	"testing"
)

// AppendMessage writes exactly MarshalMessage's bytes after whatever dst
// holds, and MessageSize predicts their length, so a host can frame a
// message with one allocation.
func TestAppendMessageMatchesMarshal(t *testing.T) {
	msgs := []Message{
		&Notification{State: RoleLeading, Leader: 3, Zxid: MakeZxid(2, 7), ElectionEpoch: 9, PeerEpoch: 2},
		&Packet{Type: PacketProposal, Zxid: MakeZxid(1, 1), Data: []byte("txn bytes")},
		&Packet{Type: PacketCommit, Zxid: MakeZxid(1, 1)},
		&Packet{Type: PacketSnap, Data: []byte{}},
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
	if _, err := AppendMessage(nil, nil); !errors.Is(err, ErrBadMessage) {
		t.Errorf("AppendMessage(nil message): %v, want ErrBadMessage", err)
	}
}

// A decoded packet's Data is a view of the frame that cannot be appended
// over the bytes after it.
func TestDecodedPacketDataIsCappedView(t *testing.T) {
	b, err := MarshalMessage(&Packet{Type: PacketProposal, Zxid: 5, Data: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := UnmarshalMessage(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := m.(*Packet)
	if string(p.Data) != "abc" || cap(p.Data) != len(p.Data) {
		t.Fatalf("data %q cap %d", p.Data, cap(p.Data))
	}
	before := bytes.Clone(b)
	_ = append(p.Data, 'x', 'y', 'z', 'w')
	if !bytes.Equal(b, before) {
		t.Fatal("appending to Data wrote into the frame")
	}
}

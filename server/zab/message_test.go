package zab

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

func TestMessageRoundTrip(t *testing.T) {
	msgs := []Message{
		&Notification{State: RoleLeading, Leader: 3, Zxid: MakeZxid(2, 7), ElectionEpoch: 9, PeerEpoch: 2},
		&Notification{State: RoleLooking, Zxid: -1},
		&Packet{Type: PacketProposal, Zxid: MakeZxid(1, 1), Data: []byte("txn")},
		&Packet{Type: PacketCommit, Zxid: MakeZxid(1, 1)},
		&Packet{Type: PacketSnap, Zxid: 5, Data: []byte{}},
		&Packet{Type: PacketPing, Data: encodePingReply(4, [][]byte{[]byte("a"), nil})},
	}
	for _, m := range msgs {
		b, err := MarshalMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalMessage(b, 0)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		if p, ok := m.(*Packet); ok && p.Data == nil {
			p.Data = nil // nil encodes as -1 and decodes as nil
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip: got %#v want %#v", got, m)
		}
	}
}

// The QuorumPacket layout is ZooKeeper's: type i32, zxid i64, data buffer,
// authinfo vector.
func TestPacketWireLayout(t *testing.T) {
	e := wire.NewEncoder(nil)
	EncodePacket(e, &Packet{Type: PacketAck, Zxid: MakeZxid(1, 2), Data: nil})
	want := []byte{0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}
	if !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("got % x want % x", e.Bytes(), want)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	bad := [][]byte{
		nil,
		{9},
		{ChannelQuorum, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // unknown type
		{ChannelQuorum, 0, 0, 0, 2, 0, 0, 0, 0},                                      // truncated
		{ChannelElection, 0, 0, 0, 7},                                                // bad state, truncated
	}
	for _, b := range bad {
		if _, err := UnmarshalMessage(b, 0); !errors.Is(err, ErrBadMessage) {
			t.Errorf("% x: want ErrBadMessage, got %v", b, err)
		}
	}
	// A data length beyond the limit is refused before allocating.
	e := wire.NewEncoder([]byte{ChannelQuorum})
	EncodePacket(e, &Packet{Type: PacketSnap, Data: make([]byte, 100)})
	if _, err := UnmarshalMessage(e.Bytes(), 50); err == nil {
		t.Error("oversized SNAP accepted")
	}
}

// FuzzUnmarshalMessage: decoding never panics, and whatever decodes
// re-encodes to the same bytes. Run: go test -fuzz FuzzUnmarshalMessage -fuzztime 30s ./server/zab
func FuzzUnmarshalMessage(f *testing.F) {
	for _, m := range []Message{
		&Notification{State: RoleFollowing, Leader: 2, Zxid: 77, ElectionEpoch: 3, PeerEpoch: 1},
		&Packet{Type: PacketProposal, Zxid: 1 << 32, Data: []byte("x")},
		&Packet{Type: PacketUpToDate},
	} {
		b, _ := MarshalMessage(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := UnmarshalMessage(b, 1<<16)
		if err != nil {
			return
		}
		again, err := MarshalMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, b) {
			// Only a nil/empty data distinction may differ; both decode alike.
			m2, err := UnmarshalMessage(again, 1<<16)
			if err != nil || !reflect.DeepEqual(m, m2) {
				t.Fatalf("re-encoding changed the message: %v vs %v", m, m2)
			}
		}
	})
}

// A peer fed garbage payloads inside well-formed packets drops them.
func TestPeerIgnoresMalformedPayloads(t *testing.T) {
	w := newWorld([]uint64{1, 2, 3}, nil, Config{})
	for _, id := range w.ids {
		if err := w.start(id); err != nil {
			t.Fatal(err)
		}
	}
	d := &ddRunner{w: w}
	d.elect()
	leader := w.leader()
	if leader == 0 {
		t.Fatal("no leader")
	}
	f := w.ids[0]
	if f == leader {
		f = w.ids[1]
	}
	lp, fp := w.nodes[leader].peer, w.nodes[f].peer
	before := lp.Status()
	for _, m := range []*Packet{
		{Type: PacketPing, Data: []byte{1, 2}},
		{Type: PacketSync, Data: []byte{1}},
		{Type: PacketAckEpoch, Data: nil},
		{Type: PacketAck, Zxid: -5},
		{Type: PacketRevalidate},
	} {
		lp.Step(f, m)
		fp.Step(leader, m)
	}
	lp.Step(99, &Packet{Type: PacketFollowerInfo}) // unknown server
	if lp.Status() != before {
		t.Fatalf("leader status changed: %v -> %v", before, lp.Status())
	}
}

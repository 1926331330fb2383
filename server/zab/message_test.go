package zab

import "testing"

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

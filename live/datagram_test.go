package live

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

func datagrams(evs []proc.Event) []proc.DatagramReceived {
	var out []proc.DatagramReceived
	for _, ev := range evs {
		if d, ok := ev.(proc.DatagramReceived); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestDatagramsReachListeningNode(t *testing.T) {
	checkNoLeaks(t)
	rp := &scriptProc{start: func(p *scriptProc) {
		if err := p.env.Listen("127.0.0.1:0"); err != nil {
			panic(err)
		}
	}}
	receiver := startScript(t, Options{Name: "r"}, rp)
	addr := receiver.ListenAddrs()[0]

	// A stray packet on the port is dropped, not delivered and not fatal.
	ua, _ := net.ResolveUDPAddr("udp", addr)
	stray, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		t.Fatal(err)
	}
	stray.Write([]byte("not ours"))
	stray.Close()

	sp := &scriptProc{}
	sender := startScript(t, Options{Name: "s"}, sp)
	nobody := freePort(t)
	if err := sender.Do(func() {
		sp.env.SendDatagram(addr, []byte("hb-1"))
		sp.env.SendDatagram(nobody, []byte("to nobody")) // lost, silently
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, receiver, "a datagram", func() bool { return len(datagrams(rp.events)) > 0 })
	time.Sleep(20 * time.Millisecond)
	got := datagrams(eventsOf(t, receiver, rp))
	want := proc.DatagramReceived{From: "s", To: addr, Bytes: []byte("hb-1")}
	if len(got) != 1 || got[0].From != want.From || got[0].To != want.To || !bytes.Equal(got[0].Bytes, want.Bytes) {
		t.Fatalf("datagrams %+v, want exactly %+v", got, want)
	}
}

func TestDecodeDatagramRejectsMalformed(t *testing.T) {
	good, err := encodeDatagram("s1", "s2:3888", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeDatagram(good)
	if err != nil || d.From != "s1" || d.To != "s2:3888" || string(d.Bytes) != "payload" {
		t.Fatalf("decode = %+v, %v", d, err)
	}
	for i := range len(good) - len("payload") { // every truncation inside the header
		if _, err := decodeDatagram(good[:i]); err == nil {
			t.Fatalf("truncated packet of %d bytes decoded", i)
		}
	}
	if _, err := encodeDatagram("s", "a", make([]byte, maxDatagramBytes)); err == nil {
		t.Fatal("oversized datagram encoded")
	}
}

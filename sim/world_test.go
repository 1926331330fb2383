package sim

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

func TestDialEchoClose(t *testing.T) {
	w := mustWorld(t, 1, DefaultOptions())
	ps := procs{}
	must(t, w.AddNode("s", ps.factory("s", listenOn("s:1"), echo), NodeOptions{}))
	var got []byte
	var conn proc.ConnID
	must(t, w.AddNode("c", ps.factory("c", func(p *scripted) { conn = p.env.Dial("s:1") },
		func(p *scripted, ev proc.Event) {
			switch ev := ev.(type) {
			case proc.Connected:
				p.env.Send(ev.Conn, []byte("hel"))
				p.env.Send(ev.Conn, []byte("lo"))
			case proc.Received:
				got = append(got, ev.Bytes...)
				if len(got) == 5 {
					p.env.Close(ev.Conn)
				}
			}
		}), NodeOptions{}))
	must(t, w.Start("s"))
	must(t, w.Start("c"))
	must(t, w.RunFor(time.Second))
	if string(got) != "hello" {
		t.Fatalf("echo got %q", got)
	}
	if conn == 0 {
		t.Fatal("dial returned the zero ConnID")
	}
	s := ps["s"].events
	if _, ok := s[0].(proc.Accepted); !ok {
		t.Fatalf("server's first event %T, want Accepted", s[0])
	}
	if errs := closedErrs(s); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("server closes %v, want one clean Closed", errs)
	}
	if errs := closedErrs(ps["c"].events); len(errs) != 0 {
		t.Fatalf("closing side got Closed events %v", errs)
	}
}

func TestDialRefused(t *testing.T) {
	w := mustWorld(t, 2, DefaultOptions())
	ps := procs{}
	must(t, w.AddNode("s", ps.factory("s", listenOn("s:1"), nil), NodeOptions{}))
	must(t, w.AddNode("down", ps.factory("down", listenOn("down:1"), nil), NodeOptions{}))
	must(t, w.AddNode("c", ps.factory("c", func(p *scripted) {
		p.env.Dial("s:2")      // not listening
		p.env.Dial("down:1")   // never started
		p.env.Dial("nobody:1") // unknown host
	}, nil), NodeOptions{}))
	must(t, w.Start("s"))
	must(t, w.Start("c"))
	must(t, w.RunFor(time.Second))
	errs := closedErrs(ps["c"].events)
	if len(errs) != 3 {
		t.Fatalf("got %d Closed, want 3: %v", len(errs), errs)
	}
	for _, err := range errs {
		if !errors.Is(err, proc.ErrConnRefused) {
			t.Fatalf("dial error %v, want ErrConnRefused", err)
		}
	}
}

func TestDatagramsNeedListener(t *testing.T) {
	w := mustWorld(t, 3, DefaultOptions())
	ps := procs{}
	must(t, w.AddNode("a", ps.factory("a", listenOn("a:9"), nil), NodeOptions{}))
	must(t, w.AddNode("b", ps.factory("b", func(p *scripted) {
		p.env.SendDatagram("a:9", []byte("x"))
		p.env.SendDatagram("a:8", []byte("y"))
	}, nil), NodeOptions{}))
	must(t, w.Start("a"))
	must(t, w.Start("b"))
	must(t, w.RunFor(time.Second))
	evs := ps["a"].events
	if len(evs) != 1 {
		t.Fatalf("a got %d events, want 1", len(evs))
	}
	d := evs[0].(proc.DatagramReceived)
	if d.From != "b" || d.To != "a:9" || !bytes.Equal(d.Bytes, []byte("x")) {
		t.Fatalf("datagram %+v", d)
	}
}

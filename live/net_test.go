package live

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// echoProc listens on 127.0.0.1:0 and writes back every chunk it receives.
func echoProc() *scriptProc {
	return &scriptProc{
		start: func(p *scriptProc) {
			if err := p.env.Listen("127.0.0.1:0"); err != nil {
				panic(err)
			}
		},
		handle: func(p *scriptProc, ev proc.Event) {
			if r, ok := ev.(proc.Received); ok {
				p.env.Send(r.Conn, r.Bytes)
			}
		},
	}
}

func TestEchoOverLoopback(t *testing.T) {
	checkNoLeaks(t)
	server := startScript(t, Options{Name: "echo"}, echoProc())
	addrs := server.ListenAddrs()
	if len(addrs) != 1 {
		t.Fatalf("listen addrs = %v, want one", addrs)
	}
	payload := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB: many chunks, order must hold
	var conn proc.ConnID
	cp := &scriptProc{
		start: func(p *scriptProc) { conn = p.env.Dial(addrs[0]) },
		handle: func(p *scriptProc, ev proc.Event) {
			if _, ok := ev.(proc.Connected); ok {
				for off := 0; off < len(payload); off += 1000 {
					p.env.Send(conn, payload[off:min(off+1000, len(payload))])
				}
			}
		},
	}
	client := startScript(t, Options{Name: "client"}, cp)
	waitFor(t, client, "echo of 1 MiB", func() bool { return len(received(cp.events, conn)) >= len(payload) })
	evs := eventsOf(t, client, cp)
	if _, ok := evs[0].(proc.Connected); !ok {
		t.Fatalf("first event = %#v, want Connected", evs[0])
	}
	if got := received(evs, conn); !bytes.Equal(got, payload) {
		t.Fatalf("echo corrupted: got %d bytes, want %d identical bytes", len(got), len(payload))
	}
}

// pingPong: the client sends 0, each side answers v with v+1, until rounds.
// The server must see exactly 0, 2, 4, ... and the client 1, 3, 5, ...: any
// loss, duplication or reordering panics (and Stop reports the panic).
// Numbers are framed as 4 bytes over arbitrary chunks.
func pingPong(rounds uint32, isClient bool, target string) (*scriptProc, *uint32) {
	var last, expect uint32
	if isClient {
		expect = 1
	}
	var buf []byte
	p := &scriptProc{}
	p.start = func(p *scriptProc) {
		if isClient {
			p.env.Dial(target)
			return
		}
		if err := p.env.Listen("127.0.0.1:0"); err != nil {
			panic(err)
		}
	}
	p.handle = func(p *scriptProc, ev proc.Event) {
		switch ev := ev.(type) {
		case proc.Connected:
			p.env.Send(ev.Conn, binary.BigEndian.AppendUint32(nil, 0))
		case proc.Received:
			buf = append(buf, ev.Bytes...)
			for len(buf) >= 4 {
				v := binary.BigEndian.Uint32(buf)
				buf = buf[4:]
				if v != expect {
					panic(fmt.Sprintf("ping-pong out of order: got %d, want %d", v, expect))
				}
				last, expect = v, v+2
				if v < rounds {
					p.env.Send(ev.Conn, binary.BigEndian.AppendUint32(nil, v+1))
				}
			}
		}
	}
	return p, &last
}

func TestPingPongPair(t *testing.T) {
	checkNoLeaks(t)
	const rounds = 2000
	sp, _ := pingPong(rounds, false, "")
	server := startScript(t, Options{Name: "pong"}, sp)
	cp, last := pingPong(rounds, true, server.ListenAddrs()[0])
	client := startScript(t, Options{Name: "ping"}, cp)
	waitFor(t, client, "2000 round trips", func() bool { return *last >= rounds-1 })
	accepts := 0
	for _, ev := range eventsOf(t, server, sp) {
		if _, ok := ev.(proc.Accepted); ok {
			accepts++
		}
	}
	if accepts != 1 {
		t.Fatalf("server accepted %d connections, want 1", accepts)
	}
}

func TestDialRefused(t *testing.T) {
	checkNoLeaks(t)
	addr := freePort(t)
	var conn proc.ConnID
	p := &scriptProc{start: func(p *scriptProc) { conn = p.env.Dial(addr) }}
	n := startScript(t, Options{Name: "c"}, p)
	waitFor(t, n, "Closed", func() bool { return len(p.events) > 0 })
	evs := eventsOf(t, n, p)
	cl, ok := evs[0].(proc.Closed)
	if !ok || cl.Conn != conn {
		t.Fatalf("event = %#v, want Closed for conn %d", evs[0], conn)
	}
	if !errors.Is(cl.Err, proc.ErrConnRefused) {
		t.Fatalf("Closed.Err = %v, want ErrConnRefused", cl.Err)
	}
}

func TestPeerCloseDetected(t *testing.T) {
	checkNoLeaks(t)
	// The server only records: an echo into a closed socket would draw a
	// RST, and the server would rightly report a reset instead of a close.
	sp := &scriptProc{start: func(p *scriptProc) {
		if err := p.env.Listen("127.0.0.1:0"); err != nil {
			panic(err)
		}
	}}
	server := startScript(t, Options{Name: "s"}, sp)
	var conn proc.ConnID
	cp := &scriptProc{
		start: func(p *scriptProc) { conn = p.env.Dial(server.ListenAddrs()[0]) },
		handle: func(p *scriptProc, ev proc.Event) {
			if _, ok := ev.(proc.Connected); ok {
				p.env.Send(conn, []byte("bye"))
				p.env.Close(conn) // the queued bytes must still be flushed
			}
		},
	}
	client := startScript(t, Options{Name: "c"}, cp)
	waitFor(t, server, "server sees Closed", func() bool {
		for _, ev := range sp.events {
			if _, ok := ev.(proc.Closed); ok {
				return true
			}
		}
		return false
	})
	sevs := eventsOf(t, server, sp)
	acc := sevs[0].(proc.Accepted)
	if got := received(sevs, acc.Conn); string(got) != "bye" {
		t.Fatalf("server received %q before the close, want %q", got, "bye")
	}
	cl, _ := closedEvent(sevs, acc.Conn)
	if cl.Err != nil {
		t.Fatalf("clean close reported as %v, want nil", cl.Err)
	}
	time.Sleep(50 * time.Millisecond) // give a wrong Closed time to arrive
	for _, ev := range eventsOf(t, client, cp) {
		switch ev.(type) {
		case proc.Closed, proc.Received:
			t.Fatalf("closing side got %#v after its own Close", ev)
		}
	}
}

func TestPeerStopSeenAsClose(t *testing.T) {
	checkNoLeaks(t)
	sp := echoProc()
	server := startScript(t, Options{Name: "s"}, sp)
	cp := &scriptProc{start: func(p *scriptProc) { p.env.Dial(server.ListenAddrs()[0]) }}
	client := NewNode(Options{Name: "c"})
	if err := client.Start(func() proc.Process { return cp }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, server, "accept", func() bool { return len(sp.events) > 0 })
	if err := client.Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, server, "Closed after peer stop", func() bool {
		_, ok := closedEvent(sp.events, sp.events[0].(proc.Accepted).Conn)
		return ok
	})
	if err := client.Do(func() {}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Do on a stopped node = %v, want ErrStopped", err)
	}
}

func TestResetDetected(t *testing.T) {
	checkNoLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		// Wait for the client's first byte so the reset hits an
		// established connection, not the dial.
		_, _ = c.Read(make([]byte, 1))
		c.(*net.TCPConn).SetLinger(0) // close sends RST
		c.Close()
	}()
	var conn proc.ConnID
	p := &scriptProc{
		start: func(p *scriptProc) { conn = p.env.Dial(l.Addr().String()) },
		handle: func(p *scriptProc, ev proc.Event) {
			if _, ok := ev.(proc.Connected); ok {
				p.env.Send(conn, []byte("x"))
			}
		},
	}
	n := startScript(t, Options{Name: "c"}, p)
	waitFor(t, n, "Closed", func() bool { _, ok := closedEvent(p.events, conn); return ok })
	cl, _ := closedEvent(eventsOf(t, n, p), conn)
	if !errors.Is(cl.Err, proc.ErrConnReset) {
		t.Fatalf("Closed.Err = %v, want ErrConnReset", cl.Err)
	}
}

// A peer that never reads must not stall the loop: the queue overflows and
// the connection is cut with ErrConnReset, while timers keep firing.
func TestSlowPeerCutOff(t *testing.T) {
	checkNoLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c // held open, never read
		}
	}()
	defer func() {
		if c := <-accepted; c != nil {
			c.Close()
		}
	}()
	var conn proc.ConnID
	chunk := make([]byte, 256<<10)
	p := &scriptProc{
		start: func(p *scriptProc) { conn = p.env.Dial(l.Addr().String()) },
		handle: func(p *scriptProc, ev proc.Event) {
			if _, ok := ev.(proc.Connected); ok {
				for range 256 { // 64 MiB, far beyond the socket buffers
					p.env.Send(conn, chunk)
				}
			}
		},
	}
	n := startScript(t, Options{Name: "c", SendQueueBytes: 1 << 20}, p)
	waitFor(t, n, "overflow close", func() bool { _, ok := closedEvent(p.events, conn); return ok })
	cl, _ := closedEvent(eventsOf(t, n, p), conn)
	if !errors.Is(cl.Err, proc.ErrConnReset) {
		t.Fatalf("Closed.Err = %v, want ErrConnReset", cl.Err)
	}
}

// TestLargeChunkOnEmptyQueue: one chunk larger than the send queue's bound
// is sent whole when nothing else is queued (a 20 MB getChildren reply).
func TestLargeChunkOnEmptyQueue(t *testing.T) {
	checkNoLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan int, 1)
	// The peer keeps its end open until the test is done: its close would
	// be a Closed event too, and only a close of ours is the failure.
	release := make(chan struct{})
	defer close(release)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, io.LimitReader(c, 3<<20))
		got <- int(n)
		<-release
	}()
	var conn proc.ConnID
	p := &scriptProc{
		start: func(p *scriptProc) { conn = p.env.Dial(l.Addr().String()) },
		handle: func(p *scriptProc, ev proc.Event) {
			if _, ok := ev.(proc.Connected); ok {
				p.env.Send(conn, make([]byte, 3<<20))
			}
		},
	}
	n := startScript(t, Options{Name: "c", SendQueueBytes: 1 << 20}, p)
	select {
	case k := <-got:
		if k != 3<<20 {
			t.Fatalf("peer read %d bytes, want %d", k, 3<<20)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the large chunk did not arrive")
	}
	if cl, ok := closedEvent(eventsOf(t, n, p), conn); ok {
		t.Fatalf("connection closed: %v", cl.Err)
	}
}

func TestCloseWhileDialing(t *testing.T) {
	checkNoLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := &scriptProc{start: func(p *scriptProc) { p.env.Close(p.env.Dial(l.Addr().String())) }}
	n := startScript(t, Options{Name: "c"}, p)
	time.Sleep(50 * time.Millisecond)
	if evs := eventsOf(t, n, p); len(evs) != 0 {
		t.Fatalf("a connection closed while dialing produced events: %#v", evs)
	}
}

// TestAcceptedNamesTheListener: Accepted.Local is the listener's name as the
// process passed it to Listen ("localhost:0"), not the address the kernel
// bound ("127.0.0.1:41234"): a server tells its quorum listener's
// connections from its client listener's by it (a 3-node ensemble named by
// localhost never formed while this was the bound address).
func TestAcceptedNamesTheListener(t *testing.T) {
	checkNoLeaks(t)
	names := []string{"localhost:0", "127.0.0.1:0"}
	srv := &scriptProc{start: func(p *scriptProc) {
		for _, name := range names {
			if err := p.env.Listen(name); err != nil {
				panic(err)
			}
		}
	}}
	server := startScript(t, Options{Name: "server"}, srv)
	addrs := server.ListenAddrs()
	if len(addrs) != len(names) {
		t.Fatalf("listen addrs = %v, want %d", addrs, len(names))
	}
	cp := &scriptProc{start: func(p *scriptProc) {
		for _, a := range addrs {
			p.env.Dial(a)
		}
	}}
	startScript(t, Options{Name: "client"}, cp)
	var got []string
	waitFor(t, server, "two accepts", func() bool {
		got = got[:0]
		for _, ev := range srv.events {
			if a, ok := ev.(proc.Accepted); ok {
				got = append(got, a.Local)
			}
		}
		return len(got) == len(names)
	})
	slices.Sort(got)
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(got, want) {
		t.Fatalf("Accepted.Local = %v, want the listeners' names %v (bound at %v)", got, want, addrs)
	}
}

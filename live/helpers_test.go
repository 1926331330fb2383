package live

import (
	"bytes"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// scriptProc is a process driven by test callbacks. It records every event
// (on the loop goroutine; tests read the record through Node.Do).
type scriptProc struct {
	env    proc.Env
	start  func(p *scriptProc)
	handle func(p *scriptProc, ev proc.Event)
	events []proc.Event
}

func (p *scriptProc) Start(env proc.Env) {
	p.env = env
	if p.start != nil {
		p.start(p)
	}
}

func (p *scriptProc) Handle(ev proc.Event) {
	p.events = append(p.events, ev)
	if p.handle != nil {
		p.handle(p, ev)
	}
}

// startScript starts a node hosting p and stops it when the test ends.
func startScript(t *testing.T, opts Options, p *scriptProc) *Node {
	t.Helper()
	n := NewNode(opts)
	if err := n.Start(func() proc.Process { return p }); err != nil {
		t.Fatalf("start %s: %v", opts.Name, err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stop %s: %v", opts.Name, err)
		}
	})
	return n
}

// waitFor polls cond on the node's loop until it holds or the deadline passes.
func waitFor(t *testing.T, n *Node, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		if err := n.Do(func() { ok = cond() }); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// eventsOf copies the process's event record through the loop.
func eventsOf(t *testing.T, n *Node, p *scriptProc) []proc.Event {
	t.Helper()
	var evs []proc.Event
	if err := n.Do(func() { evs = append(evs, p.events...) }); err != nil {
		t.Fatal(err)
	}
	return evs
}

// received concatenates the bytes received on conn c.
func received(evs []proc.Event, c proc.ConnID) []byte {
	var buf bytes.Buffer
	for _, ev := range evs {
		if r, ok := ev.(proc.Received); ok && r.Conn == c {
			buf.Write(r.Bytes)
		}
	}
	return buf.Bytes()
}

func closedEvent(evs []proc.Event, c proc.ConnID) (proc.Closed, bool) {
	for _, ev := range evs {
		if cl, ok := ev.(proc.Closed); ok && cl.Conn == c {
			return cl, true
		}
	}
	return proc.Closed{}, false
}

// freePort returns a loopback address nobody listens on (racy in theory,
// fine on a test machine: the kernel does not hand the port out again at once).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// checkNoLeaks fails the test if goroutines started during it outlive it.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if now := runtime.NumGoroutine(); now > before {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, now, buf[:runtime.Stack(buf, true)])
		}
	})
}

func wrap(p *scriptProc) proc.Factory { return func() proc.Process { return p } }

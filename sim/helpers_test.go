package sim

import (
	"testing"

	"github.com/zabsim/zabsim/proc"
)

// scripted is a test process whose behaviour is a pair of callbacks. It
// records every event it handles.
type scripted struct {
	env     proc.Env
	start   func(p *scripted)
	handle  func(p *scripted, ev proc.Event)
	events  []proc.Event
	started int
}

func (p *scripted) Start(env proc.Env) {
	p.env = env
	p.started++
	if p.start != nil {
		p.start(p)
	}
}

func (p *scripted) Handle(ev proc.Event) {
	p.events = append(p.events, ev)
	if p.handle != nil {
		p.handle(p, ev)
	}
}

// procs keeps the latest process instance of each node for inspection.
type procs map[string]*scripted

func (ps procs) factory(name string, start func(*scripted), handle func(*scripted, proc.Event)) proc.Factory {
	return func() proc.Process {
		p := &scripted{start: start, handle: handle}
		ps[name] = p
		return p
	}
}

func mustWorld(t testing.TB, seed uint64, opts Options) *World {
	t.Helper()
	w, err := NewWorld(seed, opts)
	if err != nil {
		t.Fatalf("NewWorld: %v", err)
	}
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// listenOn returns a start callback that listens on name:port.
func listenOn(addr string) func(*scripted) {
	return func(p *scripted) {
		if err := p.env.Listen(addr); err != nil {
			panic(err)
		}
	}
}

// echo sends every received chunk back.
func echo(p *scripted, ev proc.Event) {
	if r, ok := ev.(proc.Received); ok {
		p.env.Send(r.Conn, r.Bytes)
	}
}

func closedErrs(evs []proc.Event) []error {
	var out []error
	for _, ev := range evs {
		if c, ok := ev.(proc.Closed); ok {
			out = append(out, c.Err)
		}
	}
	return out
}

package sim

import (
	"runtime"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// pinger dials every peer and keeps inFlight 16-byte messages bouncing on
// every connection: each Received is sent straight back.
type pinger struct {
	env      proc.Env
	peers    []string
	inFlight int
	msg      []byte
}

func (p *pinger) Start(env proc.Env) {
	p.env = env
	must2(env.Listen(env.Name() + ":1"))
	for _, peer := range p.peers {
		if peer != env.Name() {
			env.Dial(peer + ":1")
		}
	}
}

func (p *pinger) Handle(ev proc.Event) {
	switch ev := ev.(type) {
	case proc.Connected:
		for range p.inFlight {
			p.env.Send(ev.Conn, p.msg)
		}
	case proc.Received:
		p.env.Send(ev.Conn, ev.Bytes) // ping-pong: reuse the payload
	}
}

func pingWorld(b *testing.B, nodes int) *World {
	opts := DefaultOptions()
	w := mustWorld(b, 1, opts)
	names := []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"}[:nodes]
	msg := make([]byte, 16)
	for _, name := range names {
		must(b, w.AddNode(name, func() proc.Process {
			return &pinger{peers: names, inFlight: 4, msg: msg}
		}, NodeOptions{}))
	}
	for _, name := range names {
		must(b, w.Start(name))
	}
	must(b, w.RunFor(10*time.Millisecond)) // every connection is up
	return w
}

// BenchmarkSimPingPong5 measures the event loop on a 5-node, message-heavy
// world (20 connections, 4 messages bouncing on each).
func BenchmarkSimPingPong5(b *testing.B) {
	w := pingWorld(b, 5)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := w.Executed()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !w.Step() {
			b.Fatal("the ping-pong world ran dry")
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	events := float64(w.Executed() - start)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/events, "allocs/event")
}

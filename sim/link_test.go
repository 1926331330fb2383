package sim

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// datagramStats sends n numbered datagrams a→b, one per millisecond, and
// returns the sequence numbers b received, in arrival order.
func datagramStats(t *testing.T, link LinkOptions, n int) []uint64 {
	t.Helper()
	w := mustWorld(t, 4, Options{})
	ps := procs{}
	must(t, w.AddNode("b", ps.factory("b", listenOn("b:1"), nil), NodeOptions{}))
	must(t, w.AddNode("a", ps.factory("a", func(p *scripted) { p.env.After(time.Millisecond, uint64(1)) },
		func(p *scripted, ev proc.Event) {
			seq := ev.(proc.TimerFired).Tag.(uint64)
			p.env.SendDatagram("b:1", binary.BigEndian.AppendUint64(nil, seq))
			if seq < uint64(n) {
				p.env.After(time.Millisecond, seq+1)
			}
		}), NodeOptions{}))
	must(t, w.SetLink("a", "b", link))
	must(t, w.Start("b"))
	must(t, w.Start("a"))
	must(t, w.RunFor(time.Duration(n+100)*time.Millisecond))
	var got []uint64
	for _, ev := range ps["b"].events {
		got = append(got, binary.BigEndian.Uint64(ev.(proc.DatagramReceived).Bytes))
	}
	return got
}

func TestDatagramLossDupReorder(t *testing.T) {
	const n = 2000
	lat := ConstantLatency(time.Millisecond)
	if got := datagramStats(t, LinkOptions{Latency: lat}, n); len(got) != n {
		t.Fatalf("clean link delivered %d of %d", len(got), n)
	}
	lost := n - len(datagramStats(t, LinkOptions{Latency: lat, LossProb: 0.3}, n))
	if lost < n*25/100 || lost > n*35/100 {
		t.Errorf("loss 0.3 lost %d of %d", lost, n)
	}
	dups := len(datagramStats(t, LinkOptions{Latency: lat, DupProb: 0.5}, n)) - n
	if dups < n*45/100 || dups > n*55/100 {
		t.Errorf("dup 0.5 duplicated %d of %d", dups, n)
	}
	got := datagramStats(t, LinkOptions{Latency: lat, ReorderProb: 0.2, ReorderDelay: UniformLatency(time.Millisecond, 5*time.Millisecond)}, n)
	inversions := 0
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] {
			inversions++
		}
	}
	if len(got) != n || inversions < n/20 {
		t.Errorf("reorder 0.2: %d delivered, %d inversions", len(got), inversions)
	}
}

// TestSetLinkLatencyAndSpike: per-link constant latency is exact, and a spike
// delays connection chunks without reordering them.
func TestSetLinkLatencyAndSpike(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	ps := procs{}
	var arrivals []time.Duration
	var conn proc.ConnID
	must(t, w.AddNode("s", ps.factory("s", listenOn("s:1"), func(p *scripted, ev proc.Event) {
		if _, ok := ev.(proc.Received); ok {
			arrivals = append(arrivals, w.Now())
		}
	}), NodeOptions{}))
	must(t, w.AddNode("c", ps.factory("c", func(p *scripted) { p.env.Dial("s:1") },
		func(p *scripted, ev proc.Event) {
			switch ev := ev.(type) {
			case proc.Connected:
				conn = ev.Conn
				p.env.Send(conn, []byte("before"))
				p.env.After(20*time.Millisecond, "spiked")
			case proc.TimerFired:
				p.env.Send(conn, []byte(ev.Tag.(string)))
				if ev.Tag == "spiked" {
					p.env.After(15*time.Millisecond, "after")
				}
			}
		}), NodeOptions{}))
	must(t, w.SetLink("c", "s", LinkOptions{Latency: ConstantLatency(7 * time.Millisecond)}))
	must(t, w.Start("s"))
	must(t, w.Start("c"))
	// Dial at 0, SYN at 7 ms, Connected at 7 ms (s→c has zero latency),
	// "before" arrives at 14 ms. The 50 ms spike lasts from 25 to 35 ms:
	// "spiked", sent at 27 ms, arrives at 27+7+50 = 84 ms; "after", sent at
	// 42 ms with no spike, would arrive at 49 ms but FIFO holds it to 84 ms.
	must(t, w.Schedule(25*time.Millisecond, func() { must(t, w.Spike("c", "s", 50*time.Millisecond, 10*time.Millisecond)) }))
	must(t, w.RunFor(time.Second))
	want := []time.Duration{14 * time.Millisecond, 84 * time.Millisecond, 84 * time.Millisecond}
	if len(arrivals) != 3 || arrivals[0] != want[0] || arrivals[1] != want[1] || arrivals[2] != want[2] {
		t.Fatalf("arrivals %v, want %v", arrivals, want)
	}
	var order []string
	for _, ev := range ps["s"].events {
		if r, ok := ev.(proc.Received); ok {
			order = append(order, string(r.Bytes))
		}
	}
	if len(order) != 3 || order[1] != "spiked" || order[2] != "after" {
		t.Fatalf("order %v", order)
	}
	w2 := mustWorld(t, 1, Options{})
	must(t, w2.AddNode("x", func() proc.Process { return &scripted{} }, NodeOptions{}))
	must(t, w2.AddNode("y", func() proc.Process { return &scripted{} }, NodeOptions{}))
	must(t, w2.Spike("x", "y", time.Second, time.Second))
	if l := w2.link(0, 1); l.spikeNS != int64(time.Second) {
		t.Fatalf("spike not recorded: %+v", l)
	}
}

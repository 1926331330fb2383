package sim

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// TestPauseHoldsEventsInOrder: while paused a node handles nothing; on
// resume the held chunks and the overdue timer arrive in arrival order.
func TestPauseHoldsEventsInOrder(t *testing.T) {
	w := mustWorld(t, 1, Options{Link: LinkOptions{Latency: ConstantLatency(time.Millisecond)}})
	ps := procs{}
	must(t, w.AddNode("s", ps.factory("s", func(p *scripted) {
		listenOn("s:1")(p)
		p.env.After(30*time.Millisecond, "timer")
	}, nil), NodeOptions{}))
	must(t, w.AddNode("c", ps.factory("c", func(p *scripted) { p.env.Dial("s:1") },
		func(p *scripted, ev proc.Event) {
			if c, ok := ev.(proc.Connected); ok {
				for _, s := range []string{"1", "2", "3"} {
					p.env.Send(c.Conn, []byte(s))
				}
			}
		}), NodeOptions{}))
	must(t, w.Start("s"))
	must(t, w.Start("c"))
	// Accepted at 1 ms, chunks arrive at 3 ms, the timer is due at 30 ms.
	must(t, w.RunUntil(2500*time.Microsecond))
	must(t, w.Pause("s"))
	must(t, w.RunUntil(100*time.Millisecond))
	if n := len(ps["s"].events); n != 1 {
		t.Fatalf("paused node handled %d events after the pause", n-1)
	}
	if !w.Running("s") {
		t.Fatal("a paused node is still up")
	}
	must(t, w.Resume("s"))
	must(t, w.RunFor(time.Millisecond))
	var got []string
	for _, ev := range ps["s"].events {
		switch ev := ev.(type) {
		case proc.Accepted:
			got = append(got, "accept")
		case proc.Received:
			got = append(got, string(ev.Bytes))
		case proc.TimerFired:
			got = append(got, "timer")
		}
	}
	if strings.Join(got, ",") != "accept,1,2,3,timer" {
		t.Fatalf("after resume: %v", got)
	}
}

// TestPauseIsAStop: a pause behaves like SIGSTOP/SIGCONT, not a clock
// freeze. While paused the node's wall and monotonic clocks run on; on
// resume, its overdue timers fire (in due order) and the process reads
// clocks that moved by the whole pause.
func TestPauseIsAStop(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	ps := procs{}
	type reading struct{ now, mono int64 }
	var at []reading
	must(t, w.AddNode("s", ps.factory("s", func(p *scripted) {
		at = append(at, reading{p.env.Now(), p.env.Mono()})
		p.env.After(100*time.Millisecond, "a")
		p.env.After(200*time.Millisecond, "b")
	}, func(p *scripted, ev proc.Event) {
		at = append(at, reading{p.env.Now(), p.env.Mono()})
	}), NodeOptions{}))
	must(t, w.Start("s"))
	must(t, w.RunUntil(50*time.Millisecond))
	must(t, w.Pause("s"))
	must(t, w.RunUntil(5*time.Second))
	must(t, w.Resume("s"))
	must(t, w.RunFor(time.Millisecond))
	var tags []string
	for _, ev := range ps["s"].events {
		if tf, ok := ev.(proc.TimerFired); ok {
			tags = append(tags, tf.Tag.(string))
		}
	}
	if strings.Join(tags, ",") != "a,b" {
		t.Fatalf("timers after resume: %v", tags)
	}
	if len(at) != 3 {
		t.Fatalf("%d readings", len(at))
	}
	for i, r := range at[1:] {
		if d := time.Duration(r.mono - at[0].mono); d != 5*time.Second {
			t.Errorf("timer %d: monotonic clock moved %v, want the whole 5 s", i, d)
		}
		if d := time.Duration(r.now - at[0].now); d != 5*time.Second {
			t.Errorf("timer %d: wall clock moved %v, want the whole 5 s", i, d)
		}
	}
}

// TestCrashRestart: a crash drops memory, timers, listeners and connections
// (the peer is told), keeps synced disk bytes, and Restart starts a fresh
// process on that disk.
func TestCrashRestart(t *testing.T) {
	opts := Options{Link: LinkOptions{Latency: ConstantLatency(time.Millisecond)}, BreakDetect: ConstantLatency(50 * time.Millisecond)}
	w := mustWorld(t, 1, opts)
	ps := procs{}
	must(t, w.AddNode("s", ps.factory("s", func(p *scripted) {
		listenOn("s:1")(p)
		d := p.env.Disk()
		if b, _ := d.ReadFile("log"); len(b) > 0 {
			p.env.Emit("recovered " + string(b))
			return
		}
		must(t, d.Append("log", []byte("durable")))
		p.env.Disk().Sync("log")
		p.env.After(time.Hour, "never")
	}, func(p *scripted, ev proc.Event) {
		if _, ok := ev.(proc.SyncDone); ok {
			must(t, p.env.Disk().Append("log", []byte("+lost")))
		}
	}), NodeOptions{Disk: DiskOptions{SyncLatency: ConstantLatency(5 * time.Millisecond)}}))
	must(t, w.AddNode("c", ps.factory("c", func(p *scripted) { p.env.Dial("s:1") }, nil), NodeOptions{}))
	var notes []string
	must(t, w.AddObserver(ObserverFunc(func(r *Record) {
		if r.Kind == RecordNote {
			notes = append(notes, r.Note.(string))
		}
	})))
	must(t, w.Start("s"))
	must(t, w.Start("c"))
	must(t, w.RunUntil(20*time.Millisecond))
	first := ps["s"]
	must(t, w.Crash("s", CrashLoseUnsynced))
	if err := w.Crash("s", CrashLoseUnsynced); err == nil {
		t.Fatal("crashing a crashed node succeeded")
	}
	must(t, w.RunUntil(100*time.Millisecond))
	if errs := closedErrs(ps["c"].events); len(errs) != 1 || !errors.Is(errs[0], proc.ErrConnReset) {
		t.Fatalf("peer of the crashed node saw %v, want one reset", errs)
	}
	must(t, w.Restart("s"))
	must(t, w.RunFor(2*time.Hour))
	if ps["s"] == first || ps["s"].started != 1 {
		t.Fatal("restart reused the old process")
	}
	for _, ev := range ps["s"].events {
		if _, ok := ev.(proc.TimerFired); ok {
			t.Fatal("a timer of the crashed incarnation fired")
		}
	}
	if len(notes) != 1 || notes[0] != "recovered durable" {
		t.Fatalf("notes %v, want the synced bytes only", notes)
	}
}

// TestDeferredChangesFromObserver: an observer that crashes a node when it
// sees a note takes effect right after the current event.
func TestDeferredChangesFromObserver(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	ps := procs{}
	must(t, w.AddNode("n", ps.factory("n", func(p *scripted) {
		p.env.Emit("boom")
		p.env.After(0, "after-emit")
		if !p.env.(*env).live() {
			t.Error("the crash applied inside the process's own Start")
		}
	}, nil), NodeOptions{}))
	var lifecycle []Lifecycle
	must(t, w.AddObserver(ObserverFunc(func(r *Record) {
		switch r.Kind {
		case RecordNote:
			if err := w.Crash("n", CrashKeepAll); err != nil {
				t.Error(err)
			}
		case RecordLifecycle:
			lifecycle = append(lifecycle, r.Lifecycle)
		}
	})))
	must(t, w.Start("n"))
	if w.Running("n") {
		t.Fatal("the deferred crash did not apply after Start returned")
	}
	must(t, w.RunFor(time.Second))
	if len(ps["n"].events) != 0 {
		t.Fatalf("crashed node handled %v", ps["n"].events)
	}
	if len(lifecycle) != 2 || lifecycle[0] != Started || lifecycle[1] != Crashed {
		t.Fatalf("lifecycle %v", lifecycle)
	}
}

// TestOneWayCut: a→b cut breaks their connection, but datagrams b→a flow.
func TestOneWayCut(t *testing.T) {
	opts := Options{Link: LinkOptions{Latency: ConstantLatency(time.Millisecond)}, BreakDetect: ConstantLatency(10 * time.Millisecond)}
	w := mustWorld(t, 1, opts)
	ps := procs{}
	must(t, w.AddNode("a", ps.factory("a", listenOn("a:1"), nil), NodeOptions{}))
	must(t, w.AddNode("b", ps.factory("b", func(p *scripted) {
		listenOn("b:1")(p)
		p.env.Dial("a:1")
		p.env.After(20*time.Millisecond, nil)
	}, func(p *scripted, ev proc.Event) {
		if _, ok := ev.(proc.TimerFired); ok {
			p.env.SendDatagram("a:1", []byte("b->a"))
		}
	}), NodeOptions{}))
	must(t, w.Start("a"))
	must(t, w.Start("b"))
	must(t, w.RunUntil(5*time.Millisecond))
	must(t, w.Cut("a", "b"))
	if up, _ := w.Linked("b", "a"); !up {
		t.Fatal("one-way cut cut the other direction")
	}
	must(t, w.RunFor(time.Second))
	var gotDatagram bool
	for _, ev := range ps["a"].events {
		if d, ok := ev.(proc.DatagramReceived); ok && string(d.Bytes) == "b->a" {
			gotDatagram = true
		}
	}
	if !gotDatagram {
		t.Error("datagram b->a was dropped by a cut of a->b")
	}
	for _, name := range []string{"a", "b"} {
		if errs := closedErrs(ps[name].events); len(errs) != 1 || !errors.Is(errs[0], proc.ErrConnReset) {
			t.Errorf("%s saw closes %v, want one reset", name, errs)
		}
	}
}

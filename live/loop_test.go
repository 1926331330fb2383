package live

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

func firedTags(evs []proc.Event) []string {
	var tags []string
	for _, ev := range evs {
		if f, ok := ev.(proc.TimerFired); ok {
			tags = append(tags, f.Tag.(string))
		}
	}
	return tags
}

func TestTimersFireInDeadlineOrder(t *testing.T) {
	checkNoLeaks(t)
	p := &scriptProc{start: func(p *scriptProc) {
		p.env.After(60*time.Millisecond, "c")
		p.env.After(20*time.Millisecond, "a")
		cancelled := p.env.After(30*time.Millisecond, "cancelled")
		p.env.After(40*time.Millisecond, "b")
		p.env.Cancel(cancelled)
		p.env.Cancel(cancelled) // cancelling twice is a no-op
		p.env.Cancel(9999)      // so is an unknown timer
	}}
	n := startScript(t, Options{Name: "t"}, p)
	start := time.Now()
	waitFor(t, n, "three timers", func() bool { return len(p.events) >= 3 })
	time.Sleep(50 * time.Millisecond) // the cancelled one would have fired by now
	if got := firedTags(eventsOf(t, n, p)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("fired %v, want [a b c]", got)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Fatalf("60 ms timer done after %v", el)
	}
}

// Timers due in the same batch fire in arming order, and one may cancel a
// later one of the same batch.
func TestTimersSameBatchOrderAndCancel(t *testing.T) {
	checkNoLeaks(t)
	var second proc.TimerID
	p := &scriptProc{
		start: func(p *scriptProc) {
			p.env.After(time.Millisecond, "first")
			second = p.env.After(time.Millisecond, "second")
			p.env.After(2*time.Millisecond, "third")
		},
		handle: func(p *scriptProc, ev proc.Event) {
			if f, ok := ev.(proc.TimerFired); ok && f.Tag == "first" {
				p.env.Cancel(second)
			}
		},
	}
	n := startScript(t, Options{Name: "t"}, p)
	// Hold the loop so all three are due by the time it looks at them.
	if err := n.Do(func() { time.Sleep(30 * time.Millisecond) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, n, "two timers", func() bool { return len(p.events) >= 2 })
	time.Sleep(20 * time.Millisecond)
	if got := firedTags(eventsOf(t, n, p)); !slices.Equal(got, []string{"first", "third"}) {
		t.Fatalf("fired %v, want [first third]", got)
	}
}

func TestTimerHeapTieBreakBySequence(t *testing.T) {
	var q timerQueue
	q.init()
	defer q.stopAll()
	for _, tag := range []string{"x", "y", "z"} {
		q.add(0, tag)
	}
	// Force identical deadlines: only the arming sequence can order them.
	d := q.heap[0].deadline
	for _, e := range q.heap {
		e.deadline = d
	}
	var got []string
	for {
		f, ok := q.popDue(d)
		if !ok {
			break
		}
		got = append(got, f.Tag.(string))
	}
	if !slices.Equal(got, []string{"x", "y", "z"}) {
		t.Fatalf("same-deadline order %v, want [x y z]", got)
	}
}

type panicProc struct{}

func (panicProc) Start(env proc.Env) { env.After(time.Millisecond, nil) }
func (panicProc) Handle(proc.Event)  { panic("boom") }

func TestPanicStopsNodeAndIsReported(t *testing.T) {
	checkNoLeaks(t)
	n := NewNode(Options{Name: "p"})
	if err := n.Start(func() proc.Process { return panicProc{} }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.Running() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n.Running() {
		t.Fatal("node still running after its process panicked")
	}
	err := n.Stop()
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Stop = %v, want the panic", err)
	}
}

func TestStartTwiceAndRestart(t *testing.T) {
	checkNoLeaks(t)
	n := NewNode(Options{Name: "r"})
	starts := 0
	f := func() proc.Process { starts++; return &scriptProc{} }
	if err := n.Start(f); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(f); err == nil {
		t.Fatal("second Start on a running node succeeded")
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("second Stop = %v, want nil", err)
	}
	if err := n.Start(f); err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer n.Stop()
	if starts != 2 {
		t.Fatalf("factory called %d times, want 2", starts)
	}
}

func TestEnvBasics(t *testing.T) {
	checkNoLeaks(t)
	var notes []any
	var logs strings.Builder
	p := &scriptProc{start: func(p *scriptProc) {
		p.env.Emit("hello")
		p.env.Logf("value %d", 7)
	}}
	n := startScript(t, Options{Name: "e", Seed: 42, Log: &logs, Observe: func(n any) { notes = append(notes, n) }}, p)
	var name string
	var now int64
	var r1 uint64
	if err := n.Do(func() { name, now, r1 = p.env.Name(), p.env.Now(), p.env.Rand().Uint64() }); err != nil {
		t.Fatal(err)
	}
	if name != "e" {
		t.Fatalf("Name = %q", name)
	}
	if d := time.Since(time.Unix(0, now)); d < 0 || d > time.Minute {
		t.Fatalf("Now is %v away from the wall clock", d)
	}
	if err := n.Do(func() {}); err != nil { // Observe and Logf ran on the loop before this
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0] != "hello" {
		t.Fatalf("observed %v", notes)
	}
	if !strings.Contains(logs.String(), "e ") || !strings.Contains(logs.String(), "value 7") {
		t.Fatalf("log = %q", logs.String())
	}
	// Same seed, same stream.
	p2 := &scriptProc{}
	n2 := startScript(t, Options{Name: "e2", Seed: 42}, p2)
	var r2 uint64
	_ = n2.Do(func() { r2 = p2.env.Rand().Uint64() })
	if r1 != r2 {
		t.Fatalf("seeded Rand differs: %d vs %d", r1, r2)
	}
}

func TestListenErrors(t *testing.T) {
	checkNoLeaks(t)
	var errBad, errDup error
	p := &scriptProc{start: func(p *scriptProc) {
		errBad = p.env.Listen("no-port")
		if err := p.env.Listen(":0"); err != nil {
			panic(err)
		}
	}}
	n := startScript(t, Options{Name: "l"}, p)
	addr := n.ListenAddrs()[0]
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("empty host bound %s, want 127.0.0.1", addr)
	}
	_ = n.Do(func() { errDup = p.env.Listen(addr) })
	if errBad == nil || errDup == nil {
		t.Fatalf("bad listen = %v, duplicate listen = %v; want errors", errBad, errDup)
	}
	if errors.Is(errBad, ErrStopped) {
		t.Fatal("wrong error")
	}
}

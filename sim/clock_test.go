package sim

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"pgregory.net/rapid"
)

// TestPropClockOffsetDrift: the local clock reads epoch + offset + rate·t,
// and a timer armed for d fires at the first world instant its local clock
// has advanced by d.
func TestPropClockOffsetDrift(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		offset := time.Duration(rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(rt, "offset"))
		rate := rapid.Float64Range(0.5, 2).Draw(rt, "rate")
		d := time.Duration(rapid.Int64Range(0, int64(10*time.Second)).Draw(rt, "timer"))
		w := mustWorld(t, 1, Options{})
		var armedLocal, firedLocal int64
		var firedAt time.Duration
		ps := procs{}
		must(t, w.AddNode("n", ps.factory("n", func(p *scripted) {
			armedLocal = p.env.Now()
			p.env.After(d, nil)
		}, func(p *scripted, ev proc.Event) {
			firedLocal, firedAt = p.env.Now(), w.Now()
		}), NodeOptions{ClockOffset: offset, ClockRate: rate}))
		start := time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(rt, "start"))
		must(t, w.RunUntil(start))
		must(t, w.Start("n"))
		if want := EpochNS + int64(offset) + int64(float64(start)*rate); absDiff(armedLocal, want) > 1 {
			rt.Fatalf("local clock at %v reads %d, want %d", start, armedLocal, want)
		}
		must(t, w.RunFor(30*time.Second))
		if firedAt == 0 && d > 0 {
			rt.Fatal("timer never fired")
		}
		if firedLocal-armedLocal < int64(d) {
			rt.Fatalf("timer fired after %v local, armed for %v", time.Duration(firedLocal-armedLocal), d)
		}
		n := w.byName["n"]
		if prev := n.clock.local(int64(firedAt) - 1); firedAt > start && prev-armedLocal >= int64(d) {
			rt.Fatalf("timer fired late: the deadline was already reached at %v", firedAt-1)
		}
		wantWorld := float64(d) / rate
		if got := float64(firedAt - start); got < wantWorld-2 || got > wantWorld+2 {
			rt.Fatalf("timer for %v at rate %v fired after %v world, want ~%v", d, rate, firedAt-start, time.Duration(wantWorld))
		}
	})
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestClockJumpKeepsTimers: a jump moves the wall clock (Env.Now) but not
// the monotonic clock timers run on.
func TestClockJumpKeepsTimers(t *testing.T) {
	for _, tc := range []struct {
		jump   time.Duration
		wantAt time.Duration
	}{
		{jump: 60 * time.Millisecond, wantAt: 110 * time.Millisecond},
		{jump: 500 * time.Millisecond, wantAt: 110 * time.Millisecond},
		{jump: -50 * time.Millisecond, wantAt: 110 * time.Millisecond},
	} {
		w := mustWorld(t, 1, Options{})
		var firedAt time.Duration
		ps := procs{}
		must(t, w.AddNode("n", ps.factory("n", func(p *scripted) { p.env.After(110*time.Millisecond, nil) },
			func(p *scripted, ev proc.Event) { firedAt = w.Now() }), NodeOptions{}))
		must(t, w.Start("n"))
		must(t, w.Schedule(10*time.Millisecond, func() { must(t, w.JumpClock("n", tc.jump)) }))
		must(t, w.RunFor(time.Second))
		if firedAt != tc.wantAt {
			t.Errorf("jump %v: timer fired at %v, want %v", tc.jump, firedAt, tc.wantAt)
		}
		local, _ := w.LocalTime("n")
		if want := EpochNS + int64(time.Second+tc.jump); local != want {
			t.Errorf("jump %v: clock reads %d, want %d", tc.jump, local, want)
		}
	}
}

// TestClockRateChangeRetimesTimers: a drift change mid-way re-aims timers.
func TestClockRateChangeRetimesTimers(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	var firedAt time.Duration
	ps := procs{}
	must(t, w.AddNode("n", ps.factory("n", func(p *scripted) { p.env.After(100*time.Millisecond, nil) },
		func(p *scripted, ev proc.Event) { firedAt = w.Now() }), NodeOptions{}))
	must(t, w.Start("n"))
	// After 50 ms at rate 1, the remaining 50 ms local take 25 ms at rate 2.
	must(t, w.Schedule(50*time.Millisecond, func() { must(t, w.SetClockRate("n", 2)) }))
	must(t, w.RunFor(time.Second))
	if firedAt != 75*time.Millisecond {
		t.Fatalf("timer fired at %v, want 75ms", firedAt)
	}
}

func TestTimerCancel(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	ps := procs{}
	must(t, w.AddNode("n", ps.factory("n", func(p *scripted) {
		keep := p.env.After(20*time.Millisecond, "keep")
		drop := p.env.After(10*time.Millisecond, "drop")
		p.env.Cancel(drop)
		p.env.Cancel(drop) // cancelling twice is a no-op
		p.env.Cancel(keep + 100)
	}, nil), NodeOptions{}))
	must(t, w.Start("n"))
	must(t, w.RunFor(time.Second))
	evs := ps["n"].events
	if len(evs) != 1 || evs[0].(proc.TimerFired).Tag != "keep" {
		t.Fatalf("events %v, want only the kept timer", evs)
	}
}

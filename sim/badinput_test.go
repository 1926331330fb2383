package sim

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

func TestNewWorldRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"negative latency":  {Link: LinkOptions{Latency: ConstantLatency(-time.Millisecond)}},
		"uniform max < min": {Link: LinkOptions{Latency: UniformLatency(time.Second, time.Millisecond)}},
		"pareto alpha":      {Link: LinkOptions{Latency: Latency{Dist: Pareto, Min: 1, Max: 2}}},
		"unknown dist":      {Link: LinkOptions{Latency: Latency{Dist: 42}}},
		"loss > 1":          {Link: LinkOptions{LossProb: 1.5}},
		"dup < 0":           {Link: LinkOptions{DupProb: -0.5}},
		"reorder NaN":       {Link: LinkOptions{ReorderProb: math.NaN()}},
		"bad reorder delay": {Link: LinkOptions{ReorderDelay: ConstantLatency(-1)}},
		"bad break detect":  {BreakDetect: ExponentialLatency(0, time.Second, -1)},
		"nil observer":      {Observers: []Observer{nil}},
	} {
		if _, err := NewWorld(1, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewWorld(1, Options{}); err != nil {
		t.Errorf("zero options rejected: %v", err)
	}
}

func TestAddNodeRejectsBadInput(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	f := func() proc.Process { return &scripted{} }
	must(t, w.AddNode("a", f, NodeOptions{}))
	cases := map[string]error{
		"duplicate":     w.AddNode("a", f, NodeOptions{}),
		"empty name":    w.AddNode("", f, NodeOptions{}),
		"colon in name": w.AddNode("a:1", f, NodeOptions{}),
		"nil factory":   w.AddNode("b", nil, NodeOptions{}),
		"zero rate":     w.AddNode("b", f, NodeOptions{ClockRate: -1}),
		"inf rate":      w.AddNode("b", f, NodeOptions{ClockRate: math.Inf(1)}),
		"huge offset":   w.AddNode("b", f, NodeOptions{ClockOffset: -time.Duration(math.MaxInt64)}),
		"bad disk":      w.AddNode("b", f, NodeOptions{Disk: DiskOptions{SyncErrorProb: 2}}),
	}
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if got := w.NodeNames(); len(got) != 1 {
		t.Fatalf("rejected nodes were added: %v", got)
	}
}

func TestWorldMethodsRejectBadInput(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	must(t, w.AddNode("a", func() proc.Process { return &scripted{} }, NodeOptions{}))
	must(t, w.AddNode("b", func() proc.Process { return nil }, NodeOptions{}))
	must(t, w.RunUntil(time.Second))
	cases := map[string]error{
		"start unknown":         w.Start("zz"),
		"start nil process":     w.Start("b"),
		"restart never started": w.Restart("a"),
		"crash not running":     w.Crash("a", CrashLoseUnsynced),
		"crash bad mode":        w.Crash("a", CrashMode(9)),
		"pause not running":     w.Pause("a"),
		"resume not paused":     w.Resume("a"),
		"cut unknown":           w.Cut("a", "zz"),
		"cut self":              w.Cut("a", "a"),
		"partition unknown":     w.Partition([]string{"a"}, []string{"zz"}),
		"partition overlap":     w.Partition([]string{"a"}, []string{"a", "b"}),
		"heal unknown":          w.HealLink("zz", "a"),
		"set link bad":          w.SetLink("a", "b", LinkOptions{LossProb: 2}),
		"set link unknown":      w.SetLink("a", "zz", LinkOptions{}),
		"set all bad":           w.SetAllLinks(LinkOptions{DupProb: -1}),
		"spike negative":        w.Spike("a", "b", -time.Second, time.Second),
		"clock rate":            w.SetClockRate("a", 0),
		"clock unknown":         w.JumpClock("zz", time.Second),
		"schedule past":         w.Schedule(time.Millisecond, func() {}),
		"schedule nil":          w.Schedule(2*time.Second, nil),
		"after negative":        w.After(-time.Second, func() {}),
		"run while nil":         w.RunWhile(nil, time.Second),
		"corrupt unknown file":  w.CorruptFile("a", "nope", 0, 1),
		"capacity negative":     w.SetDiskCapacity("a", -1),
		"slow disk negative":    w.SlowDisk("a", -1),
		"observer nil":          w.AddObserver(nil),
	}
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := w.Disk("zz"); err == nil {
		t.Error("Disk of an unknown node")
	}
	if _, err := w.LocalTime("zz"); err == nil {
		t.Error("LocalTime of an unknown node")
	}
}

func TestEnvRejectsBadInput(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	var errs []error
	ps := procs{}
	must(t, w.AddNode("a", ps.factory("a", func(p *scripted) {
		errs = append(errs,
			p.env.Listen("b:1"), // another node's address
			p.env.Listen("a"),   // no port
			p.env.Listen("a:"),  // empty port
			p.env.Listen("a:1"), // fine
			p.env.Listen("a:1")) // twice
		p.env.Send(12345, []byte("x")) // unknown connection: a no-op
		p.env.Close(12345)
		p.env.Cancel(999)
		for _, addr := range []string{"", ":", "nohost", "b", "a:"} {
			p.env.Dial(addr)
		}
		p.env.SendDatagram("garbage", []byte("x"))
	}, nil), NodeOptions{}))
	must(t, w.AddNode("b", func() proc.Process { return &scripted{} }, NodeOptions{}))
	must(t, w.Start("a"))
	must(t, w.RunFor(time.Second))
	for i, err := range errs {
		if (err == nil) != (i == 3) {
			t.Errorf("listen case %d: %v", i, err)
		}
	}
	closes := closedErrs(ps["a"].events)
	if len(closes) != 5 {
		t.Fatalf("bad dials gave %d Closed events, want 5", len(closes))
	}
	for _, err := range closes {
		if !errors.Is(err, proc.ErrConnRefused) {
			t.Fatalf("bad dial closed with %v", err)
		}
	}
}

func TestEventLimit(t *testing.T) {
	w := mustWorld(t, 1, Options{MaxEvents: 100})
	ps := procs{}
	must(t, w.AddNode("a", ps.factory("a", func(p *scripted) { p.env.After(0, nil) },
		func(p *scripted, ev proc.Event) { p.env.After(0, nil) }), NodeOptions{})) // a livelock
	must(t, w.Start("a"))
	if err := w.RunFor(time.Second); !errors.Is(err, ErrEventLimit) {
		t.Fatalf("livelocked run returned %v", err)
	}
	if w.Executed() != 100 {
		t.Fatalf("executed %d events, limit 100", w.Executed())
	}
}

func TestRunWhile(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	count := 0
	ps := procs{}
	must(t, w.AddNode("a", ps.factory("a", func(p *scripted) { p.env.After(time.Millisecond, nil) },
		func(p *scripted, ev proc.Event) { count++; p.env.After(time.Millisecond, nil) }), NodeOptions{}))
	must(t, w.Start("a"))
	must(t, w.RunWhile(func() bool { return count < 10 }, time.Second))
	if count != 10 || w.Now() != 10*time.Millisecond {
		t.Fatalf("stopped at count %d, time %v", count, w.Now())
	}
	if err := w.RunWhile(func() bool { return true }, 5*time.Millisecond); err == nil {
		t.Fatal("RunWhile ignored its limit")
	}
	if w.Now() != 15*time.Millisecond {
		t.Fatalf("limit left the clock at %v", w.Now())
	}
}

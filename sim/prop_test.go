package sim

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// faultMix says which faults a random schedule may contain.
type faultMix struct {
	cuts, crashes, pauses, spikes, clocks bool
}

func drawLatency(rt *rapid.T) Latency {
	switch rapid.IntRange(0, 3).Draw(rt, "dist") {
	case 0:
		return ConstantLatency(time.Duration(rapid.IntRange(0, 2000).Draw(rt, "constUS")) * time.Microsecond)
	case 1:
		return UniformLatency(0, time.Duration(rapid.IntRange(0, 20).Draw(rt, "maxMS"))*time.Millisecond)
	case 2:
		return ExponentialLatency(100*time.Microsecond, 2*time.Millisecond, 50*time.Millisecond)
	}
	return Latency{Dist: Pareto, Min: 200 * time.Microsecond, Max: 80 * time.Millisecond, Alpha: 1.1}
}

// runTraffic builds a traffic world from rapid draws, applies a random fault
// schedule for 400 ms, heals everything, runs 400 ms more (break detection takes at most 100 ms) and checks the
// traffic invariants plus liveness after the heal.
func runTraffic(rt *rapid.T, mix faultMix) {
	opts := DefaultOptions()
	opts.BreakDetect = UniformLatency(10*time.Millisecond, 100*time.Millisecond)
	opts.Link.Latency = drawLatency(rt)
	opts.Link.LossProb = rapid.Float64Range(0, 0.3).Draw(rt, "loss")
	opts.Link.DupProb = rapid.Float64Range(0, 0.3).Draw(rt, "dup")
	opts.Link.ReorderProb = rapid.Float64Range(0, 0.3).Draw(rt, "reorder")
	w, err := NewWorld(rapid.Uint64().Draw(rt, "seed"), opts)
	if err != nil {
		rt.Fatal(err)
	}
	names := []string{"a", "b", "c", "d"}[:rapid.IntRange(2, 4).Draw(rt, "nodes")]
	tn, err := newTrafficNet(w, names, 5*time.Millisecond)
	if err != nil {
		rt.Fatal(err)
	}
	nFaults := rapid.IntRange(0, 12).Draw(rt, "faults")
	for range nFaults {
		at := time.Duration(rapid.IntRange(0, 400).Draw(rt, "atMS")) * time.Millisecond
		action := drawFault(rt, tn, mix)
		if err := w.Schedule(at, func() { ignore(action()) }); err != nil {
			rt.Fatal(err)
		}
	}
	if err := w.RunUntil(500 * time.Millisecond); err != nil {
		rt.Fatal(err)
	}
	healAll(rt, tn)
	if err := w.RunFor(400 * time.Millisecond); err != nil {
		rt.Fatal(err)
	}
	tn.checkQuiescent()
	checkReconnected(tn)
	if len(tn.violations) > 0 {
		rt.Fatalf("%d violations, first: %v", len(tn.violations), tn.violations)
	}
	if tn.delivered == 0 {
		rt.Fatal("no traffic was delivered: the test checks nothing")
	}
}

// ignore drops the error of a fault that no longer applies (crashing a node
// that is already down, say): random schedules produce those.
func ignore(error) {}

func drawFault(rt *rapid.T, tn *trafficNet, mix faultMix) func() error {
	w, names := tn.w, tn.names
	a := rapid.IntRange(0, len(names)-1).Draw(rt, "a")
	b := (a + 1 + rapid.IntRange(0, len(names)-2).Draw(rt, "b")) % len(names)
	var choices []func() error
	if mix.cuts {
		split := rapid.IntRange(1, len(names)-1).Draw(rt, "split")
		choices = append(choices,
			func() error { return tn.cut(a, b) },
			func() error { return tn.partition([][]string{names[:split], names[split:]}) },
			func() error { return w.HealLink(names[a], names[b]) },
			w.Heal)
	}
	if mix.crashes {
		mode := CrashMode(rapid.IntRange(0, 3).Draw(rt, "mode"))
		down := time.Duration(rapid.IntRange(1, 100).Draw(rt, "downMS")) * time.Millisecond
		choices = append(choices, func() error {
			if err := w.Crash(names[a], mode); err != nil {
				return err
			}
			return w.After(down, func() { ignore(w.Restart(names[a])) })
		})
	}
	if mix.pauses {
		pause := time.Duration(rapid.IntRange(1, 100).Draw(rt, "pauseMS")) * time.Millisecond
		choices = append(choices, func() error {
			if err := w.Pause(names[a]); err != nil {
				return err
			}
			return w.After(pause, func() { ignore(w.Resume(names[a])) })
		})
	}
	if mix.spikes {
		extra := time.Duration(rapid.IntRange(1, 50).Draw(rt, "spikeMS")) * time.Millisecond
		choices = append(choices, func() error { return w.Spike(names[a], names[b], extra, 30*time.Millisecond) })
	}
	if mix.clocks {
		jump := time.Duration(rapid.IntRange(-50, 50).Draw(rt, "jumpMS")) * time.Millisecond
		rate := rapid.Float64Range(0.5, 2).Draw(rt, "rate")
		choices = append(choices,
			func() error { return w.JumpClock(names[a], jump) },
			func() error { return w.SetClockRate(names[a], rate) })
	}
	return choices[rapid.IntRange(0, len(choices)-1).Draw(rt, "fault")]
}

func healAll(rt *rapid.T, tn *trafficNet) {
	w := tn.w
	if err := w.Heal(); err != nil {
		rt.Fatal(err)
	}
	for _, name := range tn.names {
		n := w.byName[name]
		switch n.state {
		case statePaused:
			ignore(w.Resume(name))
		case stateCrashed:
			ignore(w.Restart(name))
		}
	}
	// Restarts scheduled before the heal may still be pending; they fail
	// harmlessly on a running node.
}

// checkReconnected: after the heal every node holds a dialed connection to
// every peer again (reconnects are explicit and the harness redials).
func checkReconnected(tn *trafficNet) {
	for _, name := range tn.names {
		p := tn.procs[name]
		have := map[int]bool{}
		for _, cs := range p.conns {
			if cs.dialed {
				have[cs.peer] = true
			}
		}
		for peer := range tn.names {
			if peer != p.me && !have[peer] {
				tn.fail("%s has no connection to %s after the heal", name, tn.names[peer])
			}
		}
	}
}

func TestPropConnFIFO(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) { runTraffic(rt, faultMix{spikes: true, clocks: true}) })
}

func TestPropNothingCrossesCut(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) { runTraffic(rt, faultMix{cuts: true, spikes: true}) })
}

func TestPropBrokenConnReportedToBothEnds(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) { runTraffic(rt, faultMix{cuts: true, crashes: true}) })
}

func TestPropPausedNodesRunNothing(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) { runTraffic(rt, faultMix{pauses: true, crashes: true}) })
}

func TestPropAllFaults(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		runTraffic(rt, faultMix{cuts: true, crashes: true, pauses: true, spikes: true, clocks: true})
	})
}

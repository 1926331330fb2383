package simbench

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"

	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// Options are one measurement: a steady-load world (Servers servers,
// Clients register clients thinking ThinkMin..ThinkMax between operations,
// no faults) simulated for Duration, Runs times with seeds Seed, Seed+1, ...
// after one unmeasured warm-up run.
type Options struct {
	Servers  int
	Clients  int
	Duration time.Duration
	ThinkMin time.Duration
	ThinkMax time.Duration
	Runs     int
	Seed     uint64

	_ struct{}
}

// OptionsError is a measurement that cannot be set up from its Options.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// Scenario is the steady-load scenario the options describe, validated.
func (o Options) Scenario() (scenario.Scenario, error) {
	s := scenario.Scenario{Name: "bench-sim", Servers: o.Servers, Workload: "register", Clients: o.Clients,
		Duration: scenario.Duration(o.Duration),
		Think:    [2]scenario.Duration{scenario.Duration(o.ThinkMin), scenario.Duration(o.ThinkMax)}}.Defaults()
	if err := s.Validate(); err != nil {
		return scenario.Scenario{}, &OptionsError{err}
	}
	return s, nil
}

// Run is one measured world.
type Run struct {
	Seed   uint64
	SimNS  int64  // simulated time
	Events uint64 // events the world executed
	Ops    int    // history records
	Wall   time.Duration
	Allocs uint64 // heap allocations during the run
}

// Speed is simulated seconds per wall second.
func (r Run) Speed() float64 { return float64(r.SimNS) / float64(r.Wall.Nanoseconds()) }

// Measure runs the steady-load scenario o.Runs times and prints each run
// and the median to out: simulated seconds per wall second, events per
// wall second, and heap allocations per event.
func Measure(o Options, out io.Writer) error {
	s, err := o.Scenario()
	if err != nil {
		return err
	}
	if _, err := measure(s, o.Seed); err != nil { // warm-up: code paths, heap size
		return err
	}
	fmt.Fprintf(out, "steady load: %d servers, %d register clients (think %v-%v), %v simulated per run, GOMAXPROCS %d\n",
		o.Servers, o.Clients, o.ThinkMin, o.ThinkMax, o.Duration, runtime.GOMAXPROCS(0))
	fmt.Fprintf(out, "%6s %10s %10s %8s %12s %12s %13s\n", "seed", "wall", "events", "records", "sim-s/wall-s", "events/s", "allocs/event")
	runs := make([]Run, 0, o.Runs)
	for i := range o.Runs {
		r, err := measure(s, o.Seed+uint64(i))
		if err != nil {
			return err
		}
		runs = append(runs, r)
		fmt.Fprintf(out, "%6d %10v %10d %8d %12.1f %12.0f %13.2f\n", r.Seed, r.Wall.Round(time.Millisecond), r.Events, r.Ops,
			r.Speed(), float64(r.Events)/r.Wall.Seconds(), float64(r.Allocs)/float64(r.Events))
	}
	m := Median(runs)
	simS := float64(m.SimNS) / 1e9
	fmt.Fprintf(out, "median: %.1f sim-s/wall-s (%.0f events/s, %.2f allocs/event); load %.0f client ops and %.0f events per simulated s\n",
		m.Speed(), float64(m.Events)/m.Wall.Seconds(), float64(m.Allocs)/float64(m.Events), float64(m.Ops)/2/simS, float64(m.Events)/simS)
	return nil
}

// measure runs one world and measures its wall time and allocations.
func measure(s scenario.Scenario, seed uint64) (Run, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res, err := simrun.Run(s, seed, simrun.Options{})
	wall := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return Run{}, fmt.Errorf("bench --sim seed %d: %w", seed, err)
	}
	if res.Events == 0 || wall <= 0 {
		return Run{}, fmt.Errorf("bench --sim seed %d: the run executed no events", seed)
	}
	return Run{Seed: seed, SimNS: res.SimNS, Events: res.Events, Ops: len(res.History), Wall: wall,
		Allocs: after.Mallocs - before.Mallocs}, nil
}

// Median is the run with the median speed (the lower middle one for an
// even count): the machine is usually shared, so a mean would follow noise.
func Median(runs []Run) Run {
	sorted := append([]Run(nil), runs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Speed() < sorted[j].Speed() })
	return sorted[(len(sorted)-1)/2]
}

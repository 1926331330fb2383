package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"

	"github.com/spf13/pflag"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
	"github.com/zabsim/zabsim/workloads"
)

// simBenchFlags are `zabsim bench --sim`'s flags: the simulator's own speed
// at steady load (issue 4's figure), measured without any checking.
type simBenchFlags struct {
	on       bool
	servers  int
	clients  int
	duration time.Duration
	thinkMin time.Duration
	thinkMax time.Duration
	runs     int
	seed     uint64
}

func (f *simBenchFlags) define(fs *pflag.FlagSet) {
	fs.BoolVar(&f.on, "sim", false, "measure the simulator instead: simulated seconds per wall second at steady load (no faults, no checking)")
	fs.IntVar(&f.servers, "sim-servers", 5, "with --sim: ensemble size")
	fs.IntVar(&f.clients, "sim-clients", 10, "with --sim: register workload clients")
	fs.DurationVar(&f.thinkMin, "sim-think-min", workloads.DefaultThinkMin, "with --sim: shortest pause between a client's operations (the offered load)")
	fs.DurationVar(&f.thinkMax, "sim-think-max", workloads.DefaultThinkMax, "with --sim: longest pause between a client's operations")
	fs.DurationVar(&f.duration, "sim-duration", 60*time.Second, "with --sim: simulated time per run")
	fs.IntVar(&f.runs, "sim-runs", 5, "with --sim: measured runs (seeds sim-seed, sim-seed+1, ...), after one unmeasured warm-up run")
	fs.Uint64Var(&f.seed, "sim-seed", 1, "with --sim: first seed")
}

// simBenchRun is one measured world.
type simBenchRun struct {
	seed   uint64
	simNS  int64
	events uint64
	ops    int
	wall   time.Duration
	allocs uint64
}

func (r simBenchRun) speed() float64 { return float64(r.simNS) / float64(r.wall.Nanoseconds()) }

func (f simBenchFlags) scenario() (scenario.Scenario, error) {
	if f.servers < 1 || f.clients < 1 || f.duration <= 0 || f.runs < 1 {
		return scenario.Scenario{}, usagef("--sim-servers, --sim-clients, --sim-duration and --sim-runs must be positive")
	}
	if f.thinkMin < 0 || f.thinkMax <= 0 || f.thinkMin > f.thinkMax {
		return scenario.Scenario{}, usagef("--sim-think-min %v and --sim-think-max %v: want 0s <= min <= max and max more than 0s", f.thinkMin, f.thinkMax)
	}
	s := scenario.Scenario{Name: "bench-sim", Servers: f.servers, Workload: "register", Clients: f.clients,
		Duration: scenario.Duration(f.duration),
		Think:    [2]scenario.Duration{scenario.Duration(f.thinkMin), scenario.Duration(f.thinkMax)}}.Defaults()
	if err := s.Validate(); err != nil {
		return scenario.Scenario{}, usageError{err}
	}
	return s, nil
}

// runSimBench runs the steady-load scenario --sim-runs times and prints each
// run and the median: simulated seconds per wall second, events per wall
// second, and heap allocations per event.
func runSimBench(f simBenchFlags, out io.Writer) error {
	s, err := f.scenario()
	if err != nil {
		return err
	}
	if _, err := measureSimRun(s, f.seed); err != nil { // warm-up: code paths, heap size
		return err
	}
	fmt.Fprintf(out, "steady load: %d servers, %d register clients (think %v-%v), %v simulated per run, GOMAXPROCS %d\n",
		f.servers, f.clients, f.thinkMin, f.thinkMax, f.duration, runtime.GOMAXPROCS(0))
	fmt.Fprintf(out, "%6s %10s %10s %8s %12s %12s %13s\n", "seed", "wall", "events", "records", "sim-s/wall-s", "events/s", "allocs/event")
	runs := make([]simBenchRun, 0, f.runs)
	for i := range f.runs {
		r, err := measureSimRun(s, f.seed+uint64(i))
		if err != nil {
			return err
		}
		runs = append(runs, r)
		fmt.Fprintf(out, "%6d %10v %10d %8d %12.1f %12.0f %13.2f\n", r.seed, r.wall.Round(time.Millisecond), r.events, r.ops,
			r.speed(), float64(r.events)/r.wall.Seconds(), float64(r.allocs)/float64(r.events))
	}
	m := medianRun(runs)
	simS := float64(m.simNS) / 1e9
	fmt.Fprintf(out, "median: %.1f sim-s/wall-s (%.0f events/s, %.2f allocs/event); load %.0f client ops and %.0f events per simulated s\n",
		m.speed(), float64(m.events)/m.wall.Seconds(), float64(m.allocs)/float64(m.events), float64(m.ops)/2/simS, float64(m.events)/simS)
	return nil
}

// measureSimRun runs one world and measures its wall time and allocations.
func measureSimRun(s scenario.Scenario, seed uint64) (simBenchRun, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res, err := simrun.Run(s, seed, simrun.Options{})
	wall := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return simBenchRun{}, fmt.Errorf("bench --sim seed %d: %w", seed, err)
	}
	if res.Events == 0 || wall <= 0 {
		return simBenchRun{}, fmt.Errorf("bench --sim seed %d: the run executed no events", seed)
	}
	return simBenchRun{seed: seed, simNS: res.SimNS, events: res.Events, ops: len(res.History), wall: wall,
		allocs: after.Mallocs - before.Mallocs}, nil
}

// medianRun is the run with the median speed (the lower middle one for an
// even count): the machine is usually shared, so a mean would follow noise.
func medianRun(runs []simBenchRun) simBenchRun {
	sorted := append([]simBenchRun(nil), runs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].speed() < sorted[j].speed() })
	return sorted[(len(sorted)-1)/2]
}

package main

import (
	"errors"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/zabsim/zabsim/simbench"
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

// runSimBench wires `zabsim bench --sim`'s flags to simbench.Measure.
func runSimBench(f simBenchFlags, out io.Writer) error {
	if f.servers < 1 || f.clients < 1 || f.duration <= 0 || f.runs < 1 {
		return usagef("--sim-servers, --sim-clients, --sim-duration and --sim-runs must be positive")
	}
	if f.thinkMin < 0 || f.thinkMax <= 0 || f.thinkMin > f.thinkMax {
		return usagef("--sim-think-min %v and --sim-think-max %v: want 0s <= min <= max and max more than 0s", f.thinkMin, f.thinkMax)
	}
	err := simbench.Measure(simbench.Options{Servers: f.servers, Clients: f.clients, Duration: f.duration,
		ThinkMin: f.thinkMin, ThinkMax: f.thinkMax, Runs: f.runs, Seed: f.seed}, out)
	var bad *simbench.OptionsError
	if errors.As(err, &bad) {
		return usageError{err}
	}
	return err
}

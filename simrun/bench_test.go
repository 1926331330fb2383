package simrun

import (
	"runtime"
	"testing"
	"time"

	"github.com/zabsim/zabsim/scenario"
)

// BenchmarkEnsembleSteadyLoad measures simulated seconds per wall second for
// a 5-node ensemble with 10 register clients and no faults (issue 4's
// figure). Checking is not included. events/run and allocs/event are
// deterministic for a given b.N (seeds 1..N), so they compare across noisy
// machines where the wall-clock figures do not; `zabsim bench -sim` prints
// the same figures per run.
func BenchmarkEnsembleSteadyLoad(b *testing.B) {
	s := scenario.Scenario{Name: "bench", Servers: 5, Workload: "register", Clients: 10, Duration: secs(60)}.Defaults()
	var simNS, events, ops int64
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := Run(s, uint64(i+1), Options{})
		if err != nil {
			b.Fatal(err)
		}
		simNS += res.SimNS
		events += int64(res.Events)
		ops += int64(len(res.History))
	}
	wall := time.Since(start).Seconds()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(simNS)/1e9/wall, "sim-s/wall-s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(ops)/float64(b.N), "records/run")
}

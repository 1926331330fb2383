package scenarios

import (
	"testing"
	"time"
)

// BenchmarkEnsembleSteadyLoad measures simulated seconds per wall second for
// a 5-node ensemble with 10 register clients and no faults (issue 4's
// figure). Checking is not included.
func BenchmarkEnsembleSteadyLoad(b *testing.B) {
	s := Scenario{Name: "bench", Servers: 5, Workload: "register", Clients: 10, Duration: secs(60)}.Defaults()
	var simNS, events, ops int64
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
	b.ReportMetric(float64(simNS)/1e9/wall, "sim-s/wall-s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(ops)/float64(b.N), "records/run")
}

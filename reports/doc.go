// Package reports turns the results of zabsim runs into files a person reads:
// gonum plots of a run's history (raw latency, latency quantiles, throughput,
// availability, a per-node role/epoch timeline), each with the nemesis's
// fault intervals shaded; a self-contained index.html per run directory and
// per suite; and JUnit XML for CI systems.
//
// Every file is written atomically (a temporary file in the same directory,
// then a rename), so a reader never sees half a page or half an image. Output
// is a pure function of the input: map keys are sorted, nothing reads the
// clock, and pages embed no generation time, so the same run renders the same
// bytes.
//
// reports runs after a simulation, never inside one. It imports history,
// checker and gonum.org/v1/plot; it must never import sim, server, client,
// workloads, scenarios or live.
package reports

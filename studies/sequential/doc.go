// Package sequential is the sequential case study (a study.Study, registered
// in package studies): sequential znodes that must stay unique and monotonic:
// the worker, the sequential checker and the create values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package sequential

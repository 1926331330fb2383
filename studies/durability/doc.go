// Package durability is the durability case study (a study.Study, registered
// in package studies): no acknowledged write lost across crash-restarts of
// every node: the worker, the durability checker and the write/final-read
// values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package durability

// Package api is the api case study (a study.Study, registered in package
// studies): random operations over the whole client API, judged reply by reply
// against model's znode-tree spec: the worker (worker.go), the checker that
// replays the quorum's committed txns (check.go, watch.go: one-shot watches
// and SetWatches, persist.go: persistent watches), and the api values with the
// operations' round-trip text form (values.go).
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package api

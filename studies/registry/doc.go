// Package registry is the registry case study (a study.Study, registered in
// package studies): a Kafka-style broker registry of ephemeral members:
// brokers and watchers, the registry checker (no ghost or stuck member,
// convergence) and the join/leave/expire/view values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package registry

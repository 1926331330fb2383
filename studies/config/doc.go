// Package config is the config case study (a study.Study, registered in
// package studies): Kafka-style topic configs read through watches: the
// writers and watchers, the config checker (convergence, order, no lost event)
// and the observe/notify values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package config

// Package exhibitor is the exhibitor case study (a study.Study, registered
// in package studies): Netflix Exhibitor's job, an operator that makes
// rolling membership changes through ZooKeeper's reconfig and watches
// /zookeeper/config, and the checkers that judge it (config convergence,
// per-session config order, availability during changes). It needs an
// ensemble run with dynamic reconfiguration (scenario reconfig: true).
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history and server/wire; it must never import
// sim, live, server (beyond server/wire), scenarios, reports or cmd.
package exhibitor

// Package election is the election case study (a study.Study, registered in
// package studies): HDFS NameNode-style leader election with fenced writes:
// the candidates, the election checker (one leader per term, fencing,
// failover) and the campaign/resign/fenced-write values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package election

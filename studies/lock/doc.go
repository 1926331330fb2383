// Package lock is the lock case study (a study.Study, registered in package
// studies): a Storm/Curator-style lock with fencing tokens: the worker, the
// lock checker (mutual exclusion among the holds a fenced resource accepts)
// and the acquire/release/lost values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package lock

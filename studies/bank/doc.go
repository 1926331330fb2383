// Package bank is the bank case study (a study.Study, registered in package
// studies): multi transfers between accounts that must keep the total
// constant: the worker, the bank checker and the transfer/read values.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package bank

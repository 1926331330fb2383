// Package register is the register case study (a study.Study, registered in
// package studies): versioned registers under reads, sync+reads, writes and
// compare-and-set: the worker; its values (history.RegisterValue) and checkers
// (linearizable, zxid-order) are the generic ones.
//
// Its worker is deterministic (it runs inside the simulation): no wall clock,
// goroutines, locks, os, net or global randomness. It imports study,
// workloads, client, checker, history, model and server/wire; it must never
// import sim, live, server (beyond server/wire), scenarios, reports or cmd.
package register

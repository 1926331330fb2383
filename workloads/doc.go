// Package workloads owns the worker machinery every case study's workload
// shares: the worker process (Base: client lifecycle, setup, think times,
// history records, process numbers, the Finish/Final protocol), the Driver
// seam a study implements to give workers their operations (Define makes a
// Workload of one), the Client interface, the ephemeral-sequential Queue
// recipe and the outcome rules. The drivers themselves live with their
// studies (studies/register, studies/election, ...; see package study).
//
// A workload is a set of worker processes. Each worker is a proc.Process
// hosting a ZooKeeper session behind the small Client interface: zabsim's
// deterministic client.Client in simulation (the default), or the live
// tier's go-zookeeper/zk adapter given as WorkerConfig.NewClient. It draws
// operations from its Env's seeded random stream on its own timers, keeps at
// most one operation outstanding (Jepsen's single-threaded process model),
// and records every operation as history.Op values handed to Env.Emit with
// Index and Time left zero: the host (a simulator observer, or the live
// recorder) stamps them.
//
// Completion types decide checker soundness, so each workload classifies its
// results with care: ok = the op certainly took effect, fail = it certainly
// did not (a ZooKeeper error that means "not applied", such as BADVERSION or
// NONODE, or a request that was never sent), info = anything else
// (connection loss, timeout, session expiry with the request in flight).
// After an info completion the worker retires its process number, as Jepsen
// does: its next op uses process + Workers. A config watcher's watch-event
// records ("notify") arrive while its observe may be open, so they use a
// process of their own, the last of the incarnation's range.
//
// The host controls a worker through the Worker interface, always on the
// worker's own event loop (a sim World.Schedule'd function, or live
// Node.Do): Finish stops new operations, Final runs the workload's
// final-phase reads, and Done reports that the final phase is over.
//
// Like every deterministic package, workloads never reads the wall clock,
// sleeps, starts goroutines, locks, or touches net, os or global randomness,
// and sorts map keys before anything observable. It imports proc, client,
// history, server/wire and the standard library only; it must never import
// sim, server (beyond server/wire), checker, study, studies, scenarios,
// reports or live.
package workloads

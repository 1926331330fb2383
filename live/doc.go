// Package live is the real runtime for proc processes: TCP on loopback (or
// any local address), UDP datagrams beside each listener, the wall clock
// (shifted by an offset file when ZABSIM_CLOCK_OFFSET_FILE names one),
// timers and a directory-backed disk.
//
// A Node hosts one proc.Process. One goroutine, the event loop, owns the
// process and every piece of mutable runtime state (connections, listeners,
// timers, open files); other goroutines (one acceptor per listener, a reader
// and a writer per connection, one per dial, per fsync and per datagram
// socket) only post events to the loop. The process therefore sees its
// events one at a time, exactly as in the simulator, and never observes
// concurrency. Timers live in one heap behind one time.Timer, so timers due
// together fire in arming order, as in the simulator's (time, sequence)
// queue. Go code outside the process (tests, drivers, supervisors) reaches
// it through Node.Do, which runs a function on the loop goroutine.
//
// The live tier's other jobs are packages below this one, each built on
// Node: live/serverproc (a zabsim server in a Node: `zabsim server`'s
// start-up, AdminServer, metrics), live/cluster (the supervisor of server
// processes and their real faults), live/zkclient (the go-zookeeper
// adapter the workloads drive and a raw jute client), live/crosscheck
// (zabsim against Apache ZooKeeper, reply by reply) and live/bench (the
// go-zookeeper load generator).
//
// live imports proc and the standard library only: not the server (a Node
// hosts any process), not its own subpackages, and never sim, scenarios or
// cmd. Unlike the deterministic packages it may use time, goroutines, sync,
// net and os: it is where those are confined.
package live

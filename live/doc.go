// Package live is the real runtime for proc processes: TCP on loopback (or
// any local address), UDP datagrams beside each listener, the wall clock,
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
// Beside the runtime, live holds the live tier's ZooKeeper tooling:
// StartServer runs a zabsim server in a Node; StartApacheZooKeeper runs a
// real Apache ZooKeeper 3.8 standalone server (Debian's package) in its own
// process group; RawClient speaks raw jute (session resumption, every
// opcode, exact event/reply interleaving); RunBench is a closed-loop
// go-zookeeper/zk load generator whose results WriteBenchTable prints side
// by side. The differential test against Apache ZooKeeper lives here too
// (differential_test.go; deliberate differences in docs/deviations.md).
//
// live may import proc, the server packages, client, history, workloads,
// nemesis and checker; it must never import sim or cmd. Unlike the
// deterministic packages it may use time, goroutines, sync, net and os: it is
// where those are confined.
package live

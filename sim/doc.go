// Package sim is zabsim's deterministic simulator: one world, one goroutine,
// one event queue, one seed.
//
// # What it owns
//
// The World hosts proc.Process instances (nodes) and implements proc.Env for
// each: simulated clocks, a simulated network of TCP-like connections and
// datagrams, a simulated disk per node (Disk, usable on its own), process
// lifecycle (start, crash, restart, pause, resume), fault injection, named
// random streams, observers and a trace hash. sim imports only proc and the
// standard library; it must never import server, client, checker, workloads,
// model, scenarios, reports, live or cmd, nor net, os, sync, or global
// randomness, and it never reads the wall clock or starts goroutines.
//
// # Determinism
//
// Events run in (time, sequence number) order; the sequence number is the
// order in which they were queued, so ties are broken the same way on every
// run. Every random choice comes from a PCG stream derived from the seed and
// a stream name ("net", "disk/<node>", "proc/<node>/<start>", ...), so adding
// a component does not shift another's stream. Map keys are sorted before
// they influence the queue. TraceHash is an FNV-1a hash over every executed
// event (time, sequence, node, kind, connection/timer/sync id, payload
// bytes), every lifecycle change and every fault change: the same seed,
// scenario and code give the same hash under any GOMAXPROCS and -race.
// Logging (Options.Log) and observers never change the run.
//
// # Network
//
// Addresses are "node:port". A connection is FIFO in each direction and
// reliable while it lasts: a chunk's arrival time is max(now+latency, arrival
// of the previous chunk that way), so latency draws and delay spikes never
// reorder it. Dial reaches the target after one link latency; if it listens
// there the target gets Accepted and the dialer Connected one latency later;
// if not (or the target is down) the dialer gets Closed{ErrConnRefused}.
// A connection breaks when the link between its ends is cut in either
// direction (it needs both) or either end crashes: bytes in flight are
// dropped, nothing more crosses, and each surviving end gets
// Closed{ErrConnReset} after Options.BreakDetect. A dial over a cut link
// fails the same way (a connect timeout). Close delivers Closed{Err: nil} to
// the peer after the bytes already sent. Healing a link does not revive
// connections: processes dial again. Datagrams are delivered to a node that
// Listens on the destination address, subject to the link's loss,
// duplication and reordering; a datagram is dropped if its link is cut at
// any moment between its sending and its arrival. Partitions are a matrix of directed links:
// Cut (one way), Partition (groups, both ways), HealLink, Heal.
//
// # Clocks and timers
//
// Each node has a wall clock and a monotonic clock, as a real machine has
// CLOCK_REALTIME and CLOCK_MONOTONIC. The wall clock reads EpochNS + offset
// at world time 0 and advances at the node's rate (drift) per world
// nanosecond; JumpClock steps it forwards or backwards; Env.Now returns it.
// The monotonic clock drifts at the same rate but never jumps. A timer armed
// with After(d) is a deadline d ahead on the monotonic clock: drift
// stretches or shrinks it, a jump does not move it (timeouts in Go and in
// ZooKeeper since 3.5 use monotonic time, so a clock step changes
// timestamps and wall-clock comparisons, not when timeouts fire).
// A cancelled timer never fires and is not an event: its queue entry is
// dropped unexecuted (unhashed, uncounted, not held for a paused node,
// not moving the clock), and such entries are swept out of the queue when
// they may be a quarter of it.
//
// # Lifecycle
//
// Crash ends the process: memory, timers, listeners, connections (peers
// learn after the break delay) and pending syncs are gone; the disk keeps
// its synced bytes and, per CrashMode, none, a random prefix, or a torn last
// write of the unsynced ones. Restart builds a new process from the factory
// on the same disk. Pause freezes a node: its events wait and are delivered
// in order after Resume; its connections stay up and its clock keeps going.
//
// # Changing the world from inside
//
// World methods may be called from Schedule'd functions (they apply at once)
// and from observers or processes' Emit paths (they apply right after the
// current event). A deferred change that no longer applies is reported to
// observers as a "skipped" fault record.
//
// # Cost per event
//
// Delivering an event is the hot path of every run. A process that
// implements proc.ReceivedHandler, proc.TimerHandler or proc.SyncDoneHandler
// gets those events through the method, unboxed, unless an observer records
// events; an observer that is a KindObserver and does not ask for
// RecordEvent costs nothing per delivered event.
package sim

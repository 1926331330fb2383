// Package cluster supervises real server processes on one machine: Start
// lays out and runs an ensemble of N `zabsim server` processes or Apache
// ZooKeeper 3.8 JVMs (per-node dirs and zoo.cfg, process groups, health by
// ruok/srvr, logs captured, cleanup on every path) and implements
// nemesis.Host with real faults — kill -9 and restart, SIGSTOP/SIGCONT,
// per-directed-link TCP proxies on the quorum and election ports for
// partitions and latency (ZooKeeper's election handshake address is
// rewritten to the proxy), clock skew through the runtime's offset file
// (zabsim) or libfaketime (JVM); disk faults are nemesis.ErrUnsupported.
// It also runs a standalone Apache ZooKeeper (StartApacheZooKeeper), speaks
// four-letter words, hands out ports and builds the zabsim binary for tests.
//
// cluster may import live (the clock offset file's contract), nemesis,
// server/config and reports (atomic file writes). It starts servers as
// processes, so it must not import the server itself, the clients or
// workloads, the other live packages, and never sim, scenarios or cmd.
package cluster

// Package liverun is the live tier's test driver: it runs a scenario — the
// simulator's workload, nemesis schedule and checkers — against a real
// cluster (live/cluster's Start: zabsim server processes or Apache
// ZooKeeper 3.8 JVMs) and writes the same run directory as a simulated
// run. Workers are hosted in this process on live Nodes and talk to the
// servers through go-zookeeper/zk (zkclient.GoZK); nemesis steps are
// applied at wall-clock times through the cluster's nemesis.Host; the
// history is stamped with wall time since the start and judged by the
// scenario's workload checkers and liveness; the run directory is written
// by rundir.
//
// It is a package of its own because it joins the two sides the
// architecture keeps apart: it imports live and the simulator-free halves
// of the harness (scenario, rundir), never sim, simrun or campaign, and
// nothing imports it but cmd/zabsim.
package liverun

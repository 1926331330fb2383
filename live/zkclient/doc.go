// Package zkclient holds the clients that drive a live server. GoZK adapts
// go-zookeeper/zk to workloads.Client, so the simulator's workload workers
// run unchanged against real servers: calls run on goroutines, completions
// are posted into the worker's Node loop, and a frame tap on the
// connection recovers reply zxids and exact error codes and puts
// SetWatches first on a reconnect, as ZooKeeper's Java client does.
// RawClient speaks raw jute (every opcode, session resumption, exact
// event/reply interleaving) for what go-zookeeper cannot say.
//
// zkclient may import live, proc, client, workloads and server/wire; it
// must not import the server, the other live packages, and never sim,
// scenarios or cmd.
package zkclient

// Package tree is the coordination server's DataTree: znodes with data,
// ACLs and StatPersisted fields, the per-session ephemeral index, container
// and TTL indexes, the data/child watch managers, ACL checks, path
// validation, snapshots and a replica digest. It behaves as ZooKeeper 3.8's
// DataTree, WatchManager, PathUtils, ACL providers and ContainerManager
// candidate selection do; every departure is documented where it is made.
//
// The tree is applied to, not asked: the prep stage validates a request
// against it (Node, CheckACL, FixupACL, ValidatePath, SequentialName) and
// turns it into a txn.Txn; once the txn is committed, ApplyTxn applies it
// exactly as DataTree.processTxn does and returns the per-op results and
// the watch events it fired. Reads (GetData, Exists, GetChildren, ...) may
// arm watches; watchers are opaque int64 ids the server chooses.
//
// Determinism: the tree never reads a clock, never starts goroutines and
// never lets map iteration order reach a result. Children, ephemerals,
// cleanup candidates and snapshot contents are sorted; events come in
// ZooKeeper's trigger order with watchers ascending within one trigger.
// Time enters only as the txn header's TimeMS and as arguments.
//
// Not modelled: quota accounting (DataTree updates zookeeper_stats nodes
// under /zookeeper/quota; zabsim creates /zookeeper/quota but never updates
// stats under it) and ZooKeeper's own digest algorithm (Digest is zabsim's
// FNV-1a sum, comparable between zabsim replicas only).
//
// The tree knows nothing of session liveness, connections or time sources.
// It imports only the standard library, server/wire and server/txn; it must
// never import other server packages, the simulator, net, os, sync or
// math/rand.
package tree

// Package server composes the ZooKeeper-compatible coordination server from
// its parts: the wire codec (server/wire), the transaction records
// (server/txn), the DataTree (server/tree), the session tracker
// (server/session) and durable storage (server/storage). Server is a
// proc.Process: the same code runs inside the simulator and, through the live
// runtime, as a real TCP server that ZooKeeper clients connect to.
//
// The request pipeline is ZooKeeper's:
//
//	connection → prep (validate against the tree plus outstanding changes,
//	build a txn, assign a zxid) → log + group-commit fsync → apply to the
//	tree → reply
//
// Reads skip the log but wait behind earlier writes of the same session, so
// every session sees its own writes and replies leave in request order; watch
// events are sent when a txn is applied, before any later reply that could
// reflect it.
//
// server may import proc and the server/... packages below it; never sim,
// live, client, checker or anything above it.
package server

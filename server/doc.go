// Package server composes the ZooKeeper-compatible coordination server from
// its parts: the wire codec (server/wire), the transaction records
// (server/txn), the DataTree (server/tree), the session tracker
// (server/session), durable storage (server/storage), PrepRequestProcessor
// (server/prep), Zab (server/zab) and its peer links (server/quorum). Server
// is a proc.Process: the same code runs inside the simulator and, through
// the live runtime, as a real TCP server that ZooKeeper clients connect to.
//
// The request pipeline is ZooKeeper's, one for every server:
//
//	connection → prep (validate against the tree plus outstanding changes,
//	build a txn, assign a zxid) → replication → apply to the tree → reply
//
// Replication is one seam (replication.go) with two sides: a standalone
// server logs its txns and applies them once a group-commit fsync made them
// durable; an ensemble member goes through Zab — its leader preps its own
// clients' writes directly and proposes them, learners forward writes to
// the leader, and every member applies what Zab commits (ensemble.go
// carries out the peer's Readys; forward.go is what learners hand the
// leader). Reads skip replication but wait behind earlier writes of the
// same session, so every session sees its own writes and replies leave in
// request order; watch events are sent when a txn is applied, before any
// later reply that could reflect it. What operators ask (four-letter words,
// AdminServer, metrics) is rendered by server/monitor from a Status.
//
// server may import proc and the server/... packages below it; never sim,
// live, client, checker, workloads, scenarios or anything above it.
package server

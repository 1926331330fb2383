// Package prep is ZooKeeper's PrepRequestProcessor: it validates a write
// against the DataTree plus the outstanding changes (ChangeRecords) of the
// writes prepped before it but not applied yet, and turns it into a txn —
// an ErrorTxn when validation fails, every op of a multi under one zxid with
// a rollback of its changes on the first failure, a closeSession that
// collects the session's ephemerals and marks it closing, a reconfig
// checked against the Zab peer's active and pending configs. It owns the
// outstanding changes; the caller (package server, on a standalone server
// or an ensemble's leader) assigns zxids, hands the txns on and reports each
// applied one.
//
// prep may import server/tree, session, txn, wire, config, zab and bugs;
// never package server, sim, live, client, checker or anything above them.
package prep

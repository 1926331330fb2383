// Package model owns zabsim's sequential specifications: Porcupine models of
// a versioned register per znode (read, write, cas on version, sync-read),
// partitioned per key, with conversion from history records; and Tree, an
// independent reference spec of the ZooKeeper znode tree (create in every
// mode but TTL, delete, setData, getData, exists, getChildren, check, multi,
// multiRead, getAllChildrenNumber, getEphemerals, containers, sessions'
// ephemerals, sequential names from cversion, and the watch triggers each
// write fires) used by the api checker, which replays committed txns
// through it, and by differential tests against the server.
//
// model is deterministic. It imports porcupine and history only; it must
// never import server (the spec must stay independent of the code it
// judges), client, sim, live or checker.
package model

// Package quorum owns the links between the servers of an ensemble: the
// quorum listener, dialling (the higher id dials the lower, as ZooKeeper's
// QuorumCnxManager does, retried every peer tick), the id handshake and a
// joiner's address announce, length-prefixed framing, and the encoding and
// decoding of Zab messages on those links. It hands every decoded message
// to a Handler and tells it when a link to a peer is gone; what the
// messages mean is server/zab's business, and what the server does with
// Zab's effects is package server's.
//
// quorum may import proc, server/wire and server/zab; never package server,
// sim, live, client, checker or anything above them.
package quorum

// Package codec is Zab's wire encoding: FastLeaderElection notifications
// and jute QuorumPackets as ZooKeeper 3.8 lays them out, framed with a
// channel byte for hosts that carry both on one stream (the live tier's
// peer links, server/quorum; a simulated ensemble may check every message
// through it). The state machine in server/zab never encodes a message
// itself, as etcd-raft's core leaves raftpb's encoding to its hosts.
//
// codec imports server/zab (the message types) and server/wire (jute); it
// must never import package server, sim or anything above them.
package codec

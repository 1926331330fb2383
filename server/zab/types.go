package zab

import "fmt"

// Zxid helpers. A zxid is epoch<<32 | counter, as in ZooKeeper's ZxidUtils.

// MakeZxid builds a zxid from an epoch and a counter.
func MakeZxid(epoch uint32, counter uint32) int64 { return int64(uint64(epoch)<<32 | uint64(counter)) }

// EpochOf returns the epoch half of a zxid.
func EpochOf(zxid int64) uint32 { return uint32(uint64(zxid) >> 32) }

// CounterOf returns the counter half of a zxid.
func CounterOf(zxid int64) uint32 { return uint32(uint64(zxid)) }

// ZxidString formats a zxid as epoch:counter in hex, the way ZooKeeper logs it.
func ZxidString(zxid int64) string {
	if zxid < 0 {
		return fmt.Sprintf("%d", zxid)
	}
	return fmt.Sprintf("%x:%x", EpochOf(zxid), CounterOf(zxid))
}

// MaxCounter is the last usable counter: ZooKeeper forces a new election
// rather than let the counter roll over into the epoch bits.
const MaxCounter = 0xffffffff

// Role is a peer's server state; the values are ZooKeeper's
// QuorumPeer.ServerState ordinals, which FLE notifications carry on the wire.
type Role int32

// Roles.
const (
	RoleLooking   Role = 0
	RoleFollowing Role = 1
	RoleLeading   Role = 2
	RoleObserving Role = 3
)

func (r Role) String() string {
	switch r {
	case RoleLooking:
		return "looking"
	case RoleFollowing:
		return "following"
	case RoleLeading:
		return "leading"
	case RoleObserving:
		return "observing"
	}
	return fmt.Sprintf("role(%d)", int32(r))
}

// RoleState is what a host needs to know about a peer's role: who leads,
// in which epoch, and whether the local server may serve clients.
type RoleState struct {
	Role   Role
	Leader uint64 // 0 while looking
	Epoch  uint32 // the established epoch; 0 until known
	// Serving is true once the leader is established (leader) or UPTODATE
	// arrived (learner): only then may the host answer clients.
	Serving bool
}

func (s RoleState) String() string {
	return fmt.Sprintf("%s leader=%d epoch=%d serving=%t", s.Role, s.Leader, s.Epoch, s.Serving)
}

// Entry is one transaction of the replicated log. Data is opaque to Zab (the
// server's prep stage produced it).
type Entry struct {
	Zxid int64
	Data []byte
}

// Snapshot is an opaque serialization of the host's state machine as of Zxid.
type Snapshot struct {
	Zxid int64
	Data []byte
}

// SnapshotSource gives a leader the bytes it sends in SNAP. Snapshot must
// return the host's state machine exactly as of the returned Zxid, which must
// be at most the last zxid the Peer delivered in Ready.Commit. It is called
// from inside Step/Tick, so it must not call back into the Peer.
type SnapshotSource interface {
	Snapshot() (Snapshot, error)
}

// Envelope is a message addressed to a peer.
type Envelope struct {
	To  uint64
	Msg Message
}

// Request is a client write forwarded by a learner (ZooKeeper's REQUEST
// packet), for the leader's prep stage.
type Request struct {
	From uint64
	Data []byte
}

// Touch carries session touches a learner piggybacked on a PING reply.
type Touch struct {
	From uint64
	Data []byte
}

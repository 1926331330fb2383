package zab

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/server/wire"
)

// Message is either a *Notification (fast leader election, sent on
// ZooKeeper's election port) or a *Packet (a QuorumPacket, sent on the
// quorum port). Peers never mutate a Message after sending it.
type Message interface{ isMessage() }

// Notification is a fast-leader-election message: the sender's state and its
// current vote.
type Notification struct {
	State         Role
	Leader        uint64 // proposed (or followed) leader
	Zxid          int64  // proposed leader's last zxid
	ElectionEpoch uint64 // sender's logical clock
	PeerEpoch     uint32 // proposed leader's currentEpoch
	// Config is the sender's active config text (dynamic reconfiguration;
	// empty otherwise). Never modified once sent.
	Config []byte
}

func (*Notification) isMessage() {}

func (n *Notification) String() string {
	return fmt.Sprintf("vote{%s leader=%d zxid=%s round=%d epoch=%d}",
		n.State, n.Leader, ZxidString(n.Zxid), n.ElectionEpoch, n.PeerEpoch)
}

// PacketType is a QuorumPacket type (Leader.java constants).
type PacketType int32

// Packet types of ZooKeeper 3.8.
const (
	PacketRequest    PacketType = 1
	PacketProposal   PacketType = 2
	PacketAck        PacketType = 3
	PacketCommit     PacketType = 4
	PacketPing       PacketType = 5
	PacketRevalidate PacketType = 6
	PacketSync       PacketType = 7
	PacketInform     PacketType = 8
	// PacketCommitAndActivate is COMMIT for a reconfig txn; Data is the
	// designated leader's id (8 bytes).
	PacketCommitAndActivate PacketType = 9
	PacketNewLeader         PacketType = 10
	PacketFollowerInfo      PacketType = 11
	PacketUpToDate          PacketType = 12
	PacketDiff              PacketType = 13
	PacketTrunc             PacketType = 14
	PacketSnap              PacketType = 15
	PacketObserverInfo      PacketType = 16
	PacketLeaderInfo        PacketType = 17
	PacketAckEpoch          PacketType = 18
	// PacketInformAndActivate is INFORM for a reconfig txn; Data is the
	// designated leader's id (8 bytes) and then the txn.
	PacketInformAndActivate PacketType = 19
)

var packetNames = map[PacketType]string{
	PacketRequest: "REQUEST", PacketProposal: "PROPOSAL", PacketAck: "ACK", PacketCommit: "COMMIT",
	PacketPing: "PING", PacketRevalidate: "REVALIDATE", PacketSync: "SYNC", PacketInform: "INFORM",
	PacketNewLeader: "NEWLEADER", PacketFollowerInfo: "FOLLOWERINFO", PacketUpToDate: "UPTODATE",
	PacketDiff: "DIFF", PacketTrunc: "TRUNC", PacketSnap: "SNAP", PacketObserverInfo: "OBSERVERINFO",
	PacketLeaderInfo: "LEADERINFO", PacketAckEpoch: "ACKEPOCH",
	PacketCommitAndActivate: "COMMITANDACTIVATE", PacketInformAndActivate: "INFORMANDACTIVATE",
}

// Known reports whether t is a packet type zabsim peers send.
func (t PacketType) Known() bool { return knownPacket(t) }

// knownPacket reports whether t is a packet type of packetNames (a switch:
// every received message asks).
func knownPacket(t PacketType) bool {
	switch t {
	case PacketRequest, PacketProposal, PacketAck, PacketCommit, PacketPing, PacketRevalidate,
		PacketSync, PacketInform, PacketNewLeader, PacketFollowerInfo, PacketUpToDate, PacketDiff,
		PacketTrunc, PacketSnap, PacketObserverInfo, PacketLeaderInfo, PacketAckEpoch,
		PacketCommitAndActivate, PacketInformAndActivate:
		return true
	}
	return false
}

func (t PacketType) String() string {
	if s, ok := packetNames[t]; ok {
		return s
	}
	return fmt.Sprintf("packet(%d)", int32(t))
}

// Packet is ZooKeeper's QuorumPacket {type, zxid, data, authinfo}. authinfo
// is always empty between zabsim peers. What Data holds per type is
// documented in doc.go ("Packet payloads").
type Packet struct {
	Type PacketType
	Zxid int64
	Data []byte
}

func (*Packet) isMessage() {}

func (p *Packet) String() string {
	if len(p.Data) == 0 {
		return fmt.Sprintf("%s %s", p.Type, ZxidString(p.Zxid))
	}
	return fmt.Sprintf("%s %s (%d bytes)", p.Type, ZxidString(p.Zxid), len(p.Data))
}

// Frame channel tags for MarshalMessage: a host that carries both kinds on
// one stream prefixes each body with one of these bytes.
const (
	ChannelElection byte = 1
	ChannelQuorum   byte = 2
)

// NotificationVersion is FastLeaderElection's Notification.CURRENTVERSION.
const NotificationVersion = 2

// learnerProtocolVersion is the protocol version a 3.8 learner and leader
// exchange in LearnerInfo and LEADERINFO.
const learnerProtocolVersion = 0x10000

// ErrBadMessage reports a body that is not a valid message.
var ErrBadMessage = errors.New("zab: malformed message")

// Payload helpers: small fixed layouts inside Packet.Data.

func encodeInt64(v int64) []byte { return appendInt64(make([]byte, 0, 8), v) }

// appendInt64 is encodeInt64 into dst (see Peer.payload).
func appendInt64(dst []byte, v int64) []byte {
	e := wire.NewEncoder(dst)
	e.Int64(v)
	return e.Bytes()
}

func decodeInt64(b []byte) (int64, error) {
	d := wire.NewDecoder(b)
	v := d.Int64()
	if d.Err() != nil || d.Remaining() != 0 {
		return 0, fmt.Errorf("%w: want 8-byte payload, got %d bytes", ErrBadMessage, len(b))
	}
	return v, nil
}

func encodeInt32(v int32) []byte {
	e := wire.NewEncoder(make([]byte, 0, 4))
	e.Int32(v)
	return e.Bytes()
}

func decodeInt32(b []byte) (int32, error) {
	d := wire.NewDecoder(b)
	v := d.Int32()
	if d.Err() != nil || d.Remaining() != 0 {
		return 0, fmt.Errorf("%w: want 4-byte payload, got %d bytes", ErrBadMessage, len(b))
	}
	return v, nil
}

// encodeLearnerInfo writes LearnerInfo {serverid i64, protocolVersion i32,
// configVersion i64}, the FOLLOWERINFO/OBSERVERINFO payload.
func encodeLearnerInfo(id uint64) []byte {
	e := wire.NewEncoder(make([]byte, 0, 20))
	e.Int64(int64(id))
	e.Int32(learnerProtocolVersion)
	e.Int64(0)
	return e.Bytes()
}

// encodePingReply writes a learner's PING reply: the echoed round and the
// session touches queued since the previous reply.
func encodePingReply(round int64, touches [][]byte) []byte {
	return appendPingReply(make([]byte, 0, pingReplySize(touches)), round, touches)
}

// pingReplySize is the encoded size of a PING reply carrying touches.
func pingReplySize(touches [][]byte) int {
	size := 8 + 4
	for _, t := range touches {
		size += 4 + len(t)
	}
	return size
}

// appendPingReply is encodePingReply into dst (see Peer.payload).
func appendPingReply(dst []byte, round int64, touches [][]byte) []byte {
	e := wire.NewEncoder(dst)
	e.Int64(round)
	e.VectorLen(len(touches), false)
	for _, t := range touches {
		e.Buffer(t)
	}
	return e.Bytes()
}

func decodePingReply(b []byte) (round int64, touches [][]byte, err error) {
	d := wire.NewDecoder(b)
	round = d.Int64()
	n, _ := d.VectorLen(4)
	if n > 0 {
		touches = make([][]byte, 0, n)
	}
	for i := 0; i < n && d.Err() == nil; i++ {
		// Views, not copies: a received packet's Data is never modified.
		touches = append(touches, d.BufferView())
	}
	if d.Err() != nil || d.Remaining() != 0 {
		return 0, nil, fmt.Errorf("%w: ping reply", ErrBadMessage)
	}
	return round, touches, nil
}

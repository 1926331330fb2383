package zab

import (
	"encoding/binary"
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

// notificationVersion is FastLeaderElection's Notification.CURRENTVERSION.
const notificationVersion = 2

// learnerProtocolVersion is the protocol version a 3.8 learner and leader
// exchange in LearnerInfo and LEADERINFO.
const learnerProtocolVersion = 0x10000

// ErrBadMessage reports a body that is not a valid message.
var ErrBadMessage = errors.New("zab: malformed message")

// EncodeNotification appends n in FastLeaderElection.buildMsg layout: state
// i32, leader i64, zxid i64, electionEpoch i64, peerEpoch i64, version i32,
// config buffer (the sender's active config with dynamic reconfiguration,
// else empty).
func EncodeNotification(e *wire.Encoder, n *Notification) {
	e.Int32(int32(n.State))
	e.Int64(int64(n.Leader))
	e.Int64(n.Zxid)
	e.Int64(int64(n.ElectionEpoch))
	e.Int64(int64(n.PeerEpoch))
	e.Int32(notificationVersion)
	if n.Config == nil {
		e.Buffer([]byte{})
	} else {
		e.Buffer(n.Config)
	}
}

// DecodeNotification reads a notification written by EncodeNotification.
func DecodeNotification(b []byte) (*Notification, error) {
	d := wire.NewDecoder(b)
	n := &Notification{
		State:         Role(d.Int32()),
		Leader:        uint64(d.Int64()),
		Zxid:          d.Int64(),
		ElectionEpoch: uint64(d.Int64()),
	}
	peerEpoch := d.Int64()
	version := d.Int32()
	if cfg := d.Buffer(); len(cfg) > 0 {
		n.Config = cfg
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("%w: notification: %v", ErrBadMessage, err)
	}
	if err := checkNotification(n, peerEpoch, version, d.Remaining()); err != nil {
		return nil, err
	}
	n.PeerEpoch = uint32(peerEpoch)
	return n, nil
}

func checkNotification(n *Notification, peerEpoch int64, version int32, rest int) error {
	switch {
	case n.State < RoleLooking || n.State > RoleObserving:
		return fmt.Errorf("%w: notification state %d", ErrBadMessage, int32(n.State))
	case peerEpoch < 0 || peerEpoch > maxCounter:
		return fmt.Errorf("%w: notification peer epoch %d", ErrBadMessage, peerEpoch)
	case version != notificationVersion:
		return fmt.Errorf("%w: notification version %d", ErrBadMessage, version)
	case rest != 0:
		return fmt.Errorf("%w: %d trailing bytes after notification", ErrBadMessage, rest)
	}
	return nil
}

// EncodePacket appends p as a jute QuorumPacket with an empty authinfo vector.
func EncodePacket(e *wire.Encoder, p *Packet) {
	e.Int32(int32(p.Type))
	e.Int64(p.Zxid)
	e.Buffer(p.Data)
	e.VectorLen(0, false)
}

// DecodePacket reads a QuorumPacket. Unknown types and non-empty authinfo are
// errors: zabsim peers never send them. Data is limited to max bytes (0 means
// wire.DefaultMaxBuffer; a SNAP may need more). Data aliases b (with its
// capacity capped, so appending to it copies): b must not change afterwards.
func DecodePacket(b []byte, max int) (*Packet, error) {
	p := new(Packet)
	if err := DecodePacketInto(p, b, max); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodePacketInto is DecodePacket into a Packet the caller provides (a
// host that steps each message before decoding the next can reuse one).
// On error *p is left unspecified.
func DecodePacketInto(p *Packet, b []byte, max int) error {
	if decodePacketFast(p, b, max) {
		return nil
	}
	// Anything unusual (including every malformed packet) takes the
	// general path, which words the errors.
	return decodePacketGeneral(p, b, max)
}

// decodePacketGeneral is DecodePacketInto through a wire.Decoder.
func decodePacketGeneral(p *Packet, b []byte, max int) error {
	d := wire.NewDecoder(b) // does not escape: on the stack
	d.Max = max
	// Data is a view of b, not a copy: a quorum frame is never modified
	// after it is cut from the stream, and copying every PROPOSAL's txn on
	// every learner was a large share of a simulated ensemble's allocation.
	*p = Packet{Type: PacketType(d.Int32()), Zxid: d.Int64(), Data: d.BufferView()}
	n, _ := d.VectorLen(12)
	if err := d.Err(); err != nil {
		return fmt.Errorf("%w: packet: %v", ErrBadMessage, err)
	}
	if !knownPacket(p.Type) {
		return fmt.Errorf("%w: packet type %d", ErrBadMessage, int32(p.Type))
	}
	if n != 0 || d.Remaining() != 0 {
		return fmt.Errorf("%w: packet has authinfo or %d trailing bytes", ErrBadMessage, d.Remaining())
	}
	return nil
}

// decodePacketFast decodes a well-formed packet the way the wire.Decoder
// path of DecodePacketInto does (type i32, zxid i64, data buffer, an empty
// or nil authinfo vector, nothing after), without a decoder; it reports
// false, leaving *p alone, for anything else.
func decodePacketFast(p *Packet, b []byte, max int) bool {
	const fixed = 4 + 8 + 4 + 4
	if len(b) < fixed {
		return false
	}
	if max <= 0 {
		max = wire.DefaultMaxBuffer
	}
	t := PacketType(int32(binary.BigEndian.Uint32(b)))
	zxid := int64(binary.BigEndian.Uint64(b[4:]))
	n := int32(binary.BigEndian.Uint32(b[12:]))
	rest := b[16:]
	var data []byte
	switch {
	case n == -1: // nil buffer
	case n >= 0 && int(n) <= max && int(n) <= len(rest)-4:
		data, rest = rest[:n:n], rest[n:]
	default:
		return false
	}
	if len(rest) != 4 || !knownPacket(t) {
		return false
	}
	if auth := int32(binary.BigEndian.Uint32(rest)); auth != 0 && auth != -1 {
		return false
	}
	*p = Packet{Type: t, Zxid: zxid, Data: data}
	return true
}

// appendPacketFrame appends p's MarshalMessage encoding (channel byte
// included) with plain stores, as AppendMessage does through a wire.Encoder.
func appendPacketFrame(dst []byte, p *Packet) []byte {
	dst = append(dst, ChannelQuorum)
	dst = binary.BigEndian.AppendUint32(dst, uint32(p.Type))
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Zxid))
	if p.Data == nil {
		dst = binary.BigEndian.AppendUint32(dst, 0xffffffff) // -1: a nil buffer
	} else {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Data)))
		dst = append(dst, p.Data...)
	}
	return binary.BigEndian.AppendUint32(dst, 0) // authinfo: empty vector
}

// MarshalMessage encodes m with a leading channel byte (ChannelElection or
// ChannelQuorum), for hosts that carry both kinds on one stream. The live
// tier frames the result with a 4-byte big-endian length.
func MarshalMessage(m Message) ([]byte, error) {
	return AppendMessage(make([]byte, 0, MessageSize(m)), m)
}

// Encoded sizes (channel byte included): a notification is fixed; a packet
// is its fixed fields plus its data.
const (
	notificationSize = 1 + 4 + 8 + 8 + 8 + 8 + 4 + 4
	packetFixedSize  = 1 + 4 + 8 + 4 + 4
)

// MessageSize returns how many bytes MarshalMessage writes for m (0 for a
// type it rejects), so a host can allocate a frame once.
func MessageSize(m Message) int {
	switch m := m.(type) {
	case *Notification:
		return notificationSize + len(m.Config)
	case *Packet:
		return packetFixedSize + len(m.Data)
	}
	return 0
}

// AppendMessage appends m to dst exactly as MarshalMessage encodes it. A host
// that frames messages sizes dst with MessageSize and pays one allocation
// per message.
func AppendMessage(dst []byte, m Message) ([]byte, error) {
	switch m := m.(type) {
	case *Notification:
		e := wire.NewEncoder(dst)
		e.Raw([]byte{ChannelElection})
		EncodeNotification(e, m)
		return e.Bytes(), nil
	case *Packet:
		return appendPacketFrame(dst, m), nil
	}
	return dst, fmt.Errorf("%w: unknown message type %T", ErrBadMessage, m)
}

// UnmarshalMessage decodes a body written by MarshalMessage.
func UnmarshalMessage(b []byte, max int) (Message, error) {
	return UnmarshalMessageInto(nil, b, max)
}

// UnmarshalMessageInto is UnmarshalMessage decoding a packet into pkt
// (when not nil) instead of a new Packet, and returning pkt: a host that
// steps each message before it decodes the next can reuse one Packet (Peer
// keeps no reference to a message it was stepped with). Notifications are
// always new.
func UnmarshalMessageInto(pkt *Packet, b []byte, max int) (Message, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadMessage)
	}
	switch b[0] {
	case ChannelElection:
		return DecodeNotification(b[1:])
	case ChannelQuorum:
		if pkt == nil {
			return DecodePacket(b[1:], max)
		}
		if err := DecodePacketInto(pkt, b[1:], max); err != nil {
			return nil, err
		}
		return pkt, nil
	}
	return nil, fmt.Errorf("%w: channel byte %d", ErrBadMessage, b[0])
}

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

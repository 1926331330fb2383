package codec

import (
	"encoding/binary"
	"fmt"

	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// EncodeNotification appends n in FastLeaderElection.buildMsg layout: state
// i32, leader i64, zxid i64, electionEpoch i64, peerEpoch i64, version i32,
// config buffer (the sender's active config with dynamic reconfiguration,
// else empty).
func EncodeNotification(e *wire.Encoder, n *zab.Notification) {
	e.Int32(int32(n.State))
	e.Int64(int64(n.Leader))
	e.Int64(n.Zxid)
	e.Int64(int64(n.ElectionEpoch))
	e.Int64(int64(n.PeerEpoch))
	e.Int32(zab.NotificationVersion)
	if n.Config == nil {
		e.Buffer([]byte{})
	} else {
		e.Buffer(n.Config)
	}
}

// DecodeNotification reads a notification written by EncodeNotification.
func DecodeNotification(b []byte) (*zab.Notification, error) {
	d := wire.NewDecoder(b)
	n := &zab.Notification{
		State:         zab.Role(d.Int32()),
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
		return nil, fmt.Errorf("%w: notification: %v", zab.ErrBadMessage, err)
	}
	if err := checkNotification(n, peerEpoch, version, d.Remaining()); err != nil {
		return nil, err
	}
	n.PeerEpoch = uint32(peerEpoch)
	return n, nil
}

func checkNotification(n *zab.Notification, peerEpoch int64, version int32, rest int) error {
	switch {
	case n.State < zab.RoleLooking || n.State > zab.RoleObserving:
		return fmt.Errorf("%w: notification state %d", zab.ErrBadMessage, int32(n.State))
	case peerEpoch < 0 || peerEpoch > zab.MaxCounter:
		return fmt.Errorf("%w: notification peer epoch %d", zab.ErrBadMessage, peerEpoch)
	case version != zab.NotificationVersion:
		return fmt.Errorf("%w: notification version %d", zab.ErrBadMessage, version)
	case rest != 0:
		return fmt.Errorf("%w: %d trailing bytes after notification", zab.ErrBadMessage, rest)
	}
	return nil
}

// EncodePacket appends p as a jute QuorumPacket with an empty authinfo vector.
func EncodePacket(e *wire.Encoder, p *zab.Packet) {
	e.Int32(int32(p.Type))
	e.Int64(p.Zxid)
	e.Buffer(p.Data)
	e.VectorLen(0, false)
}

// DecodePacket reads a QuorumPacket. Unknown types and non-empty authinfo are
// errors: zabsim peers never send them. Data is limited to max bytes (0 means
// wire.DefaultMaxBuffer; a SNAP may need more). Data aliases b (with its
// capacity capped, so appending to it copies): b must not change afterwards.
func DecodePacket(b []byte, max int) (*zab.Packet, error) {
	p := new(zab.Packet)
	if err := DecodePacketInto(p, b, max); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodePacketInto is DecodePacket into a zab.Packet the caller provides (a
// host that steps each message before decoding the next can reuse one).
// On error *p is left unspecified.
func DecodePacketInto(p *zab.Packet, b []byte, max int) error {
	if decodePacketFast(p, b, max) {
		return nil
	}
	// Anything unusual (including every malformed packet) takes the
	// general path, which words the errors.
	return decodePacketGeneral(p, b, max)
}

// decodePacketGeneral is DecodePacketInto through a wire.Decoder.
func decodePacketGeneral(p *zab.Packet, b []byte, max int) error {
	d := wire.NewDecoder(b) // does not escape: on the stack
	d.Max = max
	// Data is a view of b, not a copy: a quorum frame is never modified
	// after it is cut from the stream, and copying every PROPOSAL's txn on
	// every learner was a large share of a simulated ensemble's allocation.
	*p = zab.Packet{Type: zab.PacketType(d.Int32()), Zxid: d.Int64(), Data: d.BufferView()}
	n, _ := d.VectorLen(12)
	if err := d.Err(); err != nil {
		return fmt.Errorf("%w: packet: %v", zab.ErrBadMessage, err)
	}
	if !p.Type.Known() {
		return fmt.Errorf("%w: packet type %d", zab.ErrBadMessage, int32(p.Type))
	}
	if n != 0 || d.Remaining() != 0 {
		return fmt.Errorf("%w: packet has authinfo or %d trailing bytes", zab.ErrBadMessage, d.Remaining())
	}
	return nil
}

// decodePacketFast decodes a well-formed packet the way the wire.Decoder
// path of DecodePacketInto does (type i32, zxid i64, data buffer, an empty
// or nil authinfo vector, nothing after), without a decoder; it reports
// false, leaving *p alone, for anything else.
func decodePacketFast(p *zab.Packet, b []byte, max int) bool {
	const fixed = 4 + 8 + 4 + 4
	if len(b) < fixed {
		return false
	}
	if max <= 0 {
		max = wire.DefaultMaxBuffer
	}
	t := zab.PacketType(int32(binary.BigEndian.Uint32(b)))
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
	if len(rest) != 4 || !t.Known() {
		return false
	}
	if auth := int32(binary.BigEndian.Uint32(rest)); auth != 0 && auth != -1 {
		return false
	}
	*p = zab.Packet{Type: t, Zxid: zxid, Data: data}
	return true
}

// appendPacketFrame appends p's MarshalMessage encoding (channel byte
// included) with plain stores, as AppendMessage does through a wire.Encoder.
func appendPacketFrame(dst []byte, p *zab.Packet) []byte {
	dst = append(dst, zab.ChannelQuorum)
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

// MarshalMessage encodes m with a leading channel byte (zab.ChannelElection or
// zab.ChannelQuorum), for hosts that carry both kinds on one stream. The live
// tier frames the result with a 4-byte big-endian length.
func MarshalMessage(m zab.Message) ([]byte, error) {
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
func MessageSize(m zab.Message) int {
	switch m := m.(type) {
	case *zab.Notification:
		return notificationSize + len(m.Config)
	case *zab.Packet:
		return packetFixedSize + len(m.Data)
	}
	return 0
}

// AppendMessage appends m to dst exactly as MarshalMessage encodes it. A host
// that frames messages sizes dst with MessageSize and pays one allocation
// per message.
func AppendMessage(dst []byte, m zab.Message) ([]byte, error) {
	switch m := m.(type) {
	case *zab.Notification:
		e := wire.NewEncoder(dst)
		e.Raw([]byte{zab.ChannelElection})
		EncodeNotification(e, m)
		return e.Bytes(), nil
	case *zab.Packet:
		return appendPacketFrame(dst, m), nil
	}
	return dst, fmt.Errorf("%w: unknown message type %T", zab.ErrBadMessage, m)
}

// UnmarshalMessage decodes a body written by MarshalMessage.
func UnmarshalMessage(b []byte, max int) (zab.Message, error) {
	return UnmarshalMessageInto(nil, b, max)
}

// UnmarshalMessageInto is UnmarshalMessage decoding a packet into pkt
// (when not nil) instead of a new zab.Packet, and returning pkt: a host that
// steps each message before it decodes the next can reuse one zab.Packet (Peer
// keeps no reference to a message it was stepped with). Notifications are
// always new.
func UnmarshalMessageInto(pkt *zab.Packet, b []byte, max int) (zab.Message, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty body", zab.ErrBadMessage)
	}
	switch b[0] {
	case zab.ChannelElection:
		return DecodeNotification(b[1:])
	case zab.ChannelQuorum:
		if pkt == nil {
			return DecodePacket(b[1:], max)
		}
		if err := DecodePacketInto(pkt, b[1:], max); err != nil {
			return nil, err
		}
		return pkt, nil
	}
	return nil, fmt.Errorf("%w: channel byte %d", zab.ErrBadMessage, b[0])
}

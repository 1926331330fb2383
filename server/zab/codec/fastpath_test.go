package codec

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// The plain-store packet codec matches the wire.Encoder/Decoder one: same
// bytes out, and the fast decoder either declines or decodes what the
// general one decodes, on valid and damaged input alike.
func TestPacketFastPathsMatchGeneral(t *testing.T) {
	pkts := []*zab.Packet{
		{Type: zab.PacketProposal, Zxid: zab.MakeZxid(1, 1), Data: []byte("txn")},
		{Type: zab.PacketCommit, Zxid: zab.MakeZxid(1, 1)},
		{Type: zab.PacketSnap, Zxid: 5, Data: []byte{}},
		{Type: zab.PacketPing, Zxid: -3, Data: binary.BigEndian.AppendUint64(nil, uint64(7))},
		{Type: zab.PacketType(99), Zxid: 1, Data: []byte("x")},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range pkts {
		e := wire.NewEncoder([]byte{zab.ChannelQuorum})
		EncodePacket(e, p)
		want := e.Bytes()
		got, err := AppendMessage(nil, p)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%v: AppendMessage = % x, %v; want % x", p, got, err, want)
		}
		body := want[1:]
		for i := range 2000 {
			b := slices.Clone(body)
			switch {
			case i == 0: // as is
			case i%3 == 0:
				b = b[:r.IntN(len(b)+1)]
			default:
				b[r.IntN(len(b))] = byte(r.IntN(256))
				if r.IntN(4) == 0 {
					b = append(b, byte(r.IntN(256)))
				}
			}
			for _, max := range []int{0, 2, 1 << 20} {
				var slow zab.Packet
				slowErr := decodePacketGeneral(&slow, b, max)
				var fast zab.Packet
				if !decodePacketFast(&fast, b, max) {
					continue
				}
				if slowErr != nil || !reflect.DeepEqual(fast, slow) {
					t.Fatalf("% x (max %d): fast %#v, general %#v, %v", b, max, fast, slow, slowErr)
				}
			}
		}
	}
}

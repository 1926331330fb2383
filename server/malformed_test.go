package server_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// rawCase is one request frame (xid, type, body; no length prefix) sent as
// is, and the answer ZooKeeper 3.8 gives it.
type rawCase struct {
	name  string
	frame []byte
	want  string // "ERR" or "ERR zxid+1" (the reply's zxid moved by one), or "closed"
}

// req builds a request frame: header then the body encode appends.
func req(xid int32, op wire.OpCode, body func(e *wire.Encoder)) []byte {
	e := wire.NewEncoder(nil)
	e.Int32(xid)
	e.Int32(int32(op))
	if body != nil {
		body(e)
	}
	return e.Bytes()
}

// valid is a well-formed request's frame, with extra bytes appended.
func valid(xid int32, r wire.Request, extra ...byte) []byte {
	return append(wire.EncodeRequest(xid, r)[4:], extra...)
}

var openACL = []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}

// malformedCases are the malformed requests of issue 18, each with
// ZooKeeper 3.8's answer (PrepRequestProcessor parses a write's body and
// turns a failure into an error txn with MARSHALLINGERROR, which takes a
// zxid; FinalRequestProcessor parses a read's body and answers
// MARSHALLINGERROR; neither closes the connection; trailing bytes are never
// read).
func malformedCases() []rawCase {
	multiHdr := func(e *wire.Encoder, op wire.OpCode) {
		e.Int32(int32(op))
		e.Bool(false)
		e.Int32(-1)
	}
	multiEnd := func(e *wire.Encoder) {
		e.Int32(-1)
		e.Bool(true)
		e.Int32(-1)
	}
	return []rawCase{
		{"create /a", valid(1, &wire.CreateRequest{Path: "/a", Data: []byte("x"), ACL: openACL}), "OK"},
		{"getData path length past the frame", req(2, wire.OpGetData, func(e *wire.Encoder) {
			e.Int32(100)
			e.Raw([]byte("/a"))
		}), "MARSHALLINGERROR"},
		{"setData negative data length", req(3, wire.OpSetData, func(e *wire.Encoder) {
			e.String("/a")
			e.Int32(-5)
			e.Int32(-1)
		}), "MARSHALLINGERROR zxid+1"},
		{"create ACL count 2^31-1", req(4, wire.OpCreate, func(e *wire.Encoder) {
			e.String("/b")
			e.Buffer([]byte("x"))
			e.Int32(1<<31 - 1)
			e.Int32(int32(wire.PermAll))
			e.String("world")
			e.String("anyone")
			e.Int32(0)
		}), "MARSHALLINGERROR zxid+1"},
		{"exists path length past the frame", req(5, wire.OpExists, func(e *wire.Encoder) {
			e.Int32(1 << 20)
		}), "MARSHALLINGERROR"},
		{"getData with trailing bytes", valid(6, &wire.GetDataRequest{Path: "/a"}, 0xde, 0xad, 0xbe, 0xef), "OK"},
		{"setData with trailing bytes", valid(7, &wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1}, 1, 2, 3), "OK zxid+1"},
		{"multi holding a multi", req(8, wire.OpMulti, func(e *wire.Encoder) {
			multiHdr(e, wire.OpMulti)
			multiHdr(e, wire.OpDelete)
			e.String("/a")
			e.Int32(-1)
			multiEnd(e)
			multiEnd(e)
		}), "MARSHALLINGERROR zxid+1"},
		{"multi holding a read", req(9, wire.OpMulti, func(e *wire.Encoder) {
			multiHdr(e, wire.OpGetData)
			e.String("/a")
			e.Bool(false)
			multiEnd(e)
		}), "MARSHALLINGERROR zxid+1"},
		{"multi holding an unknown op", req(10, wire.OpMulti, func(e *wire.Encoder) {
			multiHdr(e, 999)
			e.String("/a")
			multiEnd(e)
		}), "MARSHALLINGERROR zxid+1"},
		{"multiRead holding a write", req(11, wire.OpMultiRead, func(e *wire.Encoder) {
			multiHdr(e, wire.OpDelete)
			e.String("/a")
			e.Int32(-1)
			multiEnd(e)
		}), "MARSHALLINGERROR"},
		{"getData of the empty path", valid(12, &wire.GetDataRequest{Path: ""}), "OK"},
		{"exists of the empty path", valid(13, &wire.ExistsRequest{Path: ""}), "OK"},
		{"getChildren of the empty path", valid(14, &wire.GetChildrenRequest{Path: ""}), "OK"},
		{"getData of a null path", req(17, wire.OpGetData, func(e *wire.Encoder) {
			e.Int32(-1)
			e.Bool(false)
		}), "MARSHALLINGERROR"},
		{"multiRead getData of a null path", req(18, wire.OpMultiRead, func(e *wire.Encoder) {
			multiHdr(e, wire.OpGetChildren)
			e.String("/a")
			e.Bool(false)
			multiHdr(e, wire.OpGetData)
			e.Int32(-1)
			e.Bool(false)
			multiEnd(e)
		}), "MARSHALLINGERROR"},
		{"create ACL count -2", req(19, wire.OpCreate, func(e *wire.Encoder) {
			e.String("/n")
			e.Buffer([]byte("x"))
			e.Int32(-2)
			e.Int32(0)
		}), "INVALIDACL zxid+1"},
		{"setData of the empty path", valid(15, &wire.SetDataRequest{Path: "", Version: -1}), "BADARGUMENTS zxid+1"},
		{"getData /a after them", valid(16, &wire.GetDataRequest{Path: "/a"}), "OK"},
		{"a frame too short for a header", []byte{0, 0, 0}, "closed"},
	}
}

// rawProc opens a session over a raw connection and sends each case's
// frame after the previous one's answer, recording the answers.
type rawProc struct {
	rawConn
	cases []rawCase

	next     int
	lastZxid int64
	got      []string
}

func (p *rawProc) Start(env proc.Env) { p.start(env) }

func (p *rawProc) Handle(ev proc.Event) {
	p.handle(ev, func([]byte) { p.sendNext() }, p.frame, func() {
		if p.next > 0 && p.next <= len(p.cases) {
			p.got = append(p.got, p.cases[p.next-1].name+": closed")
		}
		p.next = len(p.cases) + 1
	})
}

func (p *rawProc) frame(frame []byte) {
	if len(frame) < wire.ReplyHeaderSize || p.next == 0 || p.next > len(p.cases) {
		p.got = append(p.got, fmt.Sprintf("unexpected frame %x", frame))
		return
	}
	xid := int32(binary.BigEndian.Uint32(frame[0:4]))
	zxid := int64(binary.BigEndian.Uint64(frame[4:12]))
	code := wire.Err(int32(binary.BigEndian.Uint32(frame[12:16])))
	c := p.cases[p.next-1]
	ans := code.Name()
	switch {
	case p.next == 1: // the first reply's zxid has nothing to compare with
	case zxid == p.lastZxid+1:
		ans += " zxid+1"
	case zxid != p.lastZxid:
		ans += fmt.Sprintf(" zxid%+d", zxid-p.lastZxid)
	}
	if want := int32(binary.BigEndian.Uint32(c.frame[0:4])); xid != want {
		ans += fmt.Sprintf(" (xid %d, want %d)", xid, want)
	}
	p.lastZxid = zxid
	p.got = append(p.got, c.name+": "+ans)
	p.sendNext()
}

func (p *rawProc) sendNext() {
	if p.next >= len(p.cases) {
		p.next = len(p.cases) + 1
		return
	}
	f := p.cases[p.next].frame
	p.next++
	out := binary.BigEndian.AppendUint32(nil, uint32(len(f)))
	p.env.Send(p.conn, append(out, f...))
}

func wantTranscript(cases []rawCase) string {
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "%s: %s\n", c.name, c.want)
	}
	return b.String()
}

func runRaw(t *testing.T, w *sim.World, addr string, cases []rawCase) string {
	t.Helper()
	rp := &rawProc{rawConn: rawConn{addr: addr, connect: wire.ConnectRequest{TimeoutMS: 4000}}, cases: cases}
	if err := w.AddNode("raw", func() proc.Process { return rp }, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("raw"); err != nil {
		t.Fatal(err)
	}
	if err := w.RunFor(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	return strings.Join(rp.got, "\n") + "\n"
}

// TestMalformedRequests checks ZooKeeper 3.8's answers to malformed requests
// on a standalone server, each case on its own connection between a create
// and a read that shows the connection is still up: MARSHALLINGERROR with
// the connection kept, a zxid taken by a malformed write, trailing bytes
// ignored, the empty path read as the root, and a frame too short for a
// header closing the connection.
func TestMalformedRequests(t *testing.T) {
	all := malformedCases()
	setup, probe := all[0], rawCase{"getData /a after it", valid(99, &wire.GetDataRequest{Path: "/a"}), "OK"}
	for _, c := range all[1:] {
		t.Run(c.name, func(t *testing.T) {
			cases := []rawCase{setup, c}
			if c.want != "closed" {
				cases = append(cases, probe)
			}
			w := newWorld(t, 18)
			got := runRaw(t, w.w, "s1:2181", cases)
			if want := wantTranscript(cases); got != want {
				t.Fatalf("answers differ\n--- got ---\n%s--- want ---\n%s", got, want)
			}
		})
	}
}

// TestMalformedRequestsEnsemble is TestMalformedRequests through a
// follower: the malformed writes are forwarded to the leader, which turns
// them into error txns.
func TestMalformedRequestsEnsemble(t *testing.T) {
	ew := newEnsemble(t, 18, 3)
	_, f1, _ := electedTrio(t, ew)
	got := runRaw(t, ew.w, f1+":2181", malformedCases())
	if want := wantTranscript(malformedCases()); got != want {
		t.Fatalf("answers differ\n--- got ---\n%s--- want ---\n%s", got, want)
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

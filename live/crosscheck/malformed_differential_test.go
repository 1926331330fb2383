package crosscheck

// TestDifferentialMalformedRequests sends the same raw malformed request
// frames to a zabsim server and to Apache ZooKeeper 3.8 and compares what
// each answers: the error code, whether the reply's zxid moved (a write
// ZooKeeper cannot parse still takes a zxid as an error txn), the body of
// a successful reply, and whether the connection stays open.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/wire"
)

// malformedCase is one request sent as raw bytes: its type, its body (any
// bytes), and, when short > 0, only the first short bytes of the header.
type malformedCase struct {
	name  string
	op    wire.OpCode
	body  []byte
	short int
	// length, when set, is the frame's length prefix, whatever is sent.
	length int64
}

func jute(f func(e *wire.Encoder)) []byte {
	e := wire.NewEncoder(nil)
	f(e)
	return e.Bytes()
}

// encodedBody is a well-formed request's body, with extra bytes appended.
func encodedBody(r wire.Request, extra ...byte) []byte {
	return append(wire.EncodeRequest(0, r)[4+wire.RequestHeaderSize:], extra...)
}

func multiOpHeader(e *wire.Encoder, op wire.OpCode) {
	e.Int32(int32(op))
	e.Bool(false)
	e.Int32(-1)
}

func multiEndHeader(e *wire.Encoder) {
	e.Int32(-1)
	e.Bool(true)
	e.Int32(-1)
}

func malformedDiffCases() []malformedCase {
	acl := func(e *wire.Encoder, count int32) {
		e.Int32(count)
		e.Int32(int32(wire.PermAll))
		e.String("world")
		e.String("anyone")
	}
	return []malformedCase{
		{name: "getData path length past the frame", op: wire.OpGetData, body: jute(func(e *wire.Encoder) { e.Int32(100); e.Raw([]byte("/a")) })},
		{name: "getData negative path length", op: wire.OpGetData, body: jute(func(e *wire.Encoder) { e.Int32(-5); e.Bool(false) })},
		{name: "getData path length past jute.maxbuffer", op: wire.OpGetData, body: jute(func(e *wire.Encoder) { e.Int32(1 << 24); e.Bool(false) })},
		{name: "getData body cut short", op: wire.OpGetData, body: jute(func(e *wire.Encoder) { e.String("/a") })},
		{name: "exists empty body", op: wire.OpExists},
		{name: "setData negative data length", op: wire.OpSetData, body: jute(func(e *wire.Encoder) { e.String("/a"); e.Int32(-5); e.Int32(-1) })},
		{name: "setData data length past the frame", op: wire.OpSetData, body: jute(func(e *wire.Encoder) { e.String("/a"); e.Int32(64); e.Int32(-1) })},
		{name: "create ACL count 2^31-1", op: wire.OpCreate, body: jute(func(e *wire.Encoder) {
			e.String("/b")
			e.Buffer([]byte("x"))
			acl(e, 1<<31-1)
			e.Int32(0)
		})},
		{name: "create2 no flags", op: wire.OpCreate2, body: jute(func(e *wire.Encoder) { e.String("/b"); e.Buffer(nil); acl(e, 1) })},
		{name: "delete body cut short", op: wire.OpDelete, body: jute(func(e *wire.Encoder) { e.String("/a") })},
		{name: "setACL ACL count past the frame", op: wire.OpSetACL, body: jute(func(e *wire.Encoder) { e.String("/a"); acl(e, 5); e.Int32(-1) })},
		{name: "getChildren2 path length past the frame", op: wire.OpGetChildren2, body: jute(func(e *wire.Encoder) { e.Int32(9) })},
		{name: "getACL empty body", op: wire.OpGetACL},
		{name: "sync path length past the frame", op: wire.OpSync, body: jute(func(e *wire.Encoder) { e.Int32(9) })},
		{name: "setWatches vector count past the frame", op: wire.OpSetWatches, body: jute(func(e *wire.Encoder) { e.Int64(0); e.Int32(3) })},
		{name: "addWatch body cut short", op: wire.OpAddWatch, body: jute(func(e *wire.Encoder) { e.String("/a") })},
		{name: "getData trailing bytes", op: wire.OpGetData, body: encodedBody(&wire.GetDataRequest{Path: "/a"}, 0xde, 0xad, 0xbe, 0xef)},
		{name: "setData trailing bytes", op: wire.OpSetData, body: encodedBody(&wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1}, 1, 2, 3)},
		{name: "create trailing bytes", op: wire.OpCreate, body: encodedBody(&wire.CreateRequest{Path: "/t", Data: []byte("t"), ACL: []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}}, 9, 9)},
		{name: "multi trailing bytes", op: wire.OpMulti, body: encodedBody(&wire.MultiRequest{Ops: []wire.Request{&wire.CheckVersionRequest{Path: "/a", Version: -1}}}, 7)},
		{name: "multi holding a multi", op: wire.OpMulti, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, wire.OpMulti)
			multiOpHeader(e, wire.OpDelete)
			e.String("/a")
			e.Int32(-1)
			multiEndHeader(e)
			multiEndHeader(e)
		})},
		{name: "multi holding a read", op: wire.OpMulti, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, wire.OpGetData)
			e.String("/a")
			e.Bool(false)
			multiEndHeader(e)
		})},
		{name: "multi holding a write and a read", op: wire.OpMulti, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, wire.OpCheck)
			e.String("/a")
			e.Int32(-1)
			multiOpHeader(e, wire.OpGetChildren)
			e.String("/a")
			e.Bool(false)
			multiEndHeader(e)
		})},
		{name: "multi holding an unknown op", op: wire.OpMulti, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, 999)
			e.String("/a")
			multiEndHeader(e)
		})},
		{name: "multi without its end", op: wire.OpMulti, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, wire.OpCheck)
			e.String("/a")
			e.Int32(-1)
		})},
		{name: "multiRead holding a write", op: wire.OpMultiRead, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, wire.OpDelete)
			e.String("/a")
			e.Int32(-1)
			multiEndHeader(e)
		})},
		{name: "getData empty path", op: wire.OpGetData, body: encodedBody(&wire.GetDataRequest{Path: ""})},
		{name: "exists empty path", op: wire.OpExists, body: encodedBody(&wire.ExistsRequest{Path: ""})},
		{name: "getChildren empty path", op: wire.OpGetChildren, body: encodedBody(&wire.GetChildrenRequest{Path: ""})},
		{name: "getACL empty path", op: wire.OpGetACL, body: encodedBody(&wire.GetACLRequest{Path: ""})},
		{name: "setData empty path", op: wire.OpSetData, body: encodedBody(&wire.SetDataRequest{Path: "", Version: -1})},
		{name: "create empty path", op: wire.OpCreate, body: encodedBody(&wire.CreateRequest{Path: "", ACL: []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}})},
		{name: "setACL empty path", op: wire.OpSetACL, body: encodedBody(&wire.SetACLRequest{Path: "", ACL: []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}, Version: -1})},
		{name: "multi check of the empty path", op: wire.OpMulti, body: encodedBody(&wire.MultiRequest{Ops: []wire.Request{&wire.CheckVersionRequest{Path: "", Version: -1}}})},
		{name: "multiRead of the empty path", op: wire.OpMultiRead, body: encodedBody(&wire.MultiReadRequest{Ops: []wire.Request{&wire.GetDataRequest{Path: ""}, &wire.GetChildrenRequest{Path: ""}}})},
		{name: "delete empty path", op: wire.OpDelete, body: encodedBody(&wire.DeleteRequest{Path: "", Version: -1})},
		{name: "getData null path", op: wire.OpGetData, body: jute(func(e *wire.Encoder) { e.Int32(-1); e.Bool(false) })},
		{name: "exists null path", op: wire.OpExists, body: jute(func(e *wire.Encoder) { e.Int32(-1); e.Bool(false) })},
		{name: "getChildren null path", op: wire.OpGetChildren, body: jute(func(e *wire.Encoder) { e.Int32(-1); e.Bool(false) })},
		{name: "getChildren2 null path", op: wire.OpGetChildren2, body: jute(func(e *wire.Encoder) { e.Int32(-1); e.Bool(false) })},
		{name: "getACL null path", op: wire.OpGetACL, body: jute(func(e *wire.Encoder) { e.Int32(-1) })},
		{name: "getAllChildrenNumber null path", op: wire.OpGetAllChildrenNumber, body: jute(func(e *wire.Encoder) { e.Int32(-1) })},
		{name: "sync null path", op: wire.OpSync, body: jute(func(e *wire.Encoder) { e.Int32(-1) })},
		{name: "addWatch null path", op: wire.OpAddWatch, body: jute(func(e *wire.Encoder) { e.Int32(-1); e.Int32(0) })},
		{name: "multiRead getData null path", op: wire.OpMultiRead, body: jute(func(e *wire.Encoder) {
			multiOpHeader(e, wire.OpGetData)
			e.Int32(-1)
			e.Bool(false)
			multiEndHeader(e)
		})},
		{name: "setData null path", op: wire.OpSetData, body: jute(func(e *wire.Encoder) { e.Int32(-1); e.Int32(-1); e.Int32(-1) })},
		{name: "getAllChildrenNumber empty path", op: wire.OpGetAllChildrenNumber, body: encodedBody(&wire.GetAllChildrenNumberRequest{Path: ""})},
		{name: "create ACL count -2", op: wire.OpCreate, body: jute(func(e *wire.Encoder) {
			e.String("/n")
			e.Buffer([]byte("x"))
			e.Int32(-2)
			e.Int32(0)
		})},
		{name: "setWatches vector count -5", op: wire.OpSetWatches, body: jute(func(e *wire.Encoder) { e.Int64(0); e.Int32(-5); e.Int32(0); e.Int32(0) })},
		{name: "auth body cut short", op: wire.OpAuth, body: jute(func(e *wire.Encoder) { e.Int32(0); e.String("digest") })},
		{name: "a frame too short for a header", op: wire.OpGetData, short: 3},
		{name: "a frame past jute.maxbuffer", op: wire.OpGetData, body: encodedBody(&wire.GetDataRequest{Path: "/a"}), length: 1 << 20},
	}
}

func TestDifferentialMalformedRequests(t *testing.T) {
	livetest.RequireZooKeeper(t)
	zabAddr := livetest.StartZabsim(t, func(c *server.Config) { c.TickTimeMS = 2000 })
	apacheAddr := startDiffZooKeeper(t)
	addrs := map[string]string{"zabsim": zabAddr, "zookeeper": apacheAddr}
	for _, name := range []string{"zabsim", "zookeeper"} {
		c, err := zkclient.DialRaw(addrs[name], diffSessionTimeoutMS, 0, nil, 10*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, err := c.Call(&wire.CreateRequest{Path: "/a", Data: []byte("x"), ACL: []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}}); err != nil {
			t.Fatalf("%s: create /a: %v", name, err)
		}
		_ = c.Close()
	}
	var diffs, table []string
	for _, mc := range malformedDiffCases() {
		got := map[string]string{}
		for _, name := range []string{"zabsim", "zookeeper"} {
			got[name] = answerMalformed(t, addrs[name], mc)
		}
		table = append(table, fmt.Sprintf("%-42s %s", mc.name, got["zookeeper"]))
		if got["zabsim"] != got["zookeeper"] {
			diffs = append(diffs, fmt.Sprintf("%s\n    zabsim:    %s\n    zookeeper: %s", mc.name, got["zabsim"], got["zookeeper"]))
		}
	}
	if len(diffs) > 0 {
		t.Fatalf("%d of %d malformed requests answered differently:\n%s", len(diffs), len(malformedDiffCases()), strings.Join(diffs, "\n"))
	}
	t.Logf("identical answers to %d malformed requests; ZooKeeper's:\n%s", len(table), strings.Join(table, "\n"))
}

// answerMalformed sends mc on a new session, between two reads of /a, and
// describes the answer: the error code, how far the reply's zxid moved past
// the first read's, a successful reply's body, and whether the connection
// stayed open (the second read answered) or was closed.
func answerMalformed(t *testing.T, addr string, mc malformedCase) string {
	t.Helper()
	c, err := zkclient.DialRaw(addr, diffSessionTimeoutMS, 0, nil, 5*time.Second)
	if err != nil {
		t.Fatalf("%s: dial: %v", addr, err)
	}
	defer c.Abort()
	before, _, err := c.Call(&wire.GetDataRequest{Path: "/a"})
	if err != nil {
		t.Fatalf("%s: getData /a: %v", addr, err)
	}
	length := int64(-1)
	if mc.length > 0 {
		length = mc.length
	}
	hdr, body, err := c.CallFrameLen(mc.op, mc.body, mc.short, length)
	if err != nil {
		return "no answer: " + connErr(err)
	}
	out := fmt.Sprintf("%s zxid%+d", hdr.Err.Name(), hdr.Zxid-before.Zxid)
	if hdr.Err == wire.ErrOK {
		out += " " + describeBody(mc.op, body)
	}
	after, _, err := c.Call(&wire.GetDataRequest{Path: "/a"})
	if err != nil {
		return out + "; then " + connErr(err)
	}
	return out + fmt.Sprintf("; connection open (next read %s)", after.Err.Name())
}

func connErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), strings.Contains(err.Error(), "connection reset"):
		return "connection closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return err.Error()
}

// describeBody renders a successful reply's body without what differs
// between servers for reasons of their own (zxids, times).
func describeBody(op wire.OpCode, body []byte) string {
	frame := append(make([]byte, wire.ReplyHeaderSize), body...)
	_, resp, err := wire.DecodeReply(frame, op, wire.DecodeOptions{})
	if err != nil {
		return fmt.Sprintf("undecodable body %x", body)
	}
	switch r := resp.(type) {
	case *wire.GetDataResponse:
		return fmt.Sprintf("data=%q version=%d numChildren=%d", r.Data, r.Stat.Version, r.Stat.NumChildren)
	case *wire.ExistsResponse:
		return fmt.Sprintf("version=%d numChildren=%d", r.Stat.Version, r.Stat.NumChildren)
	case *wire.GetChildrenResponse:
		return fmt.Sprintf("children=%v", slices.Sorted(slices.Values(r.Children)))
	case *wire.GetACLResponse:
		return fmt.Sprintf("acl=%v", r.ACL)
	case *wire.CreateResponse:
		return "path=" + r.Path
	case *wire.GetAllChildrenNumberResponse:
		return fmt.Sprintf("number=%d", r.TotalNumber)
	case *wire.SetDataResponse:
		return fmt.Sprintf("version=%d", r.Stat.Version)
	case *wire.MultiResponse:
		return fmt.Sprintf("%d results: %s", len(r.Results), describeResults(r.Results))
	case *wire.MultiReadResponse:
		return fmt.Sprintf("%d results: %s", len(r.Results), describeResults(r.Results))
	case nil:
		return "no body"
	}
	return fmt.Sprintf("%T", resp)
}

func describeResults(results []wire.Response) string {
	var parts []string
	for _, res := range results {
		switch x := res.(type) {
		case *wire.ErrorResponse:
			parts = append(parts, x.Err.Name())
		case *wire.GetDataResponse:
			parts = append(parts, fmt.Sprintf("data=%q numChildren=%d", x.Data, x.Stat.NumChildren))
		case *wire.GetChildrenResponse:
			parts = append(parts, fmt.Sprintf("children=%v", slices.Sorted(slices.Values(x.Children))))
		default:
			parts = append(parts, fmt.Sprintf("%T", res))
		}
	}
	return strings.Join(parts, ", ")
}

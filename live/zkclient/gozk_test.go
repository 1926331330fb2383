package zkclient

import (
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// gozkHarness hosts one go-zookeeper adapter session in a Node, as a live
// worker does, against a standalone zabsim server.
type gozkHarness struct {
	t      *testing.T
	node   *live.Node
	proc   *envProc
	gz     *GoZK
	cl     workloads.Client
	events []client.Event // loop-owned
	addr   string
}

func newGoZKHarness(t *testing.T, sessionTimeout time.Duration) *gozkHarness {
	t.Helper()
	h := &gozkHarness{t: t, addr: livetest.StartZabsim(t, nil)}
	h.proc = &envProc{}
	h.node = startNode(t, "c1", h.proc)
	h.gz = NewGoZK(GoZKOptions{Node: h.node, Names: map[string]string{h.addr: "s1"}, Logf: t.Logf})
	t.Cleanup(h.gz.Close) // runs before the node stops (cleanups are LIFO)
	h.cl = h.newClient(sessionTimeout)
	h.waitEvent(client.EventConnected)
	return h
}

func (h *gozkHarness) newClient(sessionTimeout time.Duration) workloads.Client {
	h.t.Helper()
	cl, err := h.gz.NewClient(client.Config{Servers: []string{h.addr}, SessionTimeout: sessionTimeout,
		OnEvent: func(ev client.Event) { h.events = append(h.events, ev) }})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.node.Do(func() { cl.Start(h.proc.env) }); err != nil {
		h.t.Fatal(err)
	}
	return cl
}

// do runs one call on the loop and waits for its result.
func (h *gozkHarness) do(call func(cb func(client.Result))) client.Result {
	h.t.Helper()
	var res *client.Result
	if err := h.node.Do(func() { call(func(r client.Result) { res = &r }) }); err != nil {
		h.t.Fatal(err)
	}
	waitFor(h.t, h.node, "a result", func() bool { return res != nil })
	return *res
}

func (h *gozkHarness) waitEvent(kind client.EventKind) client.Event {
	h.t.Helper()
	var ev client.Event
	waitFor(h.t, h.node, "event "+kind.String(), func() bool {
		for _, e := range h.events {
			if e.Kind == kind {
				ev = e
				return true
			}
		}
		return false
	})
	return ev
}

func requireErr(t *testing.T, what string, res client.Result, want wire.Err) {
	t.Helper()
	if res.Err != want {
		t.Fatalf("%s: %s, want %s", what, res.Err.Name(), want.Name())
	}
}

// TestGoZKAdapterResults checks what the history depends on: reply zxids
// and the answering server recovered from the stream, exact error codes,
// NONODE from exists, multi results with the failing op's code, and the
// multiRead emulation's consistent snapshot.
func TestGoZKAdapterResults(t *testing.T) {
	h := newGoZKHarness(t, 4*time.Second)
	cl := h.cl
	res := h.do(func(cb func(client.Result)) {
		cl.Create("/a", []byte("1"), wire.OpenACLUnsafe, wire.FlagPersistent, cb)
	})
	requireErr(t, "create /a", res, wire.ErrOK)
	if res.Path != "/a" || res.Zxid == 0 || res.Server != "s1" {
		t.Fatalf("create result %+v: want path /a, a zxid and server s1", res)
	}
	createZxid := res.Zxid

	res = h.do(func(cb func(client.Result)) { cl.GetData("/a", false, cb) })
	requireErr(t, "getData", res, wire.ErrOK)
	if string(res.Data) != "1" || res.Stat == nil || res.Stat.Mzxid != createZxid || res.Zxid < createZxid {
		t.Fatalf("getData %+v: want data 1, mzxid 0x%x, reply zxid >= it", res, createZxid)
	}

	requireErr(t, "create again", h.do(func(cb func(client.Result)) {
		cl.Create("/a", nil, wire.OpenACLUnsafe, wire.FlagPersistent, cb)
	}), wire.ErrNodeExists)
	requireErr(t, "exists missing", h.do(func(cb func(client.Result)) { cl.Exists("/nope", false, cb) }), wire.ErrNoNode)
	requireErr(t, "cas stale", h.do(func(cb func(client.Result)) { cl.SetData("/a", []byte("2"), 7, cb) }), wire.ErrBadVersion)

	res = h.do(func(cb func(client.Result)) {
		cl.Multi([]wire.Request{&wire.CheckVersionRequest{Path: "/gone", Version: -1},
			&wire.SetDataRequest{Path: "/a", Data: []byte("3"), Version: -1}}, cb)
	})
	requireErr(t, "fenced multi", res, wire.ErrNoNode)
	if len(res.Multi) != 2 || res.Multi[0].Err != wire.ErrNoNode || res.Multi[1].Err != wire.ErrRuntimeInconsistency {
		t.Fatalf("fenced multi per-op results %+v: want NONODE then RUNTIMEINCONSISTENCY", res.Multi)
	}

	res = h.do(func(cb func(client.Result)) {
		cl.Multi([]wire.Request{&wire.CreateRequest{Path: "/b", Data: []byte("5"), ACL: wire.OpenACLUnsafe},
			&wire.SetDataRequest{Path: "/a", Data: []byte("4"), Version: 0}}, cb)
	})
	requireErr(t, "multi", res, wire.ErrOK)
	if res.Multi[0].Path != "/b" || res.Multi[1].Stat == nil || res.Multi[1].Stat.Version != 1 {
		t.Fatalf("multi results %+v", res.Multi)
	}
	multiZxid := res.Zxid

	res = h.do(func(cb func(client.Result)) {
		cl.MultiRead([]wire.Request{&wire.GetDataRequest{Path: "/a"}, &wire.GetDataRequest{Path: "/b"}}, cb)
	})
	requireErr(t, "multiRead", res, wire.ErrOK)
	if len(res.Multi) != 2 || string(res.Multi[0].Data) != "4" || string(res.Multi[1].Data) != "5" || res.Zxid <= multiZxid {
		t.Fatalf("multiRead %+v: want 4, 5 validated after zxid 0x%x", res, multiZxid)
	}
	res = h.do(func(cb func(client.Result)) {
		cl.MultiRead([]wire.Request{&wire.GetDataRequest{Path: "/a"}, &wire.GetDataRequest{Path: "/missing"}}, cb)
	})
	requireErr(t, "multiRead of a missing node", res, wire.ErrNoNode)

	res = h.do(func(cb func(client.Result)) { cl.Sync("/a", cb) })
	requireErr(t, "sync", res, wire.ErrOK)
	if res.Zxid < multiZxid {
		t.Fatalf("sync reply zxid 0x%x older than 0x%x", res.Zxid, multiZxid)
	}
}

// TestGoZKAdapterWatchAndClose checks watch events reach the worker's loop
// as client events, and that Close ends the session (its ephemeral goes)
// and later calls fail at once.
func TestGoZKAdapterWatchAndClose(t *testing.T) {
	h := newGoZKHarness(t, 4*time.Second)
	owner := h.newClient(4 * time.Second)
	requireErr(t, "ephemeral", h.do(func(cb func(client.Result)) {
		owner.Create("/e", nil, wire.OpenACLUnsafe, wire.FlagEphemeral, cb)
	}), wire.ErrOK)
	res := h.do(func(cb func(client.Result)) { h.cl.Exists("/e", true, cb) })
	requireErr(t, "exists with watch", res, wire.ErrOK)
	if res.Stat == nil || res.Stat.EphemeralOwner == 0 {
		t.Fatalf("exists stat %+v: want an ephemeral owner", res.Stat)
	}
	requireErr(t, "close", h.do(func(cb func(client.Result)) { owner.Close(cb) }), wire.ErrOK)
	ev := h.waitEvent(client.EventWatch)
	if ev.Type != wire.EventNodeDeleted || ev.Path != "/e" {
		t.Fatalf("watch event %+v: want NodeDeleted /e", ev)
	}
	requireErr(t, "call after close", h.do(func(cb func(client.Result)) { owner.Sync("/", cb) }), wire.ErrSessionExpired)
}

// TestGoZKAdapterAbandon checks a simulated client crash: the abandoned
// session is never closed, so the server expires it and its ephemeral goes.
func TestGoZKAdapterAbandon(t *testing.T) {
	h := newGoZKHarness(t, 4*time.Second)
	crasher := h.newClient(time.Second) // the server clamps it to 2 ticks at least
	requireErr(t, "ephemeral", h.do(func(cb func(client.Result)) {
		crasher.Create("/crash", nil, wire.OpenACLUnsafe, wire.FlagEphemeral, cb)
	}), wire.ErrOK)
	requireErr(t, "watch", h.do(func(cb func(client.Result)) { h.cl.Exists("/crash", true, cb) }), wire.ErrOK)
	start := time.Now()
	if err := h.node.Do(func() { crasher.(workloads.Abandoner).Abandon() }); err != nil {
		t.Fatal(err)
	}
	ev := h.waitEvent(client.EventWatch)
	if ev.Type != wire.EventNodeDeleted || ev.Path != "/crash" {
		t.Fatalf("watch event %+v: want NodeDeleted /crash", ev)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Fatalf("ephemeral gone after %v: the session was closed, not expired", took)
	}
}

// TestGoZKEventAfterEarlierReply: a watch event the server sends right
// after a read's reply reaches the worker after that reply, even when the
// session goroutine is slow to post the reply (go-zookeeper hands replies
// and events to different goroutines). The config checker failed a live run
// on the reverse order: the watch "fired" before the read that set it had
// returned, so the change it announced looked unannounced.
func TestGoZKEventAfterEarlierReply(t *testing.T) {
	h := newGoZKHarness(t, 4*time.Second)
	writer := h.newClient(4 * time.Second)
	requireErr(t, "create", h.do(func(cb func(client.Result)) {
		writer.Create("/x", []byte("0"), wire.OpenACLUnsafe, wire.FlagPersistent, cb)
	}), wire.ErrOK)

	other, _, err := zk.Connect([]string{h.addr}, 4*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sess := h.cl.(*gozkSession)
	fired := false
	sess.afterCall = func() { // the reply is in; change /x before it is posted
		if fired {
			return
		}
		fired = true
		if _, err := other.Set("/x", []byte("1"), -1); err != nil {
			t.Errorf("set /x: %v", err)
		}
		time.Sleep(300 * time.Millisecond) // the event arrives meanwhile
	}
	eventsAtReply := -1
	res := h.do(func(cb func(client.Result)) {
		h.cl.GetData("/x", true, func(r client.Result) { eventsAtReply = len(h.events); cb(r) })
	})
	requireErr(t, "getData with watch", res, wire.ErrOK)
	if string(res.Data) != "0" {
		t.Fatalf("getData returned %q: the change came before the read", res.Data)
	}
	if h.dataChangedAmongFirst("/x", eventsAtReply) {
		t.Fatal("the watch event reached the worker before the reply of the read that set the watch")
	}
}

// dataChangedAmongFirst waits for a NodeDataChanged event on path and
// reports whether it was among the first n events the worker got.
func (h *gozkHarness) dataChangedAmongFirst(path string, n int) bool {
	h.t.Helper()
	ev := h.waitEvent(client.EventWatch)
	if ev.Type != wire.EventNodeDataChanged || ev.Path != path {
		h.t.Fatalf("watch event %+v: want NodeDataChanged %s", ev, path)
	}
	among := false
	if err := h.node.Do(func() {
		among = slices.ContainsFunc(h.events[:n], func(e client.Event) bool { return e.Kind == client.EventWatch })
	}); err != nil {
		h.t.Fatal(err)
	}
	return among
}

// TestGoZKSetWatchesBeforeQueuedRequest: a request queued while the
// session is disconnected is sent after go-zookeeper's SetWatches on the
// new connection, so the watch event SetWatches replays (for a change made
// while disconnected) reaches the worker before that request's reply. A
// live config run failed on the reverse order: go-zookeeper sends queued
// requests first, and the reply carried a zxid newer than the change whose
// event came after it.
func TestGoZKSetWatchesBeforeQueuedRequest(t *testing.T) {
	h := newGoZKHarness(t, 6*time.Second)
	writer := h.newClient(6 * time.Second)
	for _, p := range []string{"/x", "/y"} {
		requireErr(t, "create "+p, h.do(func(cb func(client.Result)) {
			writer.Create(p, []byte("0"), wire.OpenACLUnsafe, wire.FlagPersistent, cb)
		}), wire.ErrOK)
	}
	requireErr(t, "getData /x with watch", h.do(func(cb func(client.Result)) { h.cl.GetData("/x", true, cb) }), wire.ErrOK)

	sess := h.cl.(*gozkSession)
	sess.tap.mu.Lock()
	sess.tap.refuse = true
	for c := range sess.tap.conns {
		_ = c.Conn.Close() // the connection breaks; the session lives on
	}
	sess.tap.mu.Unlock()
	h.waitEvent(client.EventDisconnected)
	requireErr(t, "set /x while the watcher is away", h.do(func(cb func(client.Result)) {
		writer.SetData("/x", []byte("1"), -1, cb)
	}), wire.ErrOK)

	eventsAtReply := -1
	var res *client.Result
	if err := h.node.Do(func() {
		h.cl.GetData("/y", false, func(r client.Result) { eventsAtReply, res = len(h.events), &r })
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the read waits in go-zookeeper's queue
	sess.tap.mu.Lock()
	sess.tap.refuse = false
	sess.tap.mu.Unlock()
	waitFor(t, h.node, "the read's reply", func() bool { return res != nil })
	requireErr(t, "getData /y", *res, wire.ErrOK)
	if !h.dataChangedAmongFirst("/x", eventsAtReply) {
		t.Fatalf("the reply (zxid %#x) reached the worker before the event of the change it had missed", res.Zxid)
	}
}

// TestTapFrames: frames split across reads are reassembled, and a length
// no server would send stops the tap instead of misreading the stream.
func TestTapFrames(t *testing.T) {
	frame := func(body ...byte) []byte { return append([]byte{0, 0, 0, byte(len(body))}, body...) }
	stream := append(frame(1, 2, 3), frame(4, 5)...)
	var got [][]byte
	collect := func(b []byte) { got = append(got, append([]byte(nil), b...)) }
	rest, lost := eachFrame(append([]byte(nil), stream[:5]...), collect)
	rest, lost2 := eachFrame(append(rest, stream[5:]...), collect)
	if lost || lost2 || len(rest) != 0 || len(got) != 2 || string(got[0]) != "\x01\x02\x03" || string(got[1]) != "\x04\x05" {
		t.Fatalf("frames %v, rest %v, lost %v/%v", got, rest, lost, lost2)
	}
	if _, lost := eachFrame([]byte{0x7f, 0xff, 0xff, 0xff, 1}, collect); !lost {
		t.Fatal("a 2 GiB frame length did not stop the tap")
	}
}

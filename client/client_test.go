package client

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

func TestNewRejectsEmptyServerList(t *testing.T) {
	if _, err := New(Config{}); err != ErrNoServers {
		t.Fatalf("New with no servers: %v", err)
	}
}

// The handshake is go-zookeeper's: no readOnly byte, a fresh session asks
// for id 0 with 16 zero bytes of password; the negotiated timeout wins.
func TestHandshakeOldClientForm(t *testing.T) {
	c, env, rec := newTestClient(t, nil)
	if d := env.lastDial(); d.addr != "s1:2181" {
		t.Fatalf("first dial to %q", d.addr)
	}
	s := accept(t, env, c)
	req := s.handshake(0x55, 6000, []byte("pw"))
	want := wire.ConnectRequest{TimeoutMS: 3000, Passwd: make([]byte, 16)}
	if !reflect.DeepEqual(req, want) {
		t.Fatalf("connect request %+v, want %+v", req, want)
	}
	if c.SessionID() != 0x55 || c.SessionTimeout() != 6*time.Second || c.State() != StateConnected {
		t.Fatalf("session %#x timeout %v state %v", c.SessionID(), c.SessionTimeout(), c.State())
	}
	if len(rec.events) != 1 || rec.events[0].Kind != EventConnected || rec.events[0].Server != "s1:2181" {
		t.Fatalf("events %+v", rec.events)
	}
}

func TestHandshakeWithReadOnlyWhenAsked(t *testing.T) {
	c, env, _ := newTestClient(t, func(cfg *Config) { cfg.SendReadOnly = true })
	s := accept(t, env, c)
	if req := s.handshake(0x55, 3000, []byte("pw")); !req.HasReadOnly {
		t.Fatal("SendReadOnly did not add the readOnly byte")
	}
	if c.State() != StateConnected {
		t.Fatalf("state %v", c.State())
	}
}

// Pipelined ops get increasing xids and complete in FIFO order with the
// reply's zxid and body.
func TestPipelinedOpsCompleteInOrder(t *testing.T) {
	c, _, rec, s := connected(t, nil)
	c.Create("/a", []byte("x"), wire.OpenACLUnsafe, wire.FlagEphemeral, rec.cb("create"))
	c.GetData("/a", false, rec.cb("get"))
	h1, r1 := s.request()
	h2, r2 := s.request()
	if h1.Xid != 1 || h2.Xid != 2 || h1.Type != wire.OpCreate || h2.Type != wire.OpGetData {
		t.Fatalf("headers %+v %+v", h1, h2)
	}
	if cr := r1.(*wire.CreateRequest); cr.Path != "/a" || cr.Flags != wire.FlagEphemeral || !bytes.Equal(cr.Data, []byte("x")) {
		t.Fatalf("create request %+v", cr)
	}
	if gr := r2.(*wire.GetDataRequest); gr.Path != "/a" || gr.Watch {
		t.Fatalf("getData request %+v", gr)
	}
	stat := wire.Stat{Czxid: 0x10, Mzxid: 0x10, DataLength: 1}
	s.reply(1, 0x10, wire.ErrOK, &wire.CreateResponse{Path: "/a"})
	s.reply(2, 0x10, wire.ErrOK, &wire.GetDataResponse{Data: []byte("x"), Stat: stat})
	if want := []string{"session:connected", "create:OK", "get:OK"}; !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v, want %v", rec.log, want)
	}
	if r := rec.results[0]; r.Path != "/a" || r.Zxid != 0x10 || r.Server != "s1:2181" || r.Op != wire.OpCreate {
		t.Fatalf("create result %+v", r)
	}
	if r := rec.results[1]; !bytes.Equal(r.Data, []byte("x")) || *r.Stat != stat {
		t.Fatalf("getData result %+v", r)
	}
	if c.LastZxid() != 0x10 {
		t.Fatalf("lastZxid %#x", c.LastZxid())
	}
}

func TestErrorReplyCarriesCode(t *testing.T) {
	c, _, rec, s := connected(t, nil)
	c.Delete("/missing", 3, rec.cb("delete"))
	hdr, req := s.request()
	if d := req.(*wire.DeleteRequest); d.Path != "/missing" || d.Version != 3 {
		t.Fatalf("delete %+v", d)
	}
	s.reply(hdr.Xid, 0x20, wire.ErrNoNode, nil)
	if r := rec.results[0]; r.Err != wire.ErrNoNode || r.Indeterminate() || r.Zxid != 0x20 {
		t.Fatalf("result %+v", r)
	}
}

// A reply whose xid is not the head of the pending queue breaks the
// protocol: the connection is dropped, sent ops become indeterminate, and
// the client resumes its session on the next server. The client first
// reports the violation (EventProtocolError): a correct server never
// causes one, so a harness holds it against the server.
func TestXidMismatchDropsConnectionAndResumes(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.SetData("/a", []byte("v"), -1, rec.cb("set"))
	c.GetData("/a", false, rec.cb("get"))
	s.request()
	s.request()
	s.reply(2, 0x30, wire.ErrOK, &wire.GetDataResponse{}) // answers the second op first
	if !env.closed[s.conn] {
		t.Fatal("connection not closed after an out-of-order reply")
	}
	want := []string{"session:connected", "session:protocolError", "set:CONNECTIONLOSS", "get:CONNECTIONLOSS", "session:disconnected"}
	if !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v, want %v", rec.log, want)
	}
	for _, r := range rec.results {
		if !r.Indeterminate() {
			t.Fatalf("%v not indeterminate", r)
		}
	}
	env.advance(c, 20*time.Millisecond)
	if d := env.lastDial(); d.addr != "s2:2181" || len(env.dials) != 2 {
		t.Fatalf("redial %+v (dials %d)", d, len(env.dials))
	}
	s2 := accept(t, env, c)
	req := s2.handshake(0x55, 3000, []byte("0123456789abcdef"))
	if req.SessionID != 0x55 || !bytes.Equal(req.Passwd, []byte("0123456789abcdef")) {
		t.Fatalf("resume request %+v", req)
	}
	if rec.log[len(rec.log)-1] != "session:connected" || c.State() != StateConnected {
		t.Fatalf("log %v state %v", rec.log, c.State())
	}
}

// The resumed handshake carries the last zxid seen, and ops submitted while
// disconnected are sent, in order, once the new connection is ready.
func TestQueuedOpsFlowAfterReconnect(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.Sync("/", rec.cb("sync"))
	hdr, _ := s.request()
	s.reply(hdr.Xid, 0x1_0000_0007, wire.ErrOK, &wire.SyncResponse{Path: "/"})
	c.Handle(proc.Closed{Conn: s.conn, Err: proc.ErrConnReset})
	c.Exists("/x", false, rec.cb("exists"))
	c.GetChildren("/", false, rec.cb("children"))
	env.advance(c, 20*time.Millisecond)
	s2 := accept(t, env, c)
	if req := s2.handshake(0x55, 3000, []byte("p")); req.LastZxidSeen != 0x1_0000_0007 {
		t.Fatalf("lastZxidSeen %#x", req.LastZxidSeen)
	}
	h1, r1 := s2.request()
	h2, r2 := s2.request()
	if r1.Op() != wire.OpExists || r2.Op() != wire.OpGetChildren || h2.Xid != h1.Xid+1 {
		t.Fatalf("queued ops sent as %+v %v, %+v %v", h1, r1.Op(), h2, r2.Op())
	}
	s2.reply(h1.Xid, 8, wire.ErrNoNode, nil)
	s2.reply(h2.Xid, 8, wire.ErrOK, &wire.GetChildrenResponse{Children: []string{"x"}})
	if got := rec.log[len(rec.log)-2:]; !reflect.DeepEqual(got, []string{"exists:NONODE", "children:OK"}) {
		t.Fatalf("log %v", rec.log)
	}
}

// A watch event that precedes a reply on the wire reaches the user first,
// even inside one chunk, and consumes the one-shot watch.
func TestWatchEventBeforeReply(t *testing.T) {
	c, _, rec, s := connected(t, nil)
	c.GetData("/cfg", true, rec.cb("get"))
	h, _ := s.request()
	s.reply(h.Xid, 5, wire.ErrOK, &wire.GetDataResponse{Data: []byte("1")})
	if !c.watches.data["/cfg"] {
		t.Fatal("getData(watch) did not register a data watch")
	}
	c.GetData("/cfg", false, rec.cb("get2"))
	h2, _ := s.request()
	chunk := wire.EncodeWatchEvent(wire.WatcherEvent{Type: wire.EventNodeDataChanged, State: wire.StateSyncConnected, Path: "/cfg"})
	chunk = append(chunk, wire.EncodeReply(h2.Xid, 6, wire.ErrOK, &wire.GetDataResponse{Data: []byte("2")})...)
	s.deliver(chunk)
	want := []string{"session:connected", "get:OK", "event:3:/cfg", "get2:OK"}
	if !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v, want %v", rec.log, want)
	}
	if c.watches.data["/cfg"] {
		t.Fatal("a fired one-shot watch is still registered")
	}
}

// On reconnect the client re-arms the watches it still holds with
// SetWatches relative to the last zxid seen, paths sorted, before any op.
func TestSetWatchesOnReconnect(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.GetData("/b", true, rec.cb("d1"))
	c.GetData("/a", true, rec.cb("d2"))
	c.Exists("/gone", true, rec.cb("e"))
	c.GetChildren("/", true, rec.cb("ch"))
	c.GetData("/fired", true, rec.cb("d3"))
	for i := range 5 {
		h, req := s.request()
		switch req.(type) {
		case *wire.ExistsRequest:
			s.reply(h.Xid, int64(10+i), wire.ErrNoNode, nil)
		case *wire.GetChildrenRequest:
			s.reply(h.Xid, int64(10+i), wire.ErrOK, &wire.GetChildrenResponse{Children: []string{}})
		default:
			s.reply(h.Xid, int64(10+i), wire.ErrOK, &wire.GetDataResponse{})
		}
	}
	s.deliver(wire.EncodeWatchEvent(wire.WatcherEvent{Type: wire.EventNodeDeleted, State: wire.StateSyncConnected, Path: "/fired"}))
	c.Handle(proc.Closed{Conn: s.conn})
	c.GetData("/after", false, rec.cb("after"))
	env.advance(c, 20*time.Millisecond)
	s2 := accept(t, env, c)
	s2.handshake(0x55, 3000, []byte("p"))
	h, req := s2.request()
	want := &wire.SetWatchesRequest{RelativeZxid: 14, DataWatches: []string{"/a", "/b"},
		ExistWatches: []string{"/gone"}, ChildWatches: []string{"/"}}
	if h.Xid != wire.XidSetWatches || !reflect.DeepEqual(req, want) {
		t.Fatalf("after reconnect sent %+v %#v, want %#v", h, req, want)
	}
	if _, next := s2.request(); next.Op() != wire.OpGetData {
		t.Fatalf("queued op not sent after setWatches: %v", next.Op())
	}
	s2.reply(wire.XidSetWatches, 14, wire.ErrOK, nil)
	if c.State() != StateConnected {
		t.Fatalf("setWatches reply broke the session: %v", c.State())
	}
}

// Persistent watches survive events and are re-armed with SetWatches2.
func TestPersistentWatchesUseSetWatches2(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.AddWatch("/p", wire.AddWatchPersistentRecursive, rec.cb("add"))
	h, req := s.request()
	if aw := req.(*wire.AddWatchRequest); aw.Mode != wire.AddWatchPersistentRecursive {
		t.Fatalf("addWatch %+v", aw)
	}
	s.reply(h.Xid, 3, wire.ErrOK, &wire.ErrorResponse{Err: wire.ErrOK}) // ZooKeeper's addWatch reply body
	s.deliver(wire.EncodeWatchEvent(wire.WatcherEvent{Type: wire.EventNodeCreated, State: wire.StateSyncConnected, Path: "/p/x"}))
	s.deliver(wire.EncodeWatchEvent(wire.WatcherEvent{Type: wire.EventNodeDeleted, State: wire.StateSyncConnected, Path: "/p"}))
	c.Handle(proc.Closed{Conn: s.conn})
	env.advance(c, 20*time.Millisecond)
	s2 := accept(t, env, c)
	s2.handshake(0x55, 3000, []byte("p"))
	h, req = s2.request()
	want := &wire.SetWatches2Request{RelativeZxid: 3, DataWatches: []string{}, ExistWatches: []string{},
		ChildWatches: []string{}, PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/p"}}
	if h.Xid != wire.XidSetWatches || !reflect.DeepEqual(req, want) {
		t.Fatalf("sent %+v %#v", h, req)
	}
}

// Pings go out after a third of the negotiated timeout without sends; any
// send postpones them.
func TestPingsWhenIdle(t *testing.T) {
	c, env, rec, s := connected(t, nil) // negotiated 3 s: ping after 1 s idle
	env.advance(c, 999*time.Millisecond)
	s.noRequest()
	env.advance(c, time.Millisecond)
	if h, req := s.request(); h.Xid != wire.XidPing || req.Op() != wire.OpPing {
		t.Fatalf("expected a ping, got %+v", h)
	}
	s.reply(wire.XidPing, 0, wire.ErrOK, nil)
	env.advance(c, 500*time.Millisecond)
	c.Exists("/", false, rec.cb("exists")) // a send at 1.5 s
	h, _ := s.request()
	s.reply(h.Xid, 1, wire.ErrOK, &wire.ExistsResponse{})
	env.advance(c, 999*time.Millisecond) // 2.499 s: 999 ms idle
	s.noRequest()
	env.advance(c, time.Millisecond)
	if h, _ := s.request(); h.Xid != wire.XidPing {
		t.Fatalf("expected a ping 1 s after the last send, got %+v", h)
	}
}

// A connection that brings no bytes for 2/3 of the session timeout is dead.
func TestSilentConnectionIsDropped(t *testing.T) {
	c, env, rec, s := connected(t, func(cfg *Config) { cfg.OpTimeout = -1 })
	c.GetData("/a", false, rec.cb("get"))
	s.request()
	env.advance(c, 1999*time.Millisecond)
	if env.closed[s.conn] {
		t.Fatal("dropped before 2/3 of the timeout")
	}
	s.reply(wire.XidPing, 0, wire.ErrOK, nil) // bytes at 1.999 s: alive again
	env.advance(c, 1999*time.Millisecond)
	if env.closed[s.conn] {
		t.Fatal("dropped although bytes arrived within the read timeout")
	}
	env.advance(c, time.Millisecond)
	if !env.closed[s.conn] || c.State() != StateConnecting {
		t.Fatalf("silent connection kept (state %v)", c.State())
	}
	if r := rec.results[0]; r.Err != wire.ErrConnectionLoss {
		t.Fatalf("pending op %+v", r)
	}
}

// A dial that never connects is abandoned after the connect timeout
// (session timeout / servers) and the next server is tried.
func TestConnectTimeoutMovesOn(t *testing.T) {
	c, env, rec := newTestClient(t, nil)
	env.advance(c, time.Second-time.Nanosecond)
	if len(env.dials) != 1 {
		t.Fatalf("%d dials before the connect timeout", len(env.dials))
	}
	env.advance(c, time.Nanosecond+10*time.Millisecond)
	if !env.closed[1] || len(env.dials) != 2 || env.lastDial().addr != "s2:2181" {
		t.Fatalf("dials %+v closed %v", env.dials, env.closed)
	}
	c.Handle(proc.Closed{Conn: 2, Err: proc.ErrConnRefused})
	env.advance(c, 10*time.Millisecond)
	if env.lastDial().addr != "s3:2181" {
		t.Fatalf("dials %+v", env.dials)
	}
	for _, ev := range rec.events {
		if ev.Kind == EventDisconnected {
			t.Fatal("Disconnected reported although no session connection was ready")
		}
	}
}

// A server that answers the handshake with session 0 / timeout 0 reports an
// expired session: queued ops fail, no more dials.
func TestSessionExpiredOnResume(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.Handle(proc.Closed{Conn: s.conn})
	c.SetData("/a", nil, -1, rec.cb("set"))
	env.advance(c, 20*time.Millisecond)
	s2 := accept(t, env, c)
	s2.handshake(0, 0, make([]byte, 16))
	if c.State() != StateExpired || !env.closed[s2.conn] {
		t.Fatalf("state %v", c.State())
	}
	want := []string{"session:connected", "session:disconnected", "set:SESSIONEXPIRED", "session:expired"}
	if !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v, want %v", rec.log, want)
	}
	dials := len(env.dials)
	c.GetData("/a", false, rec.cb("late"))
	if rec.log[len(rec.log)-1] == "late:SESSIONEXPIRED" {
		t.Fatal("an op on an expired client failed on the caller's stack")
	}
	env.advance(c, time.Minute)
	if rec.log[len(rec.log)-1] != "late:SESSIONEXPIRED" || len(env.dials) != dials {
		t.Fatalf("log %v, dials %d -> %d", rec.log, dials, len(env.dials))
	}
}

func TestSessionExpiredReply(t *testing.T) {
	c, _, rec, s := connected(t, nil)
	c.GetData("/a", false, rec.cb("get"))
	h, _ := s.request()
	s.reply(h.Xid, 0, wire.ErrSessionExpired, nil)
	if c.State() != StateExpired || rec.log[len(rec.log)-1] != "session:expired" {
		t.Fatalf("state %v log %v", c.State(), rec.log)
	}
}

// An op without a reply times out as indeterminate; its late reply is
// matched and discarded, and the connection stays usable.
func TestOpTimeoutThenLateReply(t *testing.T) {
	c, env, rec, s := connected(t, func(cfg *Config) { cfg.OpTimeout = 500 * time.Millisecond })
	c.SetData("/a", []byte("1"), -1, rec.cb("set"))
	h, _ := s.request()
	env.advance(c, 500*time.Millisecond)
	if r := rec.results[len(rec.results)-1]; r.Err != wire.ErrOperationTimeout || !r.Indeterminate() {
		t.Fatalf("result %+v", r)
	}
	s.reply(h.Xid, 9, wire.ErrOK, &wire.SetDataResponse{})
	c.GetData("/a", false, rec.cb("get"))
	h2, _ := s.request()
	s.reply(h2.Xid, 9, wire.ErrOK, &wire.GetDataResponse{Data: []byte("1")})
	want := []string{"session:connected", "set:OPERATIONTIMEOUT", "get:OK"}
	if !reflect.DeepEqual(rec.log, want) || env.closed[s.conn] {
		t.Fatalf("log %v closed %v", rec.log, env.closed[s.conn])
	}
}

// An op that times out while queued is never sent later.
func TestQueuedOpTimeoutIsNeverSent(t *testing.T) {
	c, env, rec := newTestClient(t, func(cfg *Config) { cfg.OpTimeout = 200 * time.Millisecond })
	c.Delete("/a", -1, rec.cb("del"))
	env.advance(c, 200*time.Millisecond)
	s := accept(t, env, c)
	s.handshake(1, 3000, []byte("p"))
	s.noRequest()
	if want := []string{"del:OPERATIONTIMEOUT", "session:connected"}; !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v", rec.log)
	}
}

func TestCloseSession(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.Close(rec.cb("close"))
	h, req := s.request()
	if req.Op() != wire.OpCloseSession {
		t.Fatalf("sent %v", req.Op())
	}
	c.GetData("/a", false, rec.cb("afterClose"))
	s.reply(h.Xid, 40, wire.ErrOK, nil)
	if c.State() != StateClosed || !env.closed[s.conn] {
		t.Fatalf("state %v", c.State())
	}
	env.advance(c, time.Millisecond)
	want := []string{"session:connected", "close:OK", "session:closed", "afterClose:SESSIONEXPIRED"}
	if !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v, want %v", rec.log, want)
	}
}

func TestMultiResults(t *testing.T) {
	c, _, rec, s := connected(t, nil)
	c.Multi([]wire.Request{
		&wire.CheckVersionRequest{Path: "/a", Version: 1},
		&wire.SetDataRequest{Path: "/a", Data: []byte("x"), Version: 1},
		&wire.CreateRequest{Path: "/b", ACL: wire.OpenACLUnsafe},
	}, rec.cb("multi"))
	h, req := s.request()
	if m := req.(*wire.MultiRequest); len(m.Ops) != 3 {
		t.Fatalf("multi %+v", m)
	}
	s.reply(h.Xid, 50, wire.ErrOK, &wire.MultiResponse{Results: wire.FailedMultiResults(3, 1, wire.ErrBadVersion)})
	r := rec.results[0]
	if r.Err != wire.ErrBadVersion || len(r.Multi) != 3 {
		t.Fatalf("multi result %+v", r)
	}
	want := []wire.Err{wire.ErrOK, wire.ErrBadVersion, wire.ErrRuntimeInconsistency}
	for i, m := range r.Multi {
		if m.Op != wire.OpError || m.Err != want[i] {
			t.Fatalf("op %d: %+v", i, m)
		}
	}
	c.Multi([]wire.Request{&wire.CreateRequest{Path: "/c"}, &wire.DeleteRequest{Path: "/d"}}, rec.cb("multi2"))
	h, _ = s.request()
	s.reply(h.Xid, 51, wire.ErrOK, &wire.MultiResponse{Results: []wire.Response{
		&wire.CreateResponse{Path: "/c"}, &wire.EmptyResponse{Type: wire.OpDelete}}})
	if r := rec.results[1]; r.Err != wire.ErrOK || r.Multi[0].Path != "/c" || r.Multi[1].Op != wire.OpDelete {
		t.Fatalf("multi2 %+v", r)
	}
}

// Auth uses xid -4 outside the pending queue, is replayed on reconnect, and
// a refused credential is reported and forgotten.
func TestAuthFlowAndReplay(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.AddAuth("digest", []byte("u:good"), rec.cb("auth1"))
	c.AddAuth("digest", []byte("u:bad"), rec.cb("auth2"))
	for _, want := range []string{"u:good", "u:bad"} {
		h, req := s.request()
		if a := req.(*wire.AuthRequest); h.Xid != wire.XidAuth || a.Scheme != "digest" || string(a.Auth) != want {
			t.Fatalf("auth %+v %+v", h, a)
		}
	}
	s.reply(wire.XidAuth, 0, wire.ErrOK, nil)
	s.reply(wire.XidAuth, 0, wire.ErrAuthFailed, nil)
	want := []string{"session:connected", "auth1:OK", "session:authFailed", "auth2:AUTHFAILED"}
	if !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v, want %v", rec.log, want)
	}
	c.Handle(proc.Closed{Conn: s.conn})
	env.advance(c, 20*time.Millisecond)
	s2 := accept(t, env, c)
	s2.handshake(0x55, 3000, []byte("p"))
	h, req := s2.request()
	if a, ok := req.(*wire.AuthRequest); !ok || h.Xid != wire.XidAuth || string(a.Auth) != "u:good" {
		t.Fatalf("replayed %+v %#v", h, req)
	}
	s2.noRequest()
}

// Handle claims only the client's own connection and timers.
func TestHandleIgnoresForeignEvents(t *testing.T) {
	c, _, _, s := connected(t, nil)
	other, err := New(Config{Servers: []string{"s1:2181"}})
	if err != nil {
		t.Fatal(err)
	}
	foreign := []proc.Event{
		proc.Received{Conn: s.conn + 100, Bytes: []byte{1}},
		proc.Closed{Conn: s.conn + 100},
		proc.Connected{Conn: s.conn},
		proc.Accepted{Conn: 9},
		proc.TimerFired{ID: 1, Tag: "workload"},
		proc.TimerFired{ID: 2, Tag: &timerTag{c: other, kind: timerPing}},
		proc.SyncDone{ID: 1},
	}
	for _, ev := range foreign {
		if c.Handle(ev) {
			t.Fatalf("client claimed %#v", ev)
		}
	}
	if c.State() != StateConnected {
		t.Fatalf("state %v", c.State())
	}
}

// Garbage on the wire drops the connection instead of panicking.
func TestMalformedReplyDropsConnection(t *testing.T) {
	for name, bytes := range map[string][]byte{
		"negative length": {0xff, 0xff, 0xff, 0xfe},
		"short body":      {0, 0, 0, 2, 0, 1},
		"truncated reply": append(wire.EncodeReply(1, 1, wire.ErrOK, nil)[:4:4], make([]byte, 16)...)[:12],
		"unexpected auth": wire.EncodeReply(wire.XidAuth, 0, wire.ErrOK, nil),
	} {
		t.Run(name, func(t *testing.T) {
			c, env, rec, s := connected(t, nil)
			c.GetData("/a", false, rec.cb("get"))
			s.request()
			s.deliver(bytes)
			if name == "truncated reply" {
				// An incomplete frame is not an error yet: wait for more.
				if env.closed[s.conn] {
					t.Fatal("dropped on an incomplete frame")
				}
				return
			}
			if !env.closed[s.conn] || rec.results[0].Err != wire.ErrConnectionLoss {
				t.Fatalf("closed %v results %+v", env.closed[s.conn], rec.results)
			}
		})
	}
}

func TestDoRefusesSpecialOps(t *testing.T) {
	c, env, rec, s := connected(t, nil)
	c.Do(&wire.PingRequest{}, OpOptions{}, rec.cb("ping"))
	c.Do(nil, OpOptions{}, rec.cb("nil"))
	s.noRequest()
	env.advance(c, time.Millisecond)
	if want := []string{"session:connected", "ping:BADARGUMENTS", "nil:BADARGUMENTS"}; !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v", rec.log)
	}
}

// The client is deterministic: the same script yields the same bytes.
func TestDeterministicBytes(t *testing.T) {
	run := func() []byte {
		c, env, rec, s := connected(t, func(cfg *Config) { cfg.Shuffle = true })
		c.GetData("/a", true, rec.cb("g"))
		h, _ := s.request()
		s.reply(h.Xid, 3, wire.ErrOK, &wire.GetDataResponse{})
		c.Handle(proc.Closed{Conn: s.conn})
		env.advance(c, 5*time.Second)
		var all []byte
		for id := proc.ConnID(1); id <= env.nextConn; id++ {
			all = append(all, env.out[id]...)
		}
		return append(all, []byte(env.lastDial().addr)...)
	}
	if a, b := run(), run(); !bytes.Equal(a, b) {
		t.Fatal("two identical runs sent different bytes")
	}
}

// Ops submitted before Start wait for the first connection; their timers
// start with Start. Close before Start refuses later ops without panicking.
func TestOpsBeforeStart(t *testing.T) {
	rec := &recorder{}
	c, err := New(Config{Servers: []string{"s1:2181"}, OnEvent: rec.onEvent})
	if err != nil {
		t.Fatal(err)
	}
	c.Create("/early", nil, wire.OpenACLUnsafe, 0, rec.cb("early"))
	env := newFakeEnv(t)
	c.Start(env)
	s := accept(t, env, c)
	s.handshake(1, 3000, []byte("p"))
	h, req := s.request()
	if req.Op() != wire.OpCreate {
		t.Fatalf("sent %v", req.Op())
	}
	s.reply(h.Xid, 1, wire.ErrOK, &wire.CreateResponse{Path: "/early"})
	if want := []string{"session:connected", "early:OK"}; !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %v", rec.log)
	}

	closed, err := New(Config{Servers: []string{"s1:2181"}})
	if err != nil {
		t.Fatal(err)
	}
	rec2 := &recorder{}
	closed.Close(rec2.cb("close"))
	closed.GetData("/x", false, rec2.cb("get"))
	env2 := newFakeEnv(t)
	closed.Start(env2)
	env2.advance(closed, time.Millisecond)
	if len(env2.dials) != 0 || !reflect.DeepEqual(rec2.log, []string{"close:CONNECTIONLOSS", "get:SESSIONEXPIRED"}) {
		t.Fatalf("dials %d log %v", len(env2.dials), rec2.log)
	}
}

// Reconfig sends opcode 16 with null strings for empty lists, and reads the
// new config's data and Stat like getData's reply.
func TestReconfigRequestAndResult(t *testing.T) {
	c, _, rec, s := connected(t, nil)
	c.Reconfig([]string{"server.4=s4:2888:3888:participant;s4:2181"}, []string{"2"}, nil, 0x100000000, rec.cb("incremental"))
	h, req := s.request()
	want := &wire.ReconfigRequest{JoiningServers: []byte("server.4=s4:2888:3888:participant;s4:2181"), LeavingServers: []byte("2"), CurConfigID: 0x100000000}
	if h.Type != wire.OpReconfig || !reflect.DeepEqual(req, want) {
		t.Fatalf("reconfig %+v %+v, want %+v", h, req, want)
	}
	s.reply(h.Xid, 60, wire.ErrOK, &wire.GetDataResponse{Data: []byte("server.1=s1:2888:3888:participant;s1:2181\nversion=3c"), Stat: wire.Stat{Mzxid: 60}})
	if r := rec.results[0]; r.Err != wire.ErrOK || r.Op != wire.OpReconfig || string(r.Data) != "server.1=s1:2888:3888:participant;s1:2181\nversion=3c" || r.Stat == nil || r.Stat.Mzxid != 60 {
		t.Fatalf("result %+v", r)
	}
	c.Reconfig(nil, []string{"3"}, nil, -1, rec.cb("leave"))
	h, req = s.request()
	if r := req.(*wire.ReconfigRequest); r.JoiningServers != nil || string(r.LeavingServers) != "3" || r.NewMembers != nil || r.CurConfigID != -1 {
		t.Fatalf("leave %+v", r)
	}
	s.reply(h.Xid, 61, wire.ErrNoAuth, nil)
	c.Reconfig([]string{"ignored"}, nil, []string{"server.1=a", "server.2=b"}, -1, rec.cb("members"))
	_, req = s.request()
	if r := req.(*wire.ReconfigRequest); r.JoiningServers != nil || r.LeavingServers != nil || string(r.NewMembers) != "server.1=a,server.2=b" {
		t.Fatalf("members %+v", r)
	}
	if r := rec.results[1]; r.Err != wire.ErrNoAuth {
		t.Fatalf("leave %+v", r)
	}
}

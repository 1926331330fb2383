package serverproc_test

// These tests run the zabsim server in a live Node on 127.0.0.1 and drive it
// with github.com/go-zookeeper/zk v1.0.4 (and, where go-zookeeper cannot say
// what is needed, with zkclient.RawClient over server/wire): the live tier's claim
// that real ZooKeeper clients work against zabsim.

import (
	"errors"
	"net"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/wire"
)

var openACL = zk.WorldACL(zk.PermAll)

// connectZK opens a go-zookeeper session and waits until it is established.
func connectZK(t *testing.T, addr string) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	return connectZKWith(t, addr, 4*time.Second, nil)
}

func connectZKWith(t *testing.T, addr string, timeout time.Duration, dialer zk.Dialer) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	if dialer == nil {
		dialer = net.DialTimeout
	}
	c, events, err := zk.Connect([]string{addr}, timeout, zk.WithLogInfo(false), zk.WithLogger(discardLogger{}), zk.WithDialer(dialer))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c, events
			}
		case <-deadline:
			t.Fatalf("no session with %s within 10s (state %v)", addr, c.State())
		}
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func mustCreate(t *testing.T, c *zk.Conn, path string, data string, flags int32) string {
	t.Helper()
	p, err := c.Create(path, []byte(data), flags, openACL)
	if err != nil {
		t.Fatalf("create %s (flags %d): %v", path, flags, err)
	}
	return p
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: err = %v, want %v", what, got, want)
	}
}

func TestLiveCreateModes(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c, _ := connectZK(t, addr)

	if p := mustCreate(t, c, "/p", "d", zk.FlagPersistent); p != "/p" {
		t.Fatalf("persistent create returned %q", p)
	}
	e := mustCreate(t, c, "/e", "", zk.FlagEphemeral)
	_, st, err := c.Exists(e)
	if err != nil || st.EphemeralOwner != c.SessionID() {
		t.Fatalf("ephemeral owner %#x (err %v), want session %#x", st.EphemeralOwner, err, c.SessionID())
	}
	_, err = c.Create("/e/child", nil, 0, openACL)
	wantErr(t, "child of ephemeral", err, zk.ErrNoChildrenForEphemerals)

	// Sequential suffixes are the parent's cversion, zero-padded to 10 digits.
	var seqs []string
	for i, flags := range []int32{zk.FlagSequence, zk.FlagEphemeralSequential, zk.FlagSequence} {
		seqs = append(seqs, mustCreate(t, c, "/p/n-", "", flags))
		if want := "/p/n-000000000" + string(rune('0'+i)); seqs[i] != want {
			t.Fatalf("sequential create %d = %q, want %q", i, seqs[i], want)
		}
	}
	protected, err := c.CreateProtectedEphemeralSequential("/p/lock-", nil, openACL)
	if err != nil || !regexp.MustCompile(`^/p/_c_[0-9a-f]{32}-lock-0000000003$`).MatchString(protected) {
		t.Fatalf("protected ephemeral sequential = %q, %v", protected, err)
	}

	// A container is deleted once its last child goes.
	if p, err := c.CreateContainer("/box", nil, zk.FlagContainer, openACL); err != nil || p != "/box" {
		t.Fatalf("create container = %q, %v", p, err)
	}
	mustCreate(t, c, "/box/item", "", 0)
	if err := c.Delete("/box/item", -1); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "/box", 5*time.Second)

	// A TTL node is deleted once its TTL passes without a change.
	if p, err := c.CreateTTL("/ttl", nil, zk.FlagTTL, openACL, 300*time.Millisecond); err != nil || p != "/ttl" {
		t.Fatalf("create ttl = %q, %v", p, err)
	}
	if p, err := c.CreateTTL("/ttlseq-", nil, zk.FlagPersistentSequentialWithTTL, openACL, time.Hour); err != nil || !strings.HasPrefix(p, "/ttlseq-00000000") {
		t.Fatalf("create sequential ttl = %q, %v", p, err)
	}
	waitGone(t, c, "/ttl", 5*time.Second)
	if ok, _, _ := c.Exists("/" + seqSuffix(t, c, "/", "ttlseq-")); !ok {
		t.Fatal("TTL node with a 1h TTL was deleted")
	}
}

// seqSuffix returns the one child of parent that starts with prefix.
func seqSuffix(t *testing.T, c *zk.Conn, parent, prefix string) string {
	t.Helper()
	kids, _, err := c.Children(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids {
		if strings.HasPrefix(k, prefix) {
			return k
		}
	}
	t.Fatalf("no child of %s starts with %s (children %v)", parent, prefix, kids)
	return ""
}

func waitGone(t *testing.T, c *zk.Conn, path string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		ok, _, err := c.Exists(path)
		if err != nil {
			t.Fatalf("exists %s: %v", path, err)
		}
		if !ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s still exists after %v", path, within)
}

// Without extendedTypesEnabled a TTL create is refused (UNIMPLEMENTED), as
// ZooKeeper refuses it.
func TestLiveCreateTTLDisabled(t *testing.T) {
	addr := livetest.StartZabsim(t, func(c *server.Config) { c.ExtendedTypesEnabled = false })
	c, _ := connectZK(t, addr)
	_, err := c.CreateTTL("/ttl", nil, zk.FlagTTL, openACL, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "-6") {
		t.Fatalf("createTTL without extended types: %v, want unknown error -6 (UNIMPLEMENTED)", err)
	}
}

func TestLiveReadWriteAndErrors(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c, _ := connectZK(t, addr)
	mustCreate(t, c, "/a", "one", 0)
	_, err := c.Create("/a", nil, 0, openACL)
	wantErr(t, "create existing", err, zk.ErrNodeExists)
	_, err = c.Create("/missing/x", nil, 0, openACL)
	wantErr(t, "create under missing parent", err, zk.ErrNoNode)

	data, st, err := c.Get("/a")
	if err != nil || string(data) != "one" || st.Version != 0 || st.DataLength != 3 || st.Czxid != st.Mzxid {
		t.Fatalf("get /a = %q %+v %v", data, st, err)
	}
	st2, err := c.Set("/a", []byte("two"), 0)
	if err != nil || st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid || st2.Mtime < st.Mtime {
		t.Fatalf("set /a v0 = %+v, %v (before %+v)", st2, err, st)
	}
	_, err = c.Set("/a", []byte("three"), 0)
	wantErr(t, "set with stale version", err, zk.ErrBadVersion)
	_, err = c.Set("/nope", nil, -1)
	wantErr(t, "set missing", err, zk.ErrNoNode)
	_, _, err = c.Get("/nope")
	wantErr(t, "get missing", err, zk.ErrNoNode)
	if ok, st, err := c.Exists("/nope"); ok || err != nil || st.Czxid != 0 {
		t.Fatalf("exists missing = %v %+v %v", ok, st, err)
	}

	for _, k := range []string{"c", "a", "b"} {
		mustCreate(t, c, "/a/"+k, "", 0)
	}
	kids, st, err := c.Children("/a")
	slices.Sort(kids)
	if err != nil || !reflect.DeepEqual(kids, []string{"a", "b", "c"}) || st.NumChildren != 3 || st.Cversion != 3 {
		t.Fatalf("children /a = %v %+v %v", kids, st, err)
	}
	wantErr(t, "delete non-empty", c.Delete("/a", -1), zk.ErrNotEmpty)
	wantErr(t, "delete stale version", c.Delete("/a/c", 5), zk.ErrBadVersion)
	if err := c.Delete("/a/c", 0); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "delete twice", c.Delete("/a/c", -1), zk.ErrNoNode)
	if p, err := c.Sync("/a"); err != nil || p != "/a" {
		t.Fatalf("sync = %q, %v", p, err)
	}
}

func TestLiveACLs(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	owner, _ := connectZK(t, addr)
	other, _ := connectZK(t, addr)

	_, err := owner.Create("/x", nil, 0, nil)
	wantErr(t, "create with empty ACL", err, zk.ErrInvalidACL)
	_, err = owner.Create("/x", nil, 0, zk.AuthACL(zk.PermAll))
	wantErr(t, "auth ACL without credentials", err, zk.ErrInvalidACL)

	if err := owner.AddAuth("digest", []byte("alice:secret")); err != nil {
		t.Fatal(err)
	}
	mustCreateACL(t, owner, "/secret", zk.DigestACL(zk.PermAll, "alice", "secret"))
	mustCreateACL(t, owner, "/mine", zk.AuthACL(zk.PermRead|zk.PermWrite|zk.PermAdmin))

	_, _, err = other.Get("/secret")
	wantErr(t, "read without auth", err, zk.ErrNoAuth)
	_, err = other.Set("/mine", nil, -1)
	wantErr(t, "write without auth", err, zk.ErrNoAuth)
	if _, _, err := owner.Get("/secret"); err != nil {
		t.Fatalf("owner read: %v", err)
	}

	acl, st, err := owner.GetACL("/mine")
	want := zk.DigestACL(zk.PermRead|zk.PermWrite|zk.PermAdmin, "alice", "secret")
	if err != nil || !reflect.DeepEqual(acl, want) || st.Aversion != 0 {
		t.Fatalf("getACL /mine = %+v %+v %v, want %+v (the auth scheme stored as the session's digest)", acl, st, err, want)
	}
	_, err = owner.SetACL("/mine", openACL, 3)
	wantErr(t, "setACL stale aversion", err, zk.ErrBadVersion)
	st, err = owner.SetACL("/mine", openACL, 0)
	if err != nil || st.Aversion != 1 {
		t.Fatalf("setACL = %+v, %v", st, err)
	}
	if _, err := other.Set("/mine", []byte("now open"), -1); err != nil {
		t.Fatalf("write after opening the ACL: %v", err)
	}
	if err := other.AddAuth("digest", []byte("alice:secret")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Get("/secret"); err != nil {
		t.Fatalf("read after auth as alice: %v", err)
	}
}

func mustCreateACL(t *testing.T, c *zk.Conn, path string, acl []zk.ACL) {
	t.Helper()
	if _, err := c.Create(path, nil, 0, acl); err != nil {
		t.Fatalf("create %s with %+v: %v", path, acl, err)
	}
}

func TestLiveMulti(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c, _ := connectZK(t, addr)
	mustCreate(t, c, "/m", "0", 0)
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/m/a", Data: []byte("a"), Acl: openACL},
		&zk.SetDataRequest{Path: "/m", Data: []byte("1"), Version: 0},
		&zk.CheckVersionRequest{Path: "/m", Version: 1},
		&zk.DeleteRequest{Path: "/m/a", Version: 0},
	)
	if err != nil || len(res) != 4 || res[0].String != "/m/a" || res[1].Stat == nil || res[1].Stat.Version != 1 {
		t.Fatalf("multi = %+v, %v", res, err)
	}
	for i, r := range res {
		if r.Error != nil {
			t.Fatalf("multi op %d: %v", i, r.Error)
		}
	}
	// A failing op rolls the whole multi back: ops before it report OK
	// (rolled back), the failing op its code, later ops RUNTIMEINCONSISTENCY.
	res, err = c.Multi(
		&zk.CreateRequest{Path: "/m/b", Data: nil, Acl: openACL},
		&zk.SetDataRequest{Path: "/m", Data: []byte("2"), Version: 0},
		&zk.DeleteRequest{Path: "/m", Version: -1},
	)
	wantErr(t, "failed multi", err, zk.ErrBadVersion)
	if len(res) != 3 || res[0].Error != nil || !errors.Is(res[1].Error, zk.ErrBadVersion) || res[2].Error == nil || !strings.Contains(res[2].Error.Error(), "-2") {
		t.Fatalf("failed multi results %+v", res)
	}
	if ok, _, _ := c.Exists("/m/b"); ok {
		t.Fatal("create of a failed multi took effect")
	}
	if data, st, _ := c.Get("/m"); string(data) != "1" || st.Version != 1 {
		t.Fatalf("/m = %q v%d after failed multi, want \"1\" v1", data, st.Version)
	}
}

func TestLiveWatches(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c, _ := connectZK(t, addr)
	w, _ := connectZK(t, addr)

	ok, _, existsCh, err := w.ExistsW("/w")
	if err != nil || ok {
		t.Fatalf("existsW = %v %v", ok, err)
	}
	mustCreate(t, c, "/w", "0", 0)
	expectEvent(t, existsCh, zk.EventNodeCreated, "/w")

	_, _, dataCh, err := w.GetW("/w")
	if err != nil {
		t.Fatal(err)
	}
	// A first child keeps the reply's children vector non-empty: see
	// TestLiveEmptyChildrenVector for the server bug an empty one meets.
	mustCreate(t, c, "/w/first", "", 0)
	_, _, childCh, err := w.ChildrenW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/w", []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	// The event must reach the watcher before any read that reflects the
	// change: go-zookeeper dispatches events as it reads them, so it is in
	// the channel by the time Get returns.
	data, _, err := w.Get("/w")
	if err != nil || string(data) != "1" {
		t.Fatalf("get after set = %q %v", data, err)
	}
	expectEventNow(t, dataCh, zk.EventNodeDataChanged, "/w")

	mustCreate(t, c, "/w/kid", "", 0)
	if _, _, err := w.Children("/w"); err != nil {
		t.Fatal(err)
	}
	expectEventNow(t, childCh, zk.EventNodeChildrenChanged, "/w")

	_, _, delCh, err := w.GetW("/w/kid")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/w/kid", -1); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, delCh, zk.EventNodeDeleted, "/w/kid")
}

func expectEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("event %+v, want %v on %s", ev, typ, path)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v event on %s within 5s", typ, path)
	}
}

func expectEventNow(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("event %+v, want %v on %s", ev, typ, path)
		}
	default:
		t.Fatalf("a read reflecting the change returned before the %v event on %s", typ, path)
	}
}

// The wire-level version of the ordering rule: on one connection the
// notification frame precedes the reply to the read that observes the change.
func TestLiveWatchEventPrecedesReply(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	writer := dialRaw(t, addr, 0, nil)
	reader := dialRaw(t, addr, 0, nil)
	rawCall(t, writer, &wire.CreateRequest{Path: "/o", Data: []byte("0"), ACL: wire.OpenACLUnsafe}, wire.ErrOK)
	for i := range 20 {
		rawCall(t, reader, &wire.GetDataRequest{Path: "/o", Watch: true}, wire.ErrOK)
		before := len(reader.Events)
		rawCall(t, writer, &wire.SetDataRequest{Path: "/o", Data: []byte{byte(i)}, Version: -1}, wire.ErrOK)
		_, resp := rawCall(t, reader, &wire.ExistsRequest{Path: "/o"}, wire.ErrOK)
		st := resp.(*wire.ExistsResponse).Stat
		if st.Version != int32(i+1) {
			t.Fatalf("round %d: exists saw version %d, want %d", i, st.Version, i+1)
		}
		if len(reader.Events) != before+1 || reader.Events[before].Type != wire.EventNodeDataChanged {
			t.Fatalf("round %d: events before the reply %+v, want one NodeDataChanged", i, reader.Events[before:])
		}
	}
}

func dialRaw(t *testing.T, addr string, session int64, passwd []byte) *zkclient.RawClient {
	t.Helper()
	c, err := zkclient.DialRaw(addr, 4000, session, passwd, 5*time.Second)
	if err != nil {
		t.Fatalf("raw dial %s: %v", addr, err)
	}
	t.Cleanup(c.Abort)
	return c
}

func rawCall(t *testing.T, c *zkclient.RawClient, req wire.Request, want wire.Err) (wire.ReplyHeader, wire.Response) {
	t.Helper()
	hdr, resp, err := c.Call(req)
	if err != nil {
		t.Fatalf("%v: %v", req.Op(), err)
	}
	if hdr.Err != want {
		t.Fatalf("%v %+v: %v, want %v", req.Op(), req, hdr.Err.Name(), want.Name())
	}
	return hdr, resp
}

func TestLiveEphemeralsRemovedOnClose(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	a, _ := connectZK(t, addr)
	b, _ := connectZK(t, addr)
	mustCreate(t, a, "/eph", "", zk.FlagEphemeral)
	mustCreate(t, a, "/eph-seq-", "", zk.FlagEphemeralSequential)
	_, _, ch, err := b.ExistsW("/eph")
	if err != nil {
		t.Fatal(err)
	}
	a.Close() // waits for the closeSession reply: the ephemerals are gone now
	for _, p := range []string{"/eph", "/eph-seq-0000000001"} {
		if ok, _, err := b.Exists(p); ok || err != nil {
			t.Fatalf("%s exists=%v (err %v) after its session closed", p, ok, err)
		}
	}
	expectEvent(t, ch, zk.EventNodeDeleted, "/eph")
}

// gatedDialer lets a test cut a go-zookeeper client off: Cut closes its
// connections and refuses new ones, so the client stops pinging without
// closing its session; Heal lets it reconnect.
type gatedDialer struct {
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func (g *gatedDialer) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cut {
		return nil, errors.New("gated: network cut")
	}
	nc, err := net.DialTimeout(network, addr, timeout)
	if err == nil {
		g.conns = append(g.conns, nc)
	}
	return nc, err
}

func (g *gatedDialer) Cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cut = true
	for _, nc := range g.conns {
		nc.Close()
	}
	g.conns = nil
}

func (g *gatedDialer) Heal() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cut = false
}

func TestLiveEphemeralsRemovedOnSessionExpiry(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	var gate gatedDialer
	a, aEvents := connectZKWith(t, addr, time.Second, gate.dial)
	b, _ := connectZK(t, addr)
	mustCreate(t, a, "/lease", "", zk.FlagEphemeral)
	_, _, ch, err := b.ExistsW("/lease")
	if err != nil {
		t.Fatal(err)
	}
	cutAt := time.Now()
	gate.Cut()
	expectEvent(t, ch, zk.EventNodeDeleted, "/lease")
	took := time.Since(cutAt)
	// Negotiated timeout 1 s, counted from the last ping (go-zookeeper
	// pings every third of it), checked every half tick.
	if took < 500*time.Millisecond || took > 5*time.Second {
		t.Fatalf("ephemeral deleted %v after the client went silent, want about the 1s session timeout", took)
	}
	if ok, _, _ := b.Exists("/lease"); ok {
		t.Fatal("ephemeral still exists after its session expired")
	}
	// When the client comes back, the server tells it the session expired.
	gate.Heal()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-aEvents:
			if ev.State == zk.StateExpired {
				return
			}
		case <-deadline:
			t.Fatal("reconnecting client was not told its session expired")
		}
	}
}

// A session resumes on a second connection with its id and password (what a
// client does when it moves to another server); the old connection is
// closed, the ephemerals stay, and a wrong password is refused.
func TestLiveSessionMove(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	first := dialRaw(t, addr, 0, nil)
	rawCall(t, first, &wire.CreateRequest{Path: "/owned", ACL: wire.OpenACLUnsafe, Flags: wire.FlagEphemeral}, wire.ErrOK)

	bad := append([]byte(nil), first.Passwd...)
	bad[0] ^= 0xff
	if _, err := zkclient.DialRaw(addr, 4000, first.SessionID, bad, 5*time.Second); !errors.Is(err, zkclient.ErrSessionExpired) {
		t.Fatalf("resume with a wrong password: %v, want zkclient.ErrSessionExpired", err)
	}

	second := dialRaw(t, addr, first.SessionID, first.Passwd)
	if second.SessionID != first.SessionID {
		t.Fatalf("resumed session %#x, want %#x", second.SessionID, first.SessionID)
	}
	_, resp := rawCall(t, second, &wire.GetEphemeralsRequest{PrefixPath: "/"}, wire.ErrOK)
	if got := resp.(*wire.GetEphemeralsResponse).Ephemerals; !reflect.DeepEqual(got, []string{"/owned"}) {
		t.Fatalf("getEphemerals on the resumed session = %v, want [/owned]", got)
	}
	// The server closed the first connection when the session moved.
	if _, _, err := first.Call(&wire.ExistsRequest{Path: "/owned"}); err == nil {
		t.Fatal("old connection still answers after its session moved")
	}
	_, resp = rawCall(t, second, &wire.ExistsRequest{Path: "/owned"}, wire.ErrOK)
	if owner := resp.(*wire.ExistsResponse).Stat.EphemeralOwner; owner != first.SessionID {
		t.Fatalf("ephemeral owner %#x, want %#x", owner, first.SessionID)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := zkclient.DialRaw(addr, 4000, first.SessionID, first.Passwd, 5*time.Second); !errors.Is(err, zkclient.ErrSessionExpired) {
		t.Fatalf("resume after closeSession: %v, want zkclient.ErrSessionExpired", err)
	}
}

func TestLiveFourLetterWords(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c, _ := connectZK(t, addr)
	mustCreate(t, c, "/four", "", 0)
	cases := []struct{ cmd, want string }{
		{"ruok", "imok"},
		{"srvr", "Mode: standalone"},
		{"stat", "Clients:"},
		{"mntr", "zk_server_state\tstandalone"},
		{"mntr", "zk_znode_count\t"},
	}
	for _, tc := range cases {
		out, err := cluster.FourLetterWord(addr, tc.cmd, 5*time.Second)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("%s = %q (err %v), want it to contain %q", tc.cmd, out, err, tc.want)
		}
	}
	stats, ok := zk.FLWSrvr([]string{addr}, 5*time.Second)
	if !ok || stats[0].Error != nil || stats[0].Mode != zk.ModeStandalone || stats[0].NodeCount < 2 {
		t.Fatalf("go-zookeeper FLWSrvr = %+v (ok %v)", stats[0], ok)
	}
	if got := zk.FLWRuok([]string{addr}, 5*time.Second); !got[0] {
		t.Fatal("go-zookeeper FLWRuok = false")
	}
}

// With ZooKeeper's default whitelist only srvr answers.
func TestLiveFourLetterWordsWhitelist(t *testing.T) {
	addr := livetest.StartZabsim(t, func(c *server.Config) { c.FourLetterWords = nil })
	out, err := cluster.FourLetterWord(addr, "ruok", 5*time.Second)
	if err != nil || out != "ruok is not executed because it is not in the whitelist.\n" {
		t.Fatalf("ruok off the whitelist = %q, %v", out, err)
	}
	if out, _ := cluster.FourLetterWord(addr, "srvr", 5*time.Second); !strings.Contains(out, "Mode: standalone") {
		t.Fatalf("srvr = %q", out)
	}
}

// Ops go-zookeeper lacks, through zkclient.RawClient: getAllChildrenNumber,
// getEphemerals, create2, multiRead, and create2.
func TestLiveRawOnlyOps(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c := dialRaw(t, addr, 0, nil)
	_, resp := rawCall(t, c, &wire.Create2Request{CreateRequest: wire.CreateRequest{Path: "/r", Data: []byte("x"), ACL: wire.OpenACLUnsafe}}, wire.ErrOK)
	if r := resp.(*wire.Create2Response); r.Path != "/r" || r.Stat.DataLength != 1 {
		t.Fatalf("create2 = %+v", r)
	}
	for _, p := range []string{"/r/a", "/r/a/b", "/r/c"} {
		rawCall(t, c, &wire.CreateRequest{Path: p, ACL: wire.OpenACLUnsafe, Flags: wire.FlagEphemeral * boolInt(p == "/r/c")}, wire.ErrOK)
	}
	_, resp = rawCall(t, c, &wire.GetAllChildrenNumberRequest{Path: "/r"}, wire.ErrOK)
	if n := resp.(*wire.GetAllChildrenNumberResponse).TotalNumber; n != 3 {
		t.Fatalf("getAllChildrenNumber /r = %d, want 3", n)
	}
	_, resp = rawCall(t, c, &wire.GetEphemeralsRequest{PrefixPath: "/r"}, wire.ErrOK)
	if e := resp.(*wire.GetEphemeralsResponse).Ephemerals; !reflect.DeepEqual(e, []string{"/r/c"}) {
		t.Fatalf("getEphemerals /r = %v", e)
	}
	_, resp = rawCall(t, c, &wire.MultiReadRequest{Ops: []wire.Request{&wire.GetDataRequest{Path: "/r"}, &wire.GetChildrenRequest{Path: "/nope"}}}, wire.ErrOK)
	res := resp.(*wire.MultiReadResponse).Results
	if len(res) != 2 || string(res[0].(*wire.GetDataResponse).Data) != "x" || res[1].(*wire.ErrorResponse).Err != wire.ErrNoNode {
		t.Fatalf("multiRead = %+v", res)
	}
	rawCall(t, c, &wire.GetAllChildrenNumberRequest{Path: "/nope"}, wire.ErrNoNode)
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// An empty children list must go on the wire as an empty vector (count 0),
// as ZooKeeper sends it, never as a null vector (count -1): go-zookeeper
// v1.0.4 decodes -1 as a 4 GiB slice and the client process dies of OOM.
func TestLiveEmptyChildrenVector(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c := dialRaw(t, addr, 0, nil)
	rawCall(t, c, &wire.CreateRequest{Path: "/leaf", ACL: wire.OpenACLUnsafe}, wire.ErrOK)
	_, resp := rawCall(t, c, &wire.GetChildren2Request{GetChildrenRequest: wire.GetChildrenRequest{Path: "/leaf"}}, wire.ErrOK)
	if kids := resp.(*wire.GetChildren2Response).Children; kids == nil {
		t.Fatal("getChildren2 on a leaf sent a null children vector, want an empty one")
	}
	_, resp = rawCall(t, c, &wire.GetChildrenRequest{Path: "/leaf"}, wire.ErrOK)
	if kids := resp.(*wire.GetChildrenResponse).Children; kids == nil {
		t.Fatal("getChildren on a leaf sent a null children vector, want an empty one")
	}
}

// Apache ZooKeeper 3.8.0 answers a create2 inside a multi with a plain
// create result (type 1, path only), while createContainer and createTTL in
// a multi get create2 results with a Stat (observed with zkclient.RawClient against
// Debian's 3.8.0). zabsim answers create2 with a Stat.
func TestLiveMultiCreate2Result(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c := dialRaw(t, addr, 0, nil)
	_, resp := rawCall(t, c, &wire.MultiRequest{Ops: []wire.Request{
		&wire.Create2Request{CreateRequest: wire.CreateRequest{Path: "/a", ACL: wire.OpenACLUnsafe}},
	}}, wire.ErrOK)
	res := resp.(*wire.MultiResponse).Results
	if len(res) != 1 || res[0].Op() != wire.OpCreate {
		t.Fatalf("multi [create2] results %+v, want one create result as ZooKeeper 3.8.0 sends", res)
	}
}

// go-zookeeper's Reconfig/IncrementalReconfig: ZooKeeper 3.8 without
// reconfigEnabled answers RECONFIGDISABLED (-123) and keeps the session's
// connection; so does zabsim.
func TestLiveReconfigDisabled(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	c, _ := connectZK(t, addr)
	_, err := c.IncrementalReconfig([]string{"server.5=127.0.0.1:1:2"}, nil, -1)
	wantErr(t, "incremental reconfig", err, zk.ErrReconfigDisabled)
	_, err = c.Reconfig([]string{"server.1=127.0.0.1:1:2"}, -1)
	wantErr(t, "reconfig", err, zk.ErrReconfigDisabled)
}

// ZooKeeper 3.8.0 keeps one watch mode per (session, path): a later
// addWatch or one-shot watch on the same path replaces the earlier mode
// (observed with zkclient.RawClient against Debian's 3.8.0: after addWatch
// persistent then persistent-recursive on /q, creating /q/c sends only
// NodeCreated /q/c; after addWatch recursive on /p then getData(watch) on
// /p, creating /p/c sends nothing). zabsim keeps every mode, as ZooKeeper
// 3.9 does (ZOOKEEPER-4466), and sends NodeChildrenChanged /q too.
func TestLiveWatchModesPerPath(t *testing.T) {
	t.Skip("server difference (for the lead): zabsim keeps several watch modes per session and path " +
		"(ZooKeeper 3.9 behaviour); ZooKeeper 3.8.0 keeps the last one — decide: match 3.8.0, or a switch, or document")
	addr := livetest.StartZabsim(t, nil)
	x := dialRaw(t, addr, 0, nil)
	y := dialRaw(t, addr, 0, nil)
	rawCall(t, y, &wire.CreateRequest{Path: "/q", ACL: wire.OpenACLUnsafe}, wire.ErrOK)
	rawCall(t, x, &wire.AddWatchRequest{Path: "/q", Mode: wire.AddWatchPersistent}, wire.ErrOK)
	rawCall(t, x, &wire.AddWatchRequest{Path: "/q", Mode: wire.AddWatchPersistentRecursive}, wire.ErrOK)
	rawCall(t, y, &wire.CreateRequest{Path: "/q/c", ACL: wire.OpenACLUnsafe}, wire.ErrOK)
	rawCall(t, x, &wire.SyncRequest{Path: "/"}, wire.ErrOK)
	want := []wire.WatcherEvent{{Type: wire.EventNodeCreated, State: wire.StateSyncConnected, Path: "/q/c"}}
	if !reflect.DeepEqual(x.Events, want) {
		t.Fatalf("events %+v, want only %+v as ZooKeeper 3.8.0 sends", x.Events, want)
	}
}

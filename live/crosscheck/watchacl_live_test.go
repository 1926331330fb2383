package crosscheck

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/server/wire"
)

// watchACLScript runs the watch-versus-READ scenarios on one server: a
// watcher session without credentials and an owner session holding
// alice's digest. It returns the events the watcher received, in order,
// each tagged with the step after which it was seen.
func watchACLScript(t *testing.T, addr string) string {
	t.Helper()
	dial := func() *zkclient.RawClient {
		c, err := zkclient.DialRaw(addr, 30000, 0, nil, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Abort)
		return c
	}
	watcher, owner := dial(), dial()
	alice := digestACL(wire.PermAll, "alice", "secret")
	call := func(c *zkclient.RawClient, req wire.Request) {
		t.Helper()
		if _, _, err := c.Call(req); err != nil {
			t.Fatal(err)
		}
	}
	call(owner, &wire.AuthRequest{Scheme: "digest", Auth: []byte("alice:secret")})
	steps := []struct {
		c   *zkclient.RawClient
		req wire.Request
	}{
		// NodeCreated of a node the watcher cannot read: dropped, and the
		// exists watch is consumed (no NodeDeleted later).
		{watcher, &wire.ExistsRequest{Path: "/w1", Watch: true}},
		{owner, &wire.CreateRequest{Path: "/w1", ACL: alice}},
		{owner, &wire.DeleteRequest{Path: "/w1", Version: -1}},
		// A readable node made unreadable: its change is dropped.
		{owner, &wire.CreateRequest{Path: "/w2", ACL: wire.OpenACLUnsafe}},
		{watcher, &wire.GetDataRequest{Path: "/w2", Watch: true}},
		{owner, &wire.SetACLRequest{Path: "/w2", ACL: alice, Version: -1}},
		{owner, &wire.SetDataRequest{Path: "/w2", Data: []byte("x"), Version: -1}},
		// NodeChildrenChanged is checked against the parent's ACL, not the
		// child's.
		{owner, &wire.CreateRequest{Path: "/w3", ACL: wire.OpenACLUnsafe}},
		{watcher, &wire.GetChildrenRequest{Path: "/w3", Watch: true}},
		{owner, &wire.CreateRequest{Path: "/w3/c", ACL: alice}},
		{watcher, &wire.GetChildrenRequest{Path: "/w3", Watch: true}},
		{owner, &wire.SetACLRequest{Path: "/w3", ACL: alice, Version: -1}},
		{owner, &wire.DeleteRequest{Path: "/w3/c", Version: -1}},
		// A readable node's deletion still reaches the watcher.
		{owner, &wire.CreateRequest{Path: "/w4", ACL: wire.ReadACLUnsafe}},
		{watcher, &wire.ExistsRequest{Path: "/w4", Watch: true}},
		{owner, &wire.DeleteRequest{Path: "/w4", Version: -1}},
	}
	var b strings.Builder
	for i, s := range steps {
		call(s.c, s.req)
		call(watcher, &wire.SyncRequest{Path: "/"}) // every event sent so far precedes this reply
		for _, ev := range watcher.Events {
			fmt.Fprintf(&b, "step %d: %v %s\n", i, ev.Type, ev.Path)
		}
		watcher.Events = nil
	}
	return b.String()
}

// wantWatchACL is what both servers deliver (ZooKeeper 3.8.0 as Debian
// ships it, with the CVE-2024-23944 fix).
const wantWatchACL = `step 9: NodeChildrenChanged /w3
step 15: NodeDeleted /w4
`

func TestLiveWatchEventsNeedRead(t *testing.T) {
	got := watchACLScript(t, livetest.StartZabsim(t, nil))
	if got != wantWatchACL {
		t.Fatalf("zabsim watcher saw:\n%swant:\n%s", got, wantWatchACL)
	}
}

func TestWatchEventsNeedReadMatchesZooKeeper(t *testing.T) {
	livetest.RequireZooKeeper(t)
	if got := watchACLScript(t, startDiffZooKeeper(t)); got != wantWatchACL {
		t.Fatalf("Apache ZooKeeper's watcher saw:\n%swant:\n%s", got, wantWatchACL)
	}
}

package server_test

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
)

// createACL creates path with acl through the generic request path.
func createACL(path string, acl []wire.ACL) step {
	return opStep("create "+path, func(c *client.Client, cb func(client.Result)) {
		c.Create(path, []byte("v"), acl, wire.FlagPersistent, cb)
	})
}

// A watch event reaches a session only if it may READ the node (the
// parent, for NodeChildrenChanged), as in ZooKeeper with the fix for
// CVE-2024-23944; the one-shot watch is consumed either way. The live
// tests check the same script against Apache ZooKeeper
// (TestWatchEventsNeedReadMatchesZooKeeper).
func TestWatchEventsNeedRead(t *testing.T) {
	a := zk.DigestACL(zk.PermAll, "alice", "secret")[0]
	alice := []wire.ACL{{Perms: a.Perms, ID: wire.ID{Scheme: a.Scheme, ID: a.ID}}}
	w := newWorld(t, 9)
	w.addClient("c1",
		exists("/hidden", true),
		createACL("/hidden", alice), // no NodeCreated: the session cannot read it
		del("/hidden", -1),          // and the exists watch is spent: no NodeDeleted
		exists("/open", true),
		createACL("/open", []wire.ACL{{Perms: wire.PermRead | wire.PermCreate, ID: wire.WorldAnyone}}), // readable: NodeCreated
		children("/open", true),
		createACL("/open/kid", alice), // the parent is readable: NodeChildrenChanged
	)
	w.run(2 * time.Second)
	w.expect(`
exists /hidden -> NONODE
create /hidden -> OK path=/hidden
delete /hidden -> OK
exists /open -> NONODE
  event NodeCreated /open
create /open -> OK path=/open
children /open -> OK version=0 cversion=0 numChildren=0 children=[]
  event NodeChildrenChanged /open
create /open/kid -> OK path=/open/kid`)
}

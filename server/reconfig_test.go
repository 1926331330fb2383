package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

const superAuth = "super:secret"

// newReconfigEnsemble is servers s1..s5 with reconfigEnabled, where the
// initial config holds the first `members` (observers among them as
// listed); the others start as joiners whose config is the ensemble plus
// themselves, as the ZooKeeper admin guide asks.
func newReconfigEnsemble(t *testing.T, seed uint64, members int, observers ...int64) *ensembleWorld {
	t.Helper()
	peer := func(id int64) server.PeerConfig {
		return server.PeerConfig{ID: id, Addr: fmt.Sprintf("s%d:2888", id), ElectionPort: 3888,
			ClientAddr: fmt.Sprintf("s%d:2181", id), Observer: slices.Contains(observers, id)}
	}
	tweak := func(c *server.Config) {
		c.ReconfigEnabled = true
		c.SuperDigest = tree.GenerateDigest(superAuth)
		c.Peers = nil
		for id := int64(1); id <= int64(members); id++ {
			c.Peers = append(c.Peers, peer(id))
		}
		if c.ID > int64(members) {
			c.Peers = append(c.Peers, peer(c.ID))
		}
	}
	return newEnsembleWrapped(t, seed, 5, nil, nil, tweak, nil)
}

func addAuthStep(auth string) step {
	return opStep("auth", func(c *client.Client, cb func(client.Result)) { c.AddAuth("digest", []byte(auth), cb) })
}

func reconfigStep(name string, req wire.ReconfigRequest) step {
	return opStep(name, func(c *client.Client, cb func(client.Result)) { c.Do(&req, client.OpOptions{}, cb) })
}

func serverLine(id int, role string) string {
	return fmt.Sprintf("server.%d=s%d:2888:3888:%s;s%d:2181", id, id, role, id)
}

// agreed reports the config every running member of voters activated, if
// they agree.
func (ew *ensembleWorld) agreed(t *testing.T, voters []uint64) server.ConfigActivated {
	t.Helper()
	var first server.ConfigActivated
	for _, id := range voters {
		name := fmt.Sprintf("s%d", id)
		c, ok := ew.configs[name]
		if !ok {
			t.Fatalf("%s activated no config", name)
		}
		if first.Node == "" {
			first = c
		}
		if c.Version != first.Version || !slices.Equal(c.Voters, voters) {
			t.Fatalf("%s: config %s voters %v; %s has %s voters %v; want voters %v", name, zab.ZxidString(c.Version), c.Voters,
				first.Node, zab.ZxidString(first.Version), first.Voters, voters)
		}
	}
	return first
}

func (ew *ensembleWorld) clientAt(name string, servers []string, steps ...step) {
	ew.t.Helper()
	saved := ew.addrs
	ew.addrs = servers
	ew.addEnsembleClient(name, steps...)
	ew.addrs = saved
}

// 3 → 5 (incremental, two joiners promoted from non-voting learners),
// then 5 → 3 removing the leader (non-incremental): every member ends on
// the same committed config, the removed leader steps down for a
// designated voter, and writes go on.
func TestReconfigGrowThenShrinkRemovingLeader(t *testing.T) {
	ew := newReconfigEnsemble(t, 31, 3)
	ew.run(5 * time.Second)
	leader := ew.leader()
	if leader == "" {
		t.Fatalf("no leader: %v", ew.roles)
	}
	v0 := ew.agreed(t, []uint64{1, 2, 3})
	if v0.Version == 0 {
		t.Fatal("the first leader did not version the static config")
	}
	for _, j := range []string{"s4", "s5"} {
		if rc := ew.roles[j]; rc.Role != "observer" || !rc.Serving {
			t.Fatalf("joiner %s before the reconfig: %+v", j, rc)
		}
	}
	three := []string{"s1:2181", "s2:2181", "s3:2181"}
	ew.clientAt("c1", three,
		get("/zookeeper/config", false),
		reconfigStep("reconfig-noauth", wire.ReconfigRequest{JoiningServers: []byte(serverLine(4, "participant")), CurConfigID: -1}),
		addAuthStep(superAuth),
		reconfigStep("reconfig-badversion", wire.ReconfigRequest{LeavingServers: []byte("3"), CurConfigID: 12345}),
		reconfigStep("reconfig-grow", wire.ReconfigRequest{
			JoiningServers: []byte(serverLine(4, "participant") + "," + serverLine(5, "participant")), CurConfigID: v0.Version}),
		create("/after-grow", "x", wire.FlagPersistent),
	)
	ew.run(10 * time.Second)
	log := strings.Join(ew.log, "\n")
	for _, want := range []string{
		"get /zookeeper/config -> OK data=\"server.1=s1:2888:3888:participant;s1:2181\\nserver.2=s2:2888:3888:participant;s2:2181\\n" +
			"server.3=s3:2888:3888:participant;s3:2181\\nversion=" + fmt.Sprintf("%x", v0.Version) + "\" version=-1",
		"reconfig-noauth -> NOAUTH",
		"reconfig-badversion -> BADVERSION",
		"reconfig-grow -> OK data=\"server.1=",
		"server.5=s5:2888:3888:participant;s5:2181\\nversion=",
		"create /after-grow -> OK",
	} {
		if !strings.Contains(log, want) {
			t.Fatalf("missing %q in\n%s", want, log)
		}
	}
	v1 := ew.agreed(t, []uint64{1, 2, 3, 4, 5})
	if v1.Version <= v0.Version {
		t.Fatalf("version %s after %s", zab.ZxidString(v1.Version), zab.ZxidString(v0.Version))
	}
	for _, j := range []string{"s4", "s5"} {
		if rc := ew.roles[j]; rc.Role != "follower" || !rc.Serving {
			t.Fatalf("joiner %s after the reconfig: %+v", j, rc)
		}
	}

	// 5 -> 3 without the leader.
	leader = ew.leader()
	var keep []uint64
	var members []string
	for id := uint64(1); id <= 5 && len(keep) < 3; id++ {
		if fmt.Sprintf("s%d", id) != leader {
			keep = append(keep, id)
			members = append(members, serverLine(int(id), "participant"))
		}
	}
	ew.log = nil
	var at []string
	for _, id := range keep {
		at = append(at, fmt.Sprintf("s%d:2181", id))
	}
	ew.clientAt("c2", at, addAuthStep(superAuth),
		reconfigStep("reconfig-shrink", wire.ReconfigRequest{NewMembers: []byte(strings.Join(members, ",")), CurConfigID: -1}))
	ew.run(10 * time.Second)
	ew.clientAt("c3", at, create("/after-shrink", "y", wire.FlagPersistent), get("/zookeeper/config", false))
	ew.run(10 * time.Second)
	log = strings.Join(ew.log, "\n")
	if !strings.Contains(log, "reconfig-shrink -> OK") || !strings.Contains(log, "create /after-shrink -> OK") {
		t.Fatalf("shrink:\n%s", log)
	}
	v2 := ew.agreed(t, keep)
	if v2.Version <= v1.Version {
		t.Fatalf("version %s after %s", zab.ZxidString(v2.Version), zab.ZxidString(v1.Version))
	}
	nl := ew.leader()
	if nl == "" || nl == leader || !slices.Contains(keep, uint64(nl[1]-'0')) {
		t.Fatalf("leader after removing %s: %q (%v)", leader, nl, ew.roles)
	}
	if rc := ew.roles[leader]; rc.Role == "leader" || rc.Role == "follower" {
		t.Fatalf("removed leader %s: %+v", leader, rc)
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

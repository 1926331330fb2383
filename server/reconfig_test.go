package server_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/sim"
)

const superAuth = "super:secret"

// newReconfigEnsemble is servers s1..s5 with reconfigEnabled, where the
// initial config holds the first `members` (observers among them as
// listed); the others start as joiners whose config is the ensemble plus
// themselves, as the ZooKeeper admin guide asks.
func newReconfigEnsemble(t *testing.T, seed uint64, members int, observers ...int64) *ensembleWorld {
	t.Helper()
	return newReconfigEnsembleWith(t, seed, members, nil, observers...)
}

// newReconfigEnsembleWith is newReconfigEnsemble with every config passed
// through extra too.
func newReconfigEnsembleWith(t *testing.T, seed uint64, members int, extra func(*server.Config), observers ...int64) *ensembleWorld {
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
		if extra != nil {
			extra(c)
		}
	}
	var log io.Writer
	if os.Getenv("ZDEBUG") != "" {
		log = os.Stderr
	}
	return newEnsembleWrapped(t, seed, 5, 0, log, tweak, nil)
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
	// The joiners follow without a vote (non-voting participants).
	for _, j := range []string{"s4", "s5"} {
		if rc := ew.roles[j]; rc.Role != "follower" || !rc.Serving {
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
	// The removed leader follows the new one without a vote.
	if rc := ew.roles[leader]; rc.Role != "follower" || fmt.Sprintf("s%d", rc.Leader) != nl {
		t.Fatalf("removed leader %s: %+v", leader, rc)
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// An observer becomes a participant and back; writes go on throughout.
func TestReconfigObserverToParticipantAndBack(t *testing.T) {
	ew := newReconfigEnsemble(t, 32, 4, 4)
	ew.run(5 * time.Second)
	if rc := ew.roles["s4"]; rc.Role != "observer" || !rc.Serving {
		t.Fatalf("s4: %+v", rc)
	}
	three := []string{"s1:2181", "s2:2181", "s3:2181"}
	ew.clientAt("c1", three, addAuthStep(superAuth),
		reconfigStep("promote", wire.ReconfigRequest{JoiningServers: []byte(serverLine(4, "participant")), CurConfigID: -1}),
		create("/promoted", "x", wire.FlagPersistent))
	ew.run(8 * time.Second)
	ew.agreed(t, []uint64{1, 2, 3, 4})
	if rc := ew.roles["s4"]; rc.Role != "follower" || !rc.Serving {
		t.Fatalf("s4 after promotion: %+v", rc)
	}
	ew.clientAt("c2", three, addAuthStep(superAuth),
		reconfigStep("demote", wire.ReconfigRequest{JoiningServers: []byte(serverLine(4, "observer")), CurConfigID: -1}),
		create("/demoted", "x", wire.FlagPersistent))
	ew.run(8 * time.Second)
	c := ew.agreed(t, []uint64{1, 2, 3})
	if !slices.Equal(c.Observers, []uint64{4}) {
		t.Fatalf("observers %v", c.Observers)
	}
	if rc := ew.roles["s4"]; rc.Role != "observer" || !rc.Serving {
		t.Fatalf("s4 after demotion: %+v", rc)
	}
	log := strings.Join(ew.log, "\n")
	for _, want := range []string{"promote -> OK", "create /promoted -> OK", "demote -> OK", "create /demoted -> OK"} {
		if !strings.Contains(log, want) {
			t.Fatalf("missing %q in\n%s", want, log)
		}
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// NEWCONFIGNOQUORUM: the new members are down; BADARGUMENTS for a config
// with one voter (standaloneEnabled) or a joiner without a client port.
func TestReconfigRefusals(t *testing.T) {
	ew := newReconfigEnsemble(t, 33, 3)
	for _, j := range []string{"s4", "s5"} {
		if err := ew.w.Crash(j, sim.CrashLoseUnsynced); err != nil {
			t.Fatal(err)
		}
	}
	ew.run(5 * time.Second)
	ew.clientAt("c1", []string{"s1:2181"}, addAuthStep(superAuth),
		reconfigStep("noquorum", wire.ReconfigRequest{NewMembers: []byte(serverLine(1, "participant") + "," +
			serverLine(4, "participant") + "," + serverLine(5, "participant")), CurConfigID: -1}),
		reconfigStep("one-voter", wire.ReconfigRequest{LeavingServers: []byte("2,3"), CurConfigID: -1}),
		reconfigStep("no-client-port", wire.ReconfigRequest{JoiningServers: []byte("server.4=s4:2888:3888"), CurConfigID: -1}),
		reconfigStep("garbage", wire.ReconfigRequest{JoiningServers: []byte("nonsense"), CurConfigID: -1}),
		// Two pipelined reconfigs: the second is prepped while the first
		// is pending.
		func(x *stepCtx, done func(string)) {
			var lines []string
			for _, id := range []int{6, 7} {
				line := serverLine(id, "observer")
				x.c.Do(&wire.ReconfigRequest{JoiningServers: []byte(line), CurConfigID: -1}, client.OpOptions{}, func(r client.Result) {
					lines = append(lines, fmtResult(fmt.Sprintf("observer %d", id), r))
					if len(lines) == 2 {
						done(strings.Join(lines, "\n"))
					}
				})
			}
		},
	)
	ew.run(5 * time.Second)
	want := []string{"noquorum -> NEWCONFIGNOQUORUM", "one-voter -> BADARGUMENTS", "no-client-port -> BADARGUMENTS", "garbage -> BADARGUMENTS",
		"observer 6 -> OK", "observer 7 -> RECONFIGINPROGRESS"}
	log := strings.Join(ew.log, "\n")
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Fatalf("missing %q in\n%s", w, log)
		}
	}
}

// reconfigEnabled=false answers RECONFIGDISABLED and leaves
// /zookeeper/config empty; a standalone server with it answers
// UNIMPLEMENTED, as ZooKeeper does.
func TestReconfigDisabledAndStandalone(t *testing.T) {
	ew := newEnsemble(t, 34, 3)
	ew.run(4 * time.Second)
	ew.addEnsembleClient("c1", get("/zookeeper/config", false),
		reconfigStep("reconfig", wire.ReconfigRequest{LeavingServers: []byte("3"), CurConfigID: -1}))
	ew.run(3 * time.Second)
	got := strings.Join(ew.log, "\n")
	if !strings.Contains(got, "reconfig -> RECONFIGDISABLED") || !strings.Contains(got, "get /zookeeper/config -> OK data=\"\"") {
		t.Fatalf("disabled:\n%s", got)
	}
	w := newWorldCfg(t, 35, server.Config{ClientAddr: "s1:2181", ReconfigEnabled: true, SuperDigest: tree.GenerateDigest(superAuth)})
	w.addClient("c1", addAuthStep(superAuth), reconfigStep("reconfig", wire.ReconfigRequest{LeavingServers: []byte("3"), CurConfigID: -1}))
	w.run(3 * time.Second)
	if got := strings.Join(w.log, "\n"); !strings.Contains(got, "reconfig -> UNIMPLEMENTED") {
		t.Fatalf("standalone:\n%s", got)
	}
}

// Every server crashes (losing unsynced writes) after a committed 3 -> 5
// and restarts: each reads its zoo.cfg.dynamic.<version> (or finds the
// reconfig in its log) and the ensemble comes back on the new config.
func TestReconfigSurvivesWholeEnsembleRestart(t *testing.T) {
	ew := newReconfigEnsemble(t, 36, 3)
	ew.run(5 * time.Second)
	ew.clientAt("c1", []string{"s1:2181", "s2:2181", "s3:2181"}, addAuthStep(superAuth),
		reconfigStep("grow", wire.ReconfigRequest{
			JoiningServers: []byte(serverLine(4, "participant") + "," + serverLine(5, "participant")), CurConfigID: -1}))
	ew.run(6 * time.Second)
	v := ew.agreed(t, []uint64{1, 2, 3, 4, 5})
	for _, n := range ew.w.NodeNames() {
		if strings.HasPrefix(n, "s") {
			if err := ew.w.Crash(n, sim.CrashLoseUnsynced); err != nil {
				t.Fatal(err)
			}
		}
	}
	ew.configs = map[string]server.ConfigActivated{}
	for _, n := range []string{"s1", "s2", "s3", "s4", "s5"} {
		if err := ew.w.Restart(n); err != nil {
			t.Fatal(err)
		}
	}
	ew.run(10 * time.Second)
	if ew.leader() == "" {
		t.Fatalf("no leader after the restart: %v", ew.roles)
	}
	ew.log = nil
	ew.clientAt("c2", []string{"s4:2181", "s5:2181"}, get("/zookeeper/config", false), create("/after-restart", "x", wire.FlagPersistent))
	ew.run(8 * time.Second)
	got := strings.Join(ew.log, "\n")
	if !strings.Contains(got, fmt.Sprintf("version=%x\"", v.Version)) || !strings.Contains(got, "create /after-restart -> OK") {
		t.Fatalf("after restart (want version %x):\n%s", v.Version, got)
	}
	for _, n := range []string{"s4", "s5"} {
		if rc := ew.roles[n]; rc.Role != "follower" && rc.Role != "leader" {
			t.Fatalf("%s after restart: %+v", n, rc)
		}
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// srvr, conf and the AdminServer show the active config's version (and
// conf its membership, as QuorumZooKeeperServer.dumpConf does).
func TestReconfigVersionInStatus(t *testing.T) {
	w, err := sim.NewWorld(37, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	aw := &adminWorld{world: &world{t: t, w: w}, servers: map[string]*server.Server{}}
	var peers []server.PeerConfig
	for i := 1; i <= 3; i++ {
		peers = append(peers, server.PeerConfig{ID: int64(i), Addr: fmt.Sprintf("s%d:2888", i), ClientAddr: fmt.Sprintf("s%d:2181", i)})
	}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("s%d", i)
		aw.addServer(name, server.Config{ID: int64(i), ClientAddr: name + ":2181", TickTimeMS: 200, Peers: peers, ReconfigEnabled: true})
	}
	aw.run(5 * time.Second)
	s := aw.servers["s2"]
	srvr := s.FourLetterOutput("srvr")
	conf := s.FourLetterOutput("conf")
	resp := aw.command("s2", "configuration")
	v, _ := resp["config_version"].(float64)
	if v == 0 || !strings.Contains(srvr, fmt.Sprintf("Config version: 0x%x\n", int64(v))) {
		t.Fatalf("srvr %q, configuration %v", srvr, resp)
	}
	want := fmt.Sprintf("membership: \nserver.1=s1:2888:3888:participant;s1:2181\nserver.2=s2:2888:3888:participant;s2:2181\n"+
		"server.3=s3:2888:3888:participant;s3:2181\nversion=%x", int64(v))
	if !strings.HasSuffix(conf, want) || resp["membership"] != strings.TrimPrefix(want, "membership: \n") {
		t.Fatalf("conf %q\nconfiguration %v\nwant %q", conf, resp, want)
	}
	if vv := aw.command("s2", "voting_view")["current_config"].(map[string]any); len(vv) != 3 || vv["1"] != "s1:2888:3888:participant;s1:2181" {
		t.Fatalf("voting_view %v", vv)
	}
}

// TestReconfigUnderCrashes: random memberships of five servers (voters,
// observers, servers left out), each
// reconfig followed by the crash (losing unsynced writes) and restart of a
// random server, with a writer running throughout; afterwards every member
// serves the same /zookeeper/config, a write commits, and the Zab
// invariants held.
func TestReconfigUnderCrashes(t *testing.T) {
	seeds := uint64(8)
	if n, err := strconv.ParseUint(os.Getenv("ZABSIM_RECONFIG_SEEDS"), 10, 64); err == nil {
		seeds = n
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { reconfigUnderCrashes(t, seed) })
	}
}

func reconfigUnderCrashes(t *testing.T, seed uint64) {
	ew := newReconfigEnsemble(t, 100+seed, 3)
	rng := rand.New(rand.NewPCG(seed, 19))
	ew.run(5 * time.Second)
	var writes []step
	for i := 0; i < 300; i++ {
		writes = append(writes, create(fmt.Sprintf("/w%03d", i), "v", wire.FlagPersistent))
	}
	ew.addEnsembleClient("writer", writes...)
	all := []string{"s1:2181", "s2:2181", "s3:2181", "s4:2181", "s5:2181"}
	for round := 0; round < 6; round++ {
		ids := []int{1, 2, 3, 4, 5}
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		k := 2 + rng.IntN(4)
		var members []string
		for i, id := range ids {
			switch {
			case i < k:
				members = append(members, serverLine(id, "participant"))
			case rng.IntN(2) == 0:
				members = append(members, serverLine(id, "observer"))
			} // else removed: it keeps observing as a non-member
		}
		ew.clientAt(fmt.Sprintf("admin%d", round), all, addAuthStep(superAuth),
			reconfigStep("reconfig", wire.ReconfigRequest{NewMembers: []byte(strings.Join(members, ",")), CurConfigID: -1}))
		ew.run(time.Duration(1+rng.IntN(3)) * time.Second)
		victim := fmt.Sprintf("s%d", 1+rng.IntN(5))
		if err := ew.w.Crash(victim, sim.CrashLoseUnsynced); err != nil {
			t.Fatal(err)
		}
		ew.run(time.Duration(rng.IntN(3)) * time.Second)
		if err := ew.w.Restart(victim); err != nil {
			t.Fatal(err)
		}
		ew.run(4 * time.Second)
	}
	ew.run(20 * time.Second)
	ew.log = nil
	for i, addr := range all {
		ew.clientAt(fmt.Sprintf("check%d", i), []string{addr}, opStep("sync", func(c *client.Client, cb func(client.Result)) { c.Sync("/", cb) }),
			get("/zookeeper/config", false))
	}
	ew.clientAt("final", all, create("/final", "x", wire.FlagPersistent))
	ew.run(15 * time.Second)
	configs := map[string]bool{}
	for _, l := range ew.log {
		if strings.HasPrefix(l, "get /zookeeper/config -> OK") {
			configs[l] = true
		}
	}
	got := strings.Join(ew.log, "\n")
	if len(configs) != 1 || !strings.Contains(got, "create /final -> OK") || strings.Count(got, "get /zookeeper/config -> OK") != 5 {
		t.Fatalf("after the changes (roles %v):\n%s", ew.roles, got)
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// TestReconfigCrashAtEachStep crashes the whole ensemble (losing unsynced
// writes) at successive 2 ms moments from the submission of a 3 -> 5
// reconfig (before the proposal is logged, while it is acked and fsynced,
// around the commits and activations; the client itself survives and may
// retry) and restarts it: every member then serves one config, the new one
// whenever the client was told OK before the crash, and writes go on.
func TestReconfigCrashAtEachStep(t *testing.T) {
	for step := 0; step < 16; step++ {
		t.Run(fmt.Sprint(step), func(t *testing.T) {
			ew := newReconfigEnsemble(t, 40+uint64(step), 3)
			ew.run(5 * time.Second)
			ew.clientAt("admin", []string{"s1:2181", "s2:2181", "s3:2181"}, addAuthStep(superAuth),
				reconfigStep("grow", wire.ReconfigRequest{
					JoiningServers: []byte(serverLine(4, "participant") + "," + serverLine(5, "participant")), CurConfigID: -1}))
			ew.run(time.Duration(step) * 2 * time.Millisecond)
			for _, n := range []string{"s1", "s2", "s3", "s4", "s5"} {
				if err := ew.w.Crash(n, sim.CrashLoseUnsynced); err != nil {
					t.Fatal(err)
				}
			}
			acked := strings.Contains(strings.Join(ew.log, "\n"), "grow -> OK")
			ew.run(time.Second)
			for _, n := range []string{"s1", "s2", "s3", "s4", "s5"} {
				if err := ew.w.Restart(n); err != nil {
					t.Fatal(err)
				}
			}
			ew.run(15 * time.Second)
			ew.log = nil
			for i := 1; i <= 5; i++ {
				ew.clientAt(fmt.Sprintf("check%d", i), []string{fmt.Sprintf("s%d:2181", i)},
					opStep("sync", func(c *client.Client, cb func(client.Result)) { c.Sync("/", cb) }), get("/zookeeper/config", false))
			}
			ew.clientAt("final", []string{"s1:2181", "s2:2181", "s3:2181"}, create("/final", "x", wire.FlagPersistent))
			ew.run(15 * time.Second)
			got := strings.Join(ew.log, "\n")
			configs := map[string]bool{}
			for _, l := range ew.log {
				if strings.HasPrefix(l, "get /zookeeper/config -> OK") {
					configs[l] = true
				}
			}
			if len(configs) != 1 || strings.Count(got, "get /zookeeper/config -> OK") != 5 || !strings.Contains(got, "create /final -> OK") {
				t.Fatalf("after a crash at step %d (acked %v):\n%s", step, acked, got)
			}
			if acked && !strings.Contains(got, "server.5=") {
				t.Fatalf("acknowledged reconfig lost:\n%s", got)
			}
			if !ew.inv.OK() {
				t.Fatalf("zab invariants: %v", ew.inv.Violations())
			}
			t.Logf("step %d: acked %v, new config %v", step, acked, strings.Contains(got, "server.5="))
		})
	}
}

// A reconfiguring run is a pure function of its seed: the same trace hash
// and transcript twice.
func TestReconfigDeterministic(t *testing.T) {
	run := func() (string, string) {
		ew := newReconfigEnsemble(t, 77, 3)
		ew.run(5 * time.Second)
		ew.clientAt("c1", []string{"s1:2181", "s2:2181", "s3:2181"}, addAuthStep(superAuth),
			reconfigStep("grow", wire.ReconfigRequest{
				JoiningServers: []byte(serverLine(4, "participant") + "," + serverLine(5, "participant")), CurConfigID: -1}),
			create("/x", "y", wire.FlagPersistent),
			reconfigStep("shrink", wire.ReconfigRequest{LeavingServers: []byte("1,2"), CurConfigID: -1}),
			create("/z", "y", wire.FlagPersistent))
		ew.run(20 * time.Second)
		return ew.w.TraceHash(), strings.Join(ew.log, "\n")
	}
	h1, l1 := run()
	h2, l2 := run()
	if h1 != h2 || l1 != l2 {
		t.Fatalf("two runs differ: %s vs %s\n%s\n---\n%s", h1, h2, l1, l2)
	}
	if !strings.Contains(l1, "shrink -> OK") {
		t.Fatalf("transcript:\n%s", l1)
	}
}

// standaloneEnabled=false: one server runs as an ensemble of one, grows to
// three (the joiners sync as non-voting followers first, so the new
// config has its synced quorum) and shrinks back to one voter.
func TestReconfigFromOneServer(t *testing.T) {
	ew := newReconfigEnsembleWith(t, 38, 1, func(c *server.Config) { c.StandaloneDisabled = true })
	ew.run(5 * time.Second)
	if ew.leader() != "s1" {
		t.Fatalf("roles %v", ew.roles)
	}
	ew.clientAt("c1", []string{"s1:2181"}, addAuthStep(superAuth),
		reconfigStep("grow", wire.ReconfigRequest{
			JoiningServers: []byte(serverLine(2, "participant") + "," + serverLine(3, "participant")), CurConfigID: -1}),
		create("/three", "x", wire.FlagPersistent))
	ew.run(8 * time.Second)
	ew.agreed(t, []uint64{1, 2, 3})
	ew.clientAt("c2", []string{"s2:2181", "s3:2181"}, addAuthStep(superAuth),
		reconfigStep("shrink", wire.ReconfigRequest{LeavingServers: []byte("2,3"), CurConfigID: -1}),
		create("/one", "x", wire.FlagPersistent))
	ew.run(8 * time.Second)
	ew.agreed(t, []uint64{1})
	got := strings.Join(ew.log, "\n")
	for _, want := range []string{"grow -> OK", "create /three -> OK", "shrink -> OK", "create /one -> OK"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in\n%s", want, got)
		}
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

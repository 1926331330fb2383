package server_test

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/sim"
)

// ensembleWorld is n servers s1..sn forming an ensemble, plus clients.
type ensembleWorld struct {
	*world
	roles map[string]server.RoleChanged
	// configs is each node's last activated config (reconfigEnabled).
	configs map[string]server.ConfigActivated
	inv     *zab.Invariants
	addrs   []string
}

func newEnsemble(t tb, seed uint64, n int) *ensembleWorld {
	t.Helper()
	var log io.Writer
	if os.Getenv("ZDEBUG") != "" {
		log = os.Stderr
	}
	return newEnsembleWith(t, seed, n, 0, log)
}

// newEnsembleWith is newEnsemble with bug switches on every server and the
// processes' log lines written to log (nil: dropped).
func newEnsembleWith(t tb, seed uint64, n int, set bugs.Set, log io.Writer) *ensembleWorld {
	t.Helper()
	return newEnsembleWrapped(t, seed, n, set, log, nil, nil)
}

// newEnsembleWrapped is newEnsembleWith with every server's config passed
// through tweak and its process through wrap (nil: none).
func newEnsembleWrapped(t tb, seed uint64, n int, set bugs.Set, log io.Writer, tweak func(*server.Config), wrap func(proc.Process) proc.Process) *ensembleWorld {
	t.Helper()
	ew := &ensembleWorld{roles: map[string]server.RoleChanged{}, configs: map[string]server.ConfigActivated{}, inv: zab.NewInvariants()}
	opts := sim.DefaultOptions()
	opts.Log = log
	opts.Observers = []sim.Observer{sim.ObserverFunc(func(r *sim.Record) {
		if r.Kind != sim.RecordNote {
			return
		}
		if rc, ok := r.Note.(server.RoleChanged); ok {
			ew.roles[r.Node] = rc
		}
		if ca, ok := r.Note.(server.ConfigActivated); ok {
			ew.configs[r.Node] = ca
		}
		ew.inv.Observe(r.Note)
	})}
	w, err := sim.NewWorld(seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	var peers []server.PeerConfig
	for i := 1; i <= n; i++ {
		peers = append(peers, server.PeerConfig{ID: int64(i), Addr: fmt.Sprintf("s%d:2888", i)})
		ew.addrs = append(ew.addrs, fmt.Sprintf("s%d:2181", i))
	}
	disk := sim.DiskOptions{SyncLatency: sim.UniformLatency(time.Millisecond, 4*time.Millisecond)}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("s%d", i)
		cfg := server.Config{ID: int64(i), ClientAddr: name + ":2181", TickTimeMS: 200, SnapCount: 50, Peers: peers, Bugs: set}
		if tweak != nil {
			tweak(&cfg)
		}
		f, err := server.Factory(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if wrap != nil {
			inner := f
			f = func() proc.Process { return wrap(inner()) }
		}
		if err := w.AddNode(name, f, sim.NodeOptions{Disk: disk}); err != nil {
			t.Fatal(err)
		}
		if err := w.Start(name); err != nil {
			t.Fatal(err)
		}
	}
	ew.world = &world{t: t, w: w}
	return ew
}

func (ew *ensembleWorld) leader() string {
	for _, name := range ew.w.NodeNames() {
		if rc, ok := ew.roles[name]; ok && rc.Role == "leader" && rc.Serving && ew.w.Running(name) {
			return name
		}
	}
	return ""
}

// crashLeader crashes the serving leader, losing its unsynced writes, and
// runs 8 s: long enough for the rest to elect a new one.
func (ew *ensembleWorld) crashLeader(t *testing.T) string {
	t.Helper()
	old := ew.leader()
	if old == "" {
		t.Fatal("no leader")
	}
	if err := ew.w.Crash(old, sim.CrashLoseUnsynced); err != nil {
		t.Fatal(err)
	}
	ew.run(8 * time.Second)
	return old
}

func (ew *ensembleWorld) addEnsembleClient(name string, steps ...step) {
	ew.t.Helper()
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: ew.addrs, Shuffle: true, SessionTimeout: 3 * time.Second}, steps: steps, log: &ew.log, events: &ew.evs}
	}
	if err := ew.w.AddNode(name, p, sim.NodeOptions{}); err != nil {
		ew.t.Fatal(err)
	}
	if err := ew.w.Start(name); err != nil {
		ew.t.Fatal(err)
	}
}

func TestEnsembleElectsAndReplicates(t *testing.T) {
	ew := newEnsemble(t, 11, 3)
	ew.run(3 * time.Second)
	leader := ew.leader()
	if leader == "" {
		t.Fatalf("no serving leader after 3s: roles %v", ew.roles)
	}
	var steps []step
	for i := 0; i < 20; i++ {
		steps = append(steps, create(fmt.Sprintf("/e%02d", i), "v", wire.FlagPersistent))
	}
	steps = append(steps, opStep("sync", func(c *client.Client, cb func(client.Result)) { c.Sync("/", cb) }), children("/", false))
	ew.addEnsembleClient("c1", steps...)
	ew.run(5 * time.Second)
	got := strings.Join(ew.log, "\n")
	if n := strings.Count(got, "-> OK path=/e"); n != 20 {
		t.Fatalf("%d of 20 creates acknowledged:\n%s", n, got)
	}
	if !strings.Contains(got, "e19") {
		t.Fatalf("sync+children does not see the writes:\n%s", got)
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

func TestEnsembleSurvivesLeaderCrash(t *testing.T) {
	ew := newEnsemble(t, 12, 3)
	ew.run(3 * time.Second)
	var steps []step
	for i := 0; i < 200; i++ {
		steps = append(steps, create(fmt.Sprintf("/k%03d", i), "v", wire.FlagPersistent))
	}
	ew.addEnsembleClient("c1", steps...)
	ew.run(1 * time.Second)
	old := ew.crashLeader(t)
	if l := ew.leader(); l == "" || l == old {
		t.Fatalf("no new leader after crashing %s: %v", old, ew.roles)
	}
	if err := ew.w.Restart(old); err != nil {
		t.Fatal(err)
	}
	ew.run(10 * time.Second)
	acked := map[string]bool{}
	for _, l := range ew.log {
		if f := strings.Fields(l); len(f) > 3 && f[2] == "->" && f[3] == "OK" {
			acked[f[1]] = true
		}
	}
	if len(acked) < 150 {
		t.Fatalf("only %d of 200 creates acknowledged across the failover:\n%s", len(acked), strings.Join(ew.log, "\n"))
	}
	// Every acknowledged write is readable after the failover.
	var checks []step
	for i := 0; i < 200; i++ {
		if p := fmt.Sprintf("/k%03d", i); acked[p] {
			checks = append(checks, exists(p, false))
		}
	}
	ew.log = nil
	ew.addEnsembleClient("c2", checks...)
	ew.run(10 * time.Second)
	if len(ew.log) != len(checks) {
		t.Fatalf("%d of %d reads completed", len(ew.log), len(checks))
	}
	for _, l := range ew.log {
		if !strings.Contains(l, "-> OK") {
			t.Fatalf("acknowledged write lost: %s", l)
		}
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// A leader applies the txns it proposed from their prepped form instead of
// decoding the committed bytes: that is exact only if decoding those bytes
// gives back the prepped txn, field for field (nil and empty slices
// alike). Check it for every txn the leaders apply so, over every kind of
// write, failed ones and multis included, and across a leader change.
func TestLeaderAppliesPreppedTxn(t *testing.T) {
	checked := map[wire.OpCode]int{}
	var mismatches []string
	check := func(p txn.Txn, data []byte) {
		checked[p.Header.Type]++
		d, err := txn.Unmarshal(data)
		if err != nil || !reflect.DeepEqual(p, d) {
			mismatches = append(mismatches, fmt.Sprintf("prepped %#v (%#v)\ndecoded %#v (%#v) err %v", p, p.Record, d, d.Record, err))
		}
	}
	wrap := func(p proc.Process) proc.Process { return server.WithProposedCheck(p, check) }
	ttl := func(c *server.Config) { c.ExtendedTypesEnabled = true }
	ew := newEnsembleWrapped(t, 21, 3, 0, nil, ttl, wrap)
	ew.run(3 * time.Second)
	multi := func(name string, ops ...wire.Request) step {
		return opStep(name, func(c *client.Client, cb func(client.Result)) { c.Multi(ops, cb) })
	}
	setNil := opStep("set nil", func(c *client.Client, cb func(client.Result)) { c.SetData("/p", nil, -1, cb) })
	setACL := opStep("setACL", func(c *client.Client, cb func(client.Result)) {
		c.SetACL("/p", wire.OpenACLUnsafe, -1, cb)
	})
	steps := func(k string) []step {
		return []step{
			create("/"+k, "", wire.FlagPersistent),
			create("/"+k, "dup", wire.FlagPersistent), // an error txn
			create("/"+k+"/e", "eph", wire.FlagEphemeral),
			create("/"+k+"/s-", "seq", wire.FlagPersistentSequential),
			create("/"+k+"/es-", "", wire.FlagEphemeralSequential),
			createContainer("/" + k + "/c"),
			createTTL("/"+k+"/t", time.Minute),
			set("/"+k, "", -1),
			set("/"+k, "x", 0), // BADVERSION
			set("/"+k, "y", 1),
			del("/"+k+"/s-0000000001", -1),
			del("/"+k+"/nope", -1),
			multi("multi ok",
				&wire.CreateRequest{Path: "/" + k + "/m", Data: []byte("0"), ACL: wire.OpenACLUnsafe},
				&wire.SetDataRequest{Path: "/" + k + "/m", Data: nil, Version: 0},
				&wire.CheckVersionRequest{Path: "/" + k + "/m", Version: 1},
				&wire.DeleteRequest{Path: "/" + k + "/m", Version: -1}),
			multi("multi fail",
				&wire.SetDataRequest{Path: "/" + k, Data: []byte("2"), Version: -1},
				&wire.CheckVersionRequest{Path: "/" + k, Version: 7}),
			closeStep(),
		}
	}
	ew.addEnsembleClient("c1", append([]step{create("/p", "p", wire.FlagPersistent), setNil, setACL}, steps("a")...)...)
	ew.addEnsembleClient("c2", steps("b")...)
	ew.run(5 * time.Second)
	old := ew.crashLeader(t)
	if err := ew.w.Restart(old); err != nil {
		t.Fatal(err)
	}
	ew.addEnsembleClient("c3", steps("c")...)
	ew.run(10 * time.Second)
	for _, m := range mismatches {
		t.Error(m)
	}
	t.Logf("txns applied from their prepped form: %v", checked)
	for _, op := range []wire.OpCode{wire.OpCreate, wire.OpCreateContainer, wire.OpCreateTTL, wire.OpSetData, wire.OpDelete, wire.OpMulti, wire.OpError, wire.OpSetACL, wire.OpCreateSession, wire.OpCloseSession} {
		if checked[op] == 0 {
			t.Errorf("no %v txn applied from its prepped form (checked %v)\n%s", op, checked, strings.Join(ew.log, "\n"))
		}
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// TestPeerDialFailureLogged: a member that cannot reach a peer says so once
// per cause, not once per retry, and says when it reaches it again — a
// misnamed or unreachable peer is never a silent LOOKING loop.
func TestPeerDialFailureLogged(t *testing.T) {
	var logBuf strings.Builder
	ew := newEnsembleWith(t, 31, 3, 0, &logBuf)
	if err := ew.w.Crash("s1", sim.CrashLoseUnsynced); err != nil {
		t.Fatal(err)
	}
	ew.run(5 * time.Second)
	if l := ew.leader(); l != "s2" && l != "s3" {
		t.Fatalf("no leader among s2 and s3: %v", ew.roles)
	}
	for _, n := range []string{"s2", "s3"} {
		line := n + ": cannot open channel to peer 1 at s1:2888: connection refused (retrying)"
		if c := strings.Count(logBuf.String(), line); c != 1 {
			t.Errorf("%q logged %d times, want once", line, c)
		}
	}
	if err := ew.w.Restart("s1"); err != nil {
		t.Fatal(err)
	}
	ew.run(5 * time.Second)
	for _, n := range []string{"s2", "s3"} {
		if line := n + ": connected to peer 1 at s1:2888"; !strings.Contains(logBuf.String(), line) {
			t.Errorf("%q not logged after s1 came back", line)
		}
	}
}

// TestClientOnQuorumPortDropped: a client that dials a member's quorum port
// is not taken for a peer (nor for a client): its connection is dropped
// with a log line, and the ensemble is unaffected.
func TestClientOnQuorumPortDropped(t *testing.T) {
	var logBuf strings.Builder
	ew := newEnsembleWith(t, 32, 3, 0, &logBuf)
	ew.run(3 * time.Second)
	rp := &rawProc{rawConn: rawConn{addr: "s1:2888", connect: wire.ConnectRequest{TimeoutMS: 4000}}}
	if err := ew.w.AddNode("lost", func() proc.Process { return rp }, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("lost"); err != nil {
		t.Fatal(err)
	}
	ew.run(2 * time.Second)
	if !strings.Contains(logBuf.String(), "s1: dropping connection") || !strings.Contains(logBuf.String(), "on the quorum port: its first frame") {
		t.Fatalf("no log line for the client on the quorum port:\n%s", logBuf.String())
	}
	if rp.connected || ew.leader() == "" {
		t.Fatalf("connected=%v leader=%q: the client was answered or the ensemble lost its leader", rp.connected, ew.leader())
	}
}

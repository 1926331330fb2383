package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/nemesis"
)

// testZabsimBin is $ZABSIM_BIN or a zabsim binary built once per test
// process.
func testZabsimBin(t *testing.T) string {
	t.Helper()
	bin, err := ZabsimBinary("../../cmd/zabsim")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// startTestCluster starts a cluster whose Stop the test checks, and which
// must leave no process behind.
func startTestCluster(t *testing.T, target Target, nodes int) *Cluster {
	t.Helper()
	opts := Options{Target: target, Nodes: nodes, Dir: t.TempDir(), Logf: t.Logf}
	if target == TargetZabsim {
		opts.ZabsimBin = testZabsimBin(t)
	} else {
		requireZooKeeper(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// clusterSession opens a go-zookeeper session on one server only.
func clusterSession(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	conn, events, err := zk.Connect([]string{addr}, 4*time.Second,
		zk.WithLogInfo(false), zk.WithLogger(zkclient.QuietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := zkclient.WaitSession(events, 15*time.Second); err != nil {
		conn.Close()
		t.Fatalf("session on %s: %v", addr, err)
	}
	t.Cleanup(conn.Close)
	return conn
}

// eventually retries f until it succeeds or 30s pass.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func waitHealthy(t *testing.T, c *Cluster, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, c.logTails())
	}
}

// writeThrough creates path through node (a fresh session) and checks it
// is readable through every other serving node after a sync.
func writeThrough(t *testing.T, c *Cluster, node, path string, readers []string) {
	t.Helper()
	w := clusterSession(t, c.ClientAddr(node))
	if _, err := w.Create(path, []byte(node), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s through %s: %v", path, node, err)
	}
	for _, r := range readers {
		s := clusterSession(t, c.ClientAddr(r))
		if _, err := s.Sync(path); err != nil {
			t.Fatalf("sync through %s: %v", r, err)
		}
		data, _, err := s.Get(path)
		if err != nil || string(data) != node {
			t.Fatalf("read %s through %s = %q, %v; want %q", path, r, data, err, node)
		}
	}
}

func leaderOf(t *testing.T, c *Cluster) string {
	t.Helper()
	l, ok := c.Leader()
	if !ok {
		t.Fatalf("no leader: %v", c.Modes())
	}
	return l
}

func others(nodes []string, not ...string) []string {
	return slices.DeleteFunc(slices.Clone(nodes), func(n string) bool { return slices.Contains(not, n) })
}

// processGroupMembers lists the pids in /proc whose process group is one of
// pgids: what must be empty after Stop.
func processGroupMembers(t *testing.T, pgids []int) []int {
	t.Helper()
	out, err := ProcessGroupMembers(pgids)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	return out
}

func requireNoProcesses(t *testing.T, pgids []int) {
	t.Helper()
	pgids = slices.DeleteFunc(slices.Clone(pgids), func(p int) bool { return p == 0 })
	if len(pgids) == 0 {
		t.Fatal("no process groups recorded: the check would prove nothing")
	}
	if left := processGroupMembers(t, pgids); len(left) > 0 {
		t.Fatalf("processes %v of groups %v outlived Stop", left, pgids)
	}
}

// TestClusterZabsim and TestClusterZooKeeper run the same script against
// three real processes of each target.
func TestClusterZabsim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three zabsim server processes")
	}
	checkNoLeaks(t) // proxies, strobes and process reapers end with Stop
	exerciseCluster(t, startTestCluster(t, TargetZabsim, 3))
}

func TestClusterZooKeeper(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three Apache ZooKeeper JVMs")
	}
	exerciseCluster(t, startTestCluster(t, TargetZooKeeper, 3))
}

func exerciseCluster(t *testing.T, c *Cluster) {
	nodes := c.Nodes()
	if !slices.Equal(nodes, []string{"s1", "s2", "s3"}) || len(c.ClientAddrs()) != 3 {
		t.Fatalf("nodes %v addrs %v", nodes, c.ClientAddrs())
	}
	writeThrough(t, c, "s1", "/start", []string{"s2", "s3"})
	everPids := c.Pids()

	// kill -9 of the leader: the others elect a new one and take writes;
	// the restarted node rejoins with the data.
	old := leaderOf(t, c)
	if err := c.Kill(old, nemesis.CrashLoseUnsynced); err != nil {
		t.Fatal(err)
	}
	rest := others(nodes, old)
	eventually(t, "new leader after kill -9", func() error {
		if l, ok := c.Leader(); !ok || l == old {
			return fmt.Errorf("leader %q: %v", l, c.Modes())
		}
		return nil
	})
	writeThrough(t, c, rest[0], "/after-kill", rest[1:])
	if err := c.Restart(old); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, c, "after restart")
	writeThrough(t, c, rest[0], "/after-restart", []string{old})
	everPids = append(everPids, c.Pids()...)

	// SIGSTOP of a follower: the rest keep serving; SIGCONT: it catches up.
	leader := leaderOf(t, c)
	follower := others(nodes, leader)[0]
	if err := c.Pause(follower); err != nil {
		t.Fatal(err)
	}
	writeThrough(t, c, leader, "/while-paused", others(nodes, leader, follower))
	if err := c.Resume(follower); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, c, "after resume")
	writeThrough(t, c, leader, "/after-resume", []string{follower})

	isolateLeader(t, c)
	testDegrade(t, c)
	testClockSkew(t, c)

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	requireNoProcesses(t, everPids)
	if err := c.Kill("s1", nemesis.CrashLoseUnsynced); !errors.Is(err, errStopped) {
		t.Fatalf("kill after Stop = %v, want errStopped", err)
	}
}

// isolateLeader cuts the leader off: the majority elects a new leader and
// takes writes, the isolated node acknowledges none; healing brings all
// three back.
func isolateLeader(t *testing.T, c *Cluster) {
	nodes := c.Nodes()
	old := leaderOf(t, c)
	isolated := clusterSession(t, c.ClientAddr(old)) // before the cut: it may refuse sessions after
	if err := c.Partition(nemesis.IsolateCuts(old, nodes)); err != nil {
		t.Fatal(err)
	}
	created := make(chan error, 1)
	go func() {
		_, err := isolated.Create("/isolated", nil, 0, zk.WorldACL(zk.PermAll))
		created <- err
	}()
	majority := others(nodes, old)
	eventually(t, "majority elects a new leader", func() error {
		modes := c.Modes()
		for _, n := range majority {
			if modes[n] == "leader" {
				return nil
			}
		}
		return fmt.Errorf("modes %v", modes)
	})
	writeThrough(t, c, majority[0], "/majority", majority[1:])
	eventually(t, "isolated node stops serving", func() error {
		if m := c.Modes()[old]; m != "" {
			return fmt.Errorf("isolated %s still says %q", old, m)
		}
		return nil
	})
	select {
	case err := <-created:
		if err == nil {
			t.Fatalf("isolated node %s acknowledged a write", old)
		}
	default: // still blocked: not acknowledged either
	}
	if err := c.Partition(nil); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, c, "after heal")
	for _, n := range nodes {
		writeThrough(t, c, n, "/healed-"+n, others(nodes, n))
	}
	s := clusterSession(t, c.ClientAddr(old))
	if _, err := s.Sync("/"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.Exists("/isolated"); err != nil || ok {
		t.Fatalf("the isolated leader's unacknowledged write: exists=%v err=%v (must not have committed)", ok, err)
	}
}

// testDegrade adds 60ms to every quorum link: a write through a follower
// crosses at least two links (forward, proposal, ack, commit), so it takes
// well over 100ms; restoring the links ends the delay.
func testDegrade(t *testing.T, c *Cluster) {
	leader := leaderOf(t, c)
	follower := others(c.Nodes(), leader)[0]
	s := clusterSession(t, c.ClientAddr(follower))
	if err := c.Degrade(nemesis.LinkFaults{Latency: 60 * time.Millisecond, LossProb: 0.5}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := s.Create("/degraded", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 120*time.Millisecond {
		t.Errorf("a write through follower %s took %v with 60ms links", follower, took)
	}
	if err := c.Degrade(nemesis.LinkFaults{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("/restored", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
}

// testClockSkew moves the leader's wall clock an hour ahead: the znodes it
// stamps carry the skewed time (both targets take ctime from the leader's
// clock); resetting the skew brings it back.
func testClockSkew(t *testing.T, c *Cluster) {
	leader := leaderOf(t, c)
	if err := c.ClockSkew(leader, time.Hour); err != nil {
		if errors.Is(err, nemesis.ErrUnsupported) {
			t.Logf("clock skew unsupported here: %v", err)
			return
		}
		t.Fatal(err)
	}
	s := clusterSession(t, c.ClientAddr(leader))
	eventually(t, "skewed ctime", func() error {
		p := fmt.Sprintf("/skewed-%d", time.Now().UnixNano())
		if _, err := s.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			return err
		}
		_, st, err := s.Get(p)
		if err != nil {
			return err
		}
		if ahead := time.Until(time.UnixMilli(st.Ctime)); ahead < 50*time.Minute {
			return fmt.Errorf("ctime only %v ahead", ahead)
		}
		return nil
	})
	if err := c.ClockSkew(leader, 0); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ctime back to real time", func() error {
		p := fmt.Sprintf("/unskewed-%d", time.Now().UnixNano())
		if _, err := s.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			return err
		}
		_, st, err := s.Get(p)
		if err != nil {
			return err
		}
		if off := time.Until(time.UnixMilli(st.Ctime)).Abs(); off > time.Minute {
			return fmt.Errorf("ctime still %v off", off)
		}
		return nil
	})
}

// TestClusterFailedStartLeavesNoProcess: a node that cannot start (an
// unknown bug switch makes `zabsim server` exit 2) fails Start fast,
// with the log in the error, and kills the nodes that did start.
func TestClusterFailedStartLeavesNoProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts zabsim server processes")
	}
	var mu sync.Mutex
	var pids []int
	logf := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if _, rest, ok := strings.Cut(line, "(pid "); ok {
			if pid, err := strconv.Atoi(strings.TrimSuffix(rest, ")")); err == nil {
				mu.Lock()
				pids = append(pids, pid)
				mu.Unlock()
			}
		}
	}
	start := time.Now()
	_, err := Start(context.Background(), Options{Target: TargetZabsim, Nodes: 3, Dir: t.TempDir(),
		ZabsimBin: testZabsimBin(t), Bugs: []string{"no-such-bug"}, Logf: logf})
	if err == nil || !strings.Contains(err.Error(), "exited on its own") || !strings.Contains(err.Error(), "no-such-bug") {
		t.Fatalf("Start = %v; want an early exit naming the bad switch", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("a failed start took %v: it should notice the exit, not time out", time.Since(start))
	}
	if len(pids) != 3 {
		t.Fatalf("started %d processes, want 3", len(pids))
	}
	requireNoProcesses(t, pids)
}

func TestClusterOptionsRejected(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{Target: "etcd", Nodes: 3, Dir: dir},
		{Target: TargetZabsim, Nodes: 0, Dir: dir, ZabsimBin: "x"},
		{Target: TargetZabsim, Nodes: 8, Dir: dir, ZabsimBin: "x"},
		{Target: TargetZabsim, Nodes: 3, ZabsimBin: "x"},
		{Target: TargetZabsim, Nodes: 3, Dir: dir},
		{Target: TargetZooKeeper, Nodes: 3, Dir: dir, Bugs: []string{"zk-1208"}},
	} {
		if c, err := Start(context.Background(), o); err == nil {
			c.Stop()
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}

// TestClusterSingleNode: one node runs standalone, without proxies; it
// leads, serves, and leaves no process after Stop.
func TestClusterSingleNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a zabsim server process")
	}
	c := startTestCluster(t, TargetZabsim, 1)
	if l, ok := c.Leader(); !ok || l != "s1" || c.Modes()["s1"] != "standalone" {
		t.Fatalf("leader %q %v, modes %v", l, ok, c.Modes())
	}
	if len(c.proxies) != 0 {
		t.Fatalf("a single node got proxies: %v", c.proxies)
	}
	writeThrough(t, c, "s1", "/alone", nil)
	if err := c.Partition([]nemesis.Link{{From: "s1", To: "s2"}}); err == nil {
		t.Fatal("a cut naming an unknown node was accepted")
	}
	pids := c.Pids()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	requireNoProcesses(t, pids)
	if data, err := os.ReadFile(c.LogPath("s1")); err != nil || !strings.Contains(string(data), "start #1") {
		t.Fatalf("captured log: %v\n%s", err, data)
	}
}

// TestClusterDirectLinks: without proxies the ensemble still forms, and
// link faults are reported unsupported (healing them is not an error).
func TestClusterDirectLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three zabsim server processes")
	}
	c, err := Start(context.Background(), Options{Target: TargetZabsim, Nodes: 3, Dir: t.TempDir(),
		ZabsimBin: testZabsimBin(t), DirectLinks: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if c.proxies != nil {
		t.Fatal("DirectLinks started proxies")
	}
	writeThrough(t, c, "s1", "/direct", []string{"s2", "s3"})
	if err := c.Partition(nemesis.IsolateCuts("s1", c.Nodes())); !errors.Is(err, nemesis.ErrUnsupported) {
		t.Fatalf("Partition = %v, want ErrUnsupported", err)
	}
	if err := c.Degrade(nemesis.LinkFaults{Latency: time.Millisecond}); !errors.Is(err, nemesis.ErrUnsupported) {
		t.Fatalf("Degrade = %v, want ErrUnsupported", err)
	}
	if err := errors.Join(c.Partition(nil), c.Degrade(nemesis.LinkFaults{}), c.DiskFault("s1", nemesis.DiskFault{})); !errors.Is(err, nemesis.ErrUnsupported) || strings.Contains(err.Error(), "partition") {
		t.Fatalf("healing links must succeed, the disk fault must be unsupported: %v", err)
	}
}

// TestClusterSameDirStartsEmptyZabsim and ...ZooKeeper start a cluster in
// the directory an earlier cluster ran in (a relative one, as a default
// --out is): the new ensemble must not serve the earlier one's znodes (it
// did, and a live run into an earlier run's directory reported phantom
// reads and zxid-order violations).
func TestClusterSameDirStartsEmptyZabsim(t *testing.T) { testClusterSameDir(t, TargetZabsim) }

func TestClusterSameDirStartsEmptyZooKeeper(t *testing.T) { testClusterSameDir(t, TargetZooKeeper) }

func testClusterSameDir(t *testing.T, target Target) {
	if testing.Short() || os.Getenv("ZABSIM_LIVE") != "1" {
		t.Skip("starts two real ensembles one after the other: set ZABSIM_LIVE=1 (make test-live does)")
	}
	opts := Options{Target: target, Nodes: 3, Dir: "cluster", Logf: t.Logf}
	if target == TargetZabsim {
		opts.ZabsimBin = testZabsimBin(t)
	} else {
		requireZooKeeper(t)
	}
	t.Chdir(t.TempDir())
	for run := 1; run <= 2; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		c, err := Start(ctx, opts)
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		s := clusterSession(t, c.ClientAddrs()[0])
		if _, err := s.Sync("/"); err != nil {
			t.Fatalf("run %d: sync: %v", run, err)
		}
		children, _, err := s.Children("/")
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if slices.Contains(children, "earlier-run") {
			t.Errorf("run %d: the ensemble serves the earlier run's /earlier-run (children of /: %v)", run, children)
		}
		if _, err := s.Create("/earlier-run", []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("run %d: create: %v", run, err)
		}
		s.Close()
		if err := c.Stop(); err != nil {
			t.Fatalf("run %d: stop: %v", run, err)
		}
	}
}

// TestClusterBasePort: --base-port gives the servers consecutive ports
// (client, quorum, election per server), and a taken port is an error that
// names it.
func TestClusterBasePort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three zabsim server processes")
	}
	l, err := reservePort() // a free port below the ephemeral range; the nine after it are very likely free too
	if err != nil {
		t.Fatal(err)
	}
	base := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if base > 65535-20 {
		base -= 20
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := Start(ctx, Options{Target: TargetZabsim, Nodes: 3, Dir: t.TempDir(), ZabsimBin: testZabsimBin(t), BasePort: base, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	for i, addr := range c.ClientAddrs() {
		if want := net.JoinHostPort("127.0.0.1", strconv.Itoa(base+3*i)); addr != want {
			t.Errorf("s%d listens on %s, want %s", i+1, addr, want)
		}
	}
	writeThrough(t, c, "s1", "/based", nil)
	_ = c.Stop()

	taken, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+4)))
	if err != nil {
		t.Skipf("port %d: %v", base+4, err)
	}
	defer taken.Close()
	_, err = Start(ctx, Options{Target: TargetZabsim, Nodes: 3, Dir: t.TempDir(), ZabsimBin: testZabsimBin(t), BasePort: base})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d", base+4)) {
		t.Fatalf("a taken port in the range: %v", err)
	}
}

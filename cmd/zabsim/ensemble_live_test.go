package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
)

// ensembleNode is one zabsim server process of a live ensemble.
type ensembleNode struct {
	id     int
	cfg    string
	client string
	cmd    *exec.Cmd
	done   <-chan struct{} // closed when the process has exited
	log    *live.LockedBuffer
}

// exited reports whether the process has exited.
func (nd *ensembleNode) exited() bool {
	select {
	case <-nd.done:
		return true
	default:
		return false
	}
}

// buildBinary is $ZABSIM_BIN or this command built once per test process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin, err := cluster.ZabsimBinary(".")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	addr, err := cluster.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// writeEnsemble lays out n nodes' zoo.cfg and myid on loopback ports.
func writeEnsemble(t *testing.T, n int) []*ensembleNode {
	t.Helper()
	return writeEnsembleOn(t, n, "127.0.0.1")
}

// writeEnsembleOn is writeEnsemble with host (a name, an IPv4 or an IPv6
// literal) in the server.N lines and as clientPortAddress.
func writeEnsembleOn(t *testing.T, n int, host string, extra ...string) []*ensembleNode {
	t.Helper()
	root := t.TempDir()
	cfgHost := host
	if strings.Contains(host, ":") {
		cfgHost = "[" + host + "]" // server.N=[::1]:2888:3888
	}
	var servers strings.Builder
	nodes := make([]*ensembleNode, n)
	for i := range nodes {
		q, e, c := freePort(t), freePort(t), freePort(t)
		fmt.Fprintf(&servers, "server.%d=%s:%s:%s\n", i+1, cfgHost, q, e)
		nodes[i] = &ensembleNode{id: i + 1, client: net.JoinHostPort(host, c), log: &live.LockedBuffer{}}
	}
	for i, nd := range nodes {
		dir := filepath.Join(root, fmt.Sprintf("n%d", i+1))
		data := filepath.Join(dir, "data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(data, "myid"), []byte(fmt.Sprintf("%d\n", nd.id)), 0o644)
		_, port, _ := net.SplitHostPort(nd.client)
		text := fmt.Sprintf("tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%s\nclientPortAddress=%s\n4lw.commands.whitelist=*\nadmin.enableServer=false\n%s%s",
			data, port, host, servers.String(), strings.Join(append(extra, ""), "\n"))
		nd.cfg = filepath.Join(dir, "zoo.cfg")
		if err := os.WriteFile(nd.cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return nodes
}

func (nd *ensembleNode) start(t *testing.T, bin string) {
	t.Helper()
	nd.cmd = exec.Command(bin, "server", "--config", nd.cfg)
	nd.cmd.Stdout, nd.cmd.Stderr = nd.log, nd.log
	nd.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := nd.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := nd.cmd
	done := make(chan struct{})
	nd.done = done
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
}

func (nd *ensembleNode) kill9() { _ = syscall.Kill(-nd.cmd.Process.Pid, syscall.SIGKILL) }

func (nd *ensembleNode) mode() string {
	out, err := cluster.FourLetterWord(nd.client, "srvr", time.Second)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		if m, ok := strings.CutPrefix(l, "Mode: "); ok {
			return strings.TrimSpace(m)
		}
	}
	return ""
}

func waitLeader(t *testing.T, nodes []*ensembleNode, skip *ensembleNode) *ensembleNode {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var leader *ensembleNode
		serving := 0
		for _, nd := range nodes {
			if nd == skip {
				continue
			}
			switch nd.mode() {
			case "leader":
				leader = nd
				serving++
			case "follower":
				serving++
			}
		}
		if leader != nil && serving >= len(nodes)/2+1 {
			return leader
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, nd := range nodes {
		t.Logf("node %d log:\n%s", nd.id, nd.log.String())
	}
	t.Fatal("no leader with a serving quorum within 30s")
	return nil
}

// TestLiveEnsembleKillLeader: a real 3-node zabsim ensemble on 127.0.0.1
// survives kill -9 of its leader under a go-zookeeper write load; every
// acknowledged write is readable afterwards, also through the restarted
// old leader.
func TestLiveEnsembleKillLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	bin := buildBinary(t)
	nodes := writeEnsemble(t, 3)
	for _, nd := range nodes {
		nd.start(t, bin)
	}
	leader := waitLeader(t, nodes, nil)
	c := ensembleClient(t, nodes)

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := fmt.Sprintf("/k%06d", i)
			if _, err := c.Create(p, []byte("v"), 0, zk.WorldACL(zk.PermAll)); err == nil {
				mu.Lock()
				acked = append(acked, p)
				mu.Unlock()
			}
		}
	}()
	time.Sleep(2 * time.Second)
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	leader.kill9()
	newLeader := waitLeader(t, nodes, leader)
	time.Sleep(3 * time.Second)
	close(stop)
	<-done
	mu.Lock()
	total := len(acked)
	mu.Unlock()
	if before == 0 || total <= before {
		t.Fatalf("writes acknowledged: %d before the kill, %d in all: the ensemble did not serve writes after losing its leader", before, total)
	}
	t.Logf("killed leader %d; node %d leads now; %d writes acknowledged (%d before the kill)", leader.id, newLeader.id, total, before)

	// Restart the old leader and read every acknowledged write through it.
	leader.start(t, bin)
	deadline := time.Now().Add(30 * time.Second)
	for m := leader.mode(); m != "follower" && m != "leader"; m = leader.mode() {
		if time.Now().After(deadline) {
			t.Fatalf("restarted node %d did not rejoin:\n%s", leader.id, leader.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	r := zkSession(t, leader.client)
	if _, err := r.Sync("/"); err != nil {
		t.Fatal(err)
	}
	for _, p := range acked {
		if ok, _, err := r.Exists(p); err != nil || !ok {
			t.Fatalf("acknowledged write %s missing on the restarted node %d (exists=%v, err=%v)", p, leader.id, ok, err)
		}
	}
}

// ensembleClient is a go-zookeeper session over every node of the
// ensemble, closed when the test ends; its events are drained.
func ensembleClient(t *testing.T, nodes []*ensembleNode) *zk.Conn {
	t.Helper()
	var addrs []string
	for _, nd := range nodes {
		addrs = append(addrs, nd.client)
	}
	c, events, err := zk.Connect(addrs, 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(quietZKLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	go func() {
		for range events {
		}
	}()
	return c
}

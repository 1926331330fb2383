package main

import (
	"bufio"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// TestLiveEnsembleHostNames: a 3-node `zabsim server` ensemble whose zoo.cfg
// names its members by host name (server.N=localhost:..., as kazoo's test
// harness writes, or a name from /etc/hosts, as Docker and Kubernetes
// deployments do) or by an IPv6 literal ([::1]) elects a leader and serves
// a write and a read, as it does with 127.0.0.1. Each host that does not
// resolve to a loopback address here is skipped.
func TestLiveEnsembleHostNames(t *testing.T) {
	if testing.Short() || os.Getenv("ZABSIM_LIVE") != "1" {
		t.Skip("starts three zabsim server processes per host: set ZABSIM_LIVE=1 (make test-live does)")
	}
	bin := buildBinary(t)
	hosts := []string{"localhost"}
	if name := etcHostsLoopbackName(); name != "" {
		hosts = append(hosts, name)
	} else {
		t.Log("no name besides localhost maps to a loopback address in /etc/hosts: that case is not run")
	}
	hosts = append(hosts, "::1", "localhost quorumListenOnAllIPs=true")
	for _, name := range hosts {
		host, extra, _ := strings.Cut(name, " ")
		t.Run(name, func(t *testing.T) {
			if !bindable(host) {
				t.Skipf("cannot listen on %s here", host)
			}
			var lines []string
			if extra != "" {
				lines = append(lines, extra)
			}
			nodes := writeEnsembleOn(t, 3, host, lines...)
			for _, nd := range nodes {
				nd.start(t, bin)
			}
			leader := waitLeader(t, nodes, nil)
			var follower *ensembleNode
			for _, nd := range nodes {
				if nd != leader {
					follower = nd
					break
				}
			}
			w := zkSession(t, follower.client)
			if _, err := w.Create("/named", []byte(host), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatalf("create through follower %d: %v", follower.id, err)
			}
			r := zkSession(t, leader.client)
			data, _, err := r.Get("/named")
			if err != nil || string(data) != host {
				t.Fatalf("read through leader %d: %q, %v", leader.id, data, err)
			}
			t.Logf("server.N=%s: node %d leads; a write through node %d read back through the leader", name, leader.id, follower.id)
		})
	}
}

// etcHostsLoopbackName returns a name /etc/hosts maps to a loopback
// address, other than localhost and the ip6-* aliases, that resolves here
// ("" if none). The test reads the file; it never writes it.
func etcHostsLoopbackName() string {
	f, err := os.Open("/etc/hosts")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		ip := net.ParseIP(fields[0])
		if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
			continue
		}
		for _, name := range fields[1:] {
			if name == "localhost" || strings.HasPrefix(name, "ip6-") || strings.Contains(name, "localhost") {
				continue
			}
			if addrs, err := net.LookupHost(name); err == nil && len(addrs) > 0 {
				return name
			}
		}
	}
	return ""
}

// bindable reports whether a listener can be opened on host here.
func bindable(host string) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// TestLiveEnsembleUnresolvableName: a server.N name that does not resolve
// is a clear error, never a silent LOOKING loop. The member named by it
// cannot bind its quorum port and exits with an error naming the host (as
// ZooKeeper 3.8 exits when it cannot bind); the others, which must dial it,
// say once why they cannot and keep retrying, and still form a quorum
// between themselves.
func TestLiveEnsembleUnresolvableName(t *testing.T) {
	if testing.Short() || os.Getenv("ZABSIM_LIVE") != "1" {
		t.Skip("starts three zabsim server processes: set ZABSIM_LIVE=1 (make test-live does)")
	}
	const bad = "zabsim-no-such-host.invalid"
	if _, err := net.LookupHost(bad); err == nil {
		t.Skipf("%s resolves here", bad)
	}
	bin := buildBinary(t)
	nodes := writeEnsembleOn(t, 3, "127.0.0.1")
	for _, nd := range nodes {
		text, err := os.ReadFile(nd.cfg)
		if err != nil {
			t.Fatal(err)
		}
		text = []byte(strings.Replace(string(text), "server.1=127.0.0.1:", "server.1="+bad+":", 1))
		if err := os.WriteFile(nd.cfg, text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, nd := range nodes {
		nd.start(t, bin)
	}
	leader := waitLeader(t, nodes, nodes[0])
	deadline := time.Now().Add(10 * time.Second)
	for _, nd := range nodes[1:] {
		for !strings.Contains(nd.log.String(), "cannot open channel to peer 1 at "+bad) {
			if time.Now().After(deadline) {
				t.Fatalf("node %d never said why it cannot reach peer 1:\n%s", nd.id, nd.log.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if n := strings.Count(nd.log.String(), "cannot open channel to peer 1"); n != 1 {
			t.Errorf("node %d logged the same dial failure %d times:\n%s", nd.id, n, nd.log.String())
		}
	}
	for !nodes[0].exited() {
		if time.Now().After(deadline) {
			t.Fatalf("node 1, whose own name does not resolve, is still running:\n%s", nodes[0].log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out := nodes[0].log.String(); !strings.Contains(out, bad) {
		t.Fatalf("node 1 exited without naming the host it could not resolve:\n%s", out)
	}
	t.Logf("node %d leads nodes 2 and 3; node 1 exited: %s; node 2 said: %s", leader.id,
		lastLine(nodes[0].log.String()), firstLineWith(nodes[1].log.String(), "cannot open channel"))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func firstLineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

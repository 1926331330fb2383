package cluster

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/server/config"
)

// TestApacheZooKeeperStandalone checks scripts/zk-standalone.sh against the
// real Apache ZooKeeper from Debian: start it, create and read a znode with
// go-zookeeper/zk, stop it. It is the smoke test of the live tier's
// reference system. It runs twice: with the script's own zoo.cfg (which
// server/config must parse) and with a zoo.cfg written by server/config
// (which ZooKeeper must accept).
func TestApacheZooKeeperStandalone(t *testing.T) {
	requireZooKeeper(t) // skips, or fails under ZABSIM_REQUIRE_ZK=1
	t.Run("script-cfg", func(t *testing.T) {
		dir, addr := t.TempDir(), freePort(t)
		runZooKeeper(t, dir, addr, nil)
		text, err := os.ReadFile(filepath.Join(dir, "zoo.cfg"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, warns, err := config.Parse(text)
		if err != nil || len(warns) != 0 {
			t.Fatalf("server/config on the script's zoo.cfg: %v, warnings %v", err, warns)
		}
		if cfg.ClientAddr(config.Server{}) != addr {
			t.Fatalf("parsed client address %s, want %s", cfg.ClientAddr(config.Server{}), addr)
		}
	})
	t.Run("config-written-cfg", func(t *testing.T) {
		dir, addr := t.TempDir(), freePort(t)
		host, port, _ := net.SplitHostPort(addr)
		cfg := config.Default()
		cfg.TickTimeMS = 500
		cfg.DataDir = filepath.Join(dir, "data")
		cfg.ClientPort, _ = strconv.Atoi(port)
		cfg.ClientPortAddress = host
		cfg.MaxClientCnxns = 0
		cfg.AdminEnableServer = false
		cfg.FourLetterWords = []string{"srvr", "ruok"}
		cfg.MaxSessionTimeoutMS = 30000
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		runZooKeeper(t, dir, addr, []string{"ZK_KEEP_CFG=1"})
	})
}

// runZooKeeper starts scripts/zk-standalone.sh DIR PORT, waits until it
// serves, creates and reads a znode, and stops the server.
func runZooKeeper(t *testing.T, dir, addr string, env []string) {
	t.Helper()
	script, err := filepath.Abs("../../scripts/zk-standalone.sh")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	var out bytes.Buffer
	cmd := exec.Command(script, dir, port)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // the script exec'd java: this is the server's pid
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("zookeeper output:\n%s", out.String())
		}
	}()
	waitForServing(t, addr, exited)

	conn, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	path, err := conn.Create("/zabsim-smoke", []byte("hello"), 0, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	data, stat, err := conn.Get(path)
	if err != nil || string(data) != "hello" || stat.Version != 0 || stat.DataLength != 5 {
		t.Fatalf("get %s = %q, %+v, %v", path, data, stat, err)
	}
	if _, err := conn.Create(path, nil, 0, zk.WorldACL(zk.PermAll)); err != zk.ErrNodeExists {
		t.Fatalf("second create = %v, want ErrNodeExists", err)
	}
	t.Logf("Apache ZooKeeper on %s: created %s (czxid %#x)", addr, path, stat.Czxid)
}

// waitForServing waits until the server answers the srvr four-letter word
// with its mode: the port accepts connections before the database is loaded,
// and a client that connects in that window is dropped.
func waitForServing(t *testing.T, addr string, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("zookeeper exited before serving: %v", err)
		default:
		}
		if strings.Contains(fourLetterWord(addr, "srvr"), "Mode: ") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("zookeeper did not serve on %s within 60s", addr)
}

func fourLetterWord(addr, cmd string) string {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return ""
	}
	b, _ := io.ReadAll(c)
	return string(b)
}

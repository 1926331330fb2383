// Package livetest holds the helpers the live tier's tests share, as
// net/http/httptest does for net/http: a standalone zabsim server on a
// free loopback port, a standalone zoo.cfg (WriteZooCfg), and the rule for
// tests that need Apache ZooKeeper.
//
// It is imported by tests only (live/serverproc's are an external test
// package for it; the internal tests of live and live/cluster, which it
// imports, keep their own copies of the few helpers they need). It may
// import live and its packages but the ones that test with it, and never
// sim, scenarios or cmd.
package livetest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/serverproc"
	"github.com/zabsim/zabsim/server"
)

// TickMS is the test servers' tickTime: short, so session expiry tests
// wait a few seconds, not minutes.
const TickMS = 200

// StartZabsim runs a standalone zabsim server on a free loopback port
// with a short tick, containers checked every 100 ms and every
// four-letter word allowed; mutate adjusts the config. The server stops
// when the test ends (its log is shown if the test failed). It returns the
// client address.
func StartZabsim(t testing.TB, mutate func(*server.Config)) string {
	t.Helper()
	cfg := server.Config{
		ClientAddr: "127.0.0.1:0", TickTimeMS: TickMS, MaxClientCnxns: -1,
		FourLetterWords: []string{"*"}, ExtendedTypesEnabled: true, ContainerCheckIntervalMS: 100,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	var logBuf live.LockedBuffer
	n, addr, err := serverproc.StartServer(cfg, live.Options{Name: "zabsim", DataDir: t.TempDir(), Log: &logBuf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("server stop: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logBuf.String())
		}
	})
	return addr
}

// RequireZooKeeper skips (or, under ZABSIM_REQUIRE_ZK=1, fails) a test
// when Apache ZooKeeper cannot run here.
func RequireZooKeeper(t testing.TB) {
	t.Helper()
	if err := cluster.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
}

// WriteZooCfg writes a standalone zoo.cfg (tickTime 200, a data directory
// of its own, a free loopback client port) with extra lines appended, and
// returns its path and the client address.
func WriteZooCfg(t testing.TB, extra string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	addr, err := cluster.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	text := fmt.Sprintf("tickTime=200\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\n%s",
		filepath.Join(dir, "data"), port, extra)
	path := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, addr
}

package cluster

import (
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// requireZooKeeper skips (or, under ZABSIM_REQUIRE_ZK=1, fails) a test when
// Apache ZooKeeper cannot run here.
func requireZooKeeper(t *testing.T) {
	t.Helper()
	if err := ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
}

// freePort returns a loopback address nobody listens on (racy in theory,
// fine on a test machine: the kernel does not hand the port out again at once).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// checkNoLeaks fails the test if goroutines started during it outlive it.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if now := runtime.NumGoroutine(); now > before {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, now, buf[:runtime.Stack(buf, true)])
		}
	})
}

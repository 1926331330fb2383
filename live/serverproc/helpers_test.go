package serverproc

import (
	"os"
	"testing"

	"github.com/zabsim/zabsim/live/cluster"
)

// requireZooKeeper skips (or, under ZABSIM_REQUIRE_ZK=1, fails) a test when
// Apache ZooKeeper cannot run here. (livetest.RequireZooKeeper, which this
// package's tests cannot import: livetest imports serverproc.)
func requireZooKeeper(t *testing.T) {
	t.Helper()
	if err := cluster.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

package liverun

import (
	"os"
	"testing"

	"github.com/zabsim/zabsim/live/cluster"
)

// testZabsimBin is $ZABSIM_BIN or a zabsim binary built once per test
// process.
func testZabsimBin(t *testing.T) string {
	t.Helper()
	bin, err := cluster.ZabsimBinary("../cmd/zabsim")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// requireZooKeeper skips without Apache ZooKeeper, unless
// ZABSIM_REQUIRE_ZK=1 makes that a failure (CI).
func requireZooKeeper(t *testing.T) {
	t.Helper()
	if err := cluster.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
}

// requireNoProcesses fails if any process of the given process groups is
// still alive (read from /proc).
func requireNoProcesses(t *testing.T, pgids []int) {
	t.Helper()
	if len(pgids) == 0 {
		t.Fatal("no process groups recorded: the check would prove nothing")
	}
	left, err := cluster.ProcessGroupMembers(pgids)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if len(left) > 0 {
		t.Fatalf("processes %v of groups %v outlived the run", left, pgids)
	}
}

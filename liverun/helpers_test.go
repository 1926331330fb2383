package liverun

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zabsim/zabsim/live"
)

var (
	zabsimBinOnce sync.Once
	zabsimBinPath string
	zabsimBinErr  error
)

// testZabsimBin is $ZABSIM_BIN or a zabsim binary built once per test
// process.
func testZabsimBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("ZABSIM_BIN"); bin != "" {
		return bin
	}
	zabsimBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zabsim-liverun-bin-")
		if err != nil {
			zabsimBinErr = err
			return
		}
		zabsimBinPath = filepath.Join(dir, "zabsim")
		out, err := exec.Command("go", "build", "-o", zabsimBinPath, "../cmd/zabsim").CombinedOutput()
		if err != nil {
			zabsimBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if zabsimBinErr != nil {
		t.Fatal(zabsimBinErr)
	}
	return zabsimBinPath
}

// requireZooKeeper skips without Apache ZooKeeper, unless
// ZABSIM_REQUIRE_ZK=1 makes that a failure (CI).
func requireZooKeeper(t *testing.T) {
	t.Helper()
	if err := live.ZooKeeperAvailable(); err != nil {
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
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var left []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 3 {
			continue
		}
		pgrp, _ := strconv.Atoi(fields[2])
		if slices.Contains(pgids, pgrp) || slices.Contains(pgids, pid) {
			left = append(left, pid)
		}
	}
	if len(left) > 0 {
		t.Fatalf("processes %v of groups %v outlived the run", left, pgids)
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/live/cluster"
)

func TestCrosscheckCommandBadUsage(t *testing.T) {
	for _, args := range [][]string{{"--ops", "0"}, {"--ops", "-3"}, {"--seed", "x"}, {"extra"}} {
		cmd := newRoot()
		cmd.SetArgs(append([]string{"crosscheck"}, args...))
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.ExecuteContext(context.Background())
		if exitCode(err) != exitUsage {
			t.Errorf("%v: err %v, want exit 2", args, err)
		}
	}
}

// TestLiveCrosscheckCommand runs `zabsim crosscheck` end to end: both
// servers started, a short sequence, the report on stdout, exit 0.
func TestLiveCrosscheckCommand(t *testing.T) {
	if err := cluster.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
	cmd := newRoot()
	var out bytes.Buffer
	cmd.SetArgs([]string{"crosscheck", "--ops", "300", "--seed", "11"})
	cmd.SetOut(&out)
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.ExecuteContext(context.Background())
	var v violationError
	if err != nil && !errors.As(err, &v) {
		t.Fatalf("crosscheck: %v\n%s", err, out.String())
	}
	if err != nil || !strings.Contains(out.String(), "cross-check seed 11: 300 ops and a closeSession") || !strings.Contains(out.String(), "no unexplained difference") {
		t.Fatalf("crosscheck: %v\n%s", err, out.String())
	}
}

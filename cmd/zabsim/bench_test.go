package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/live"
)

func runBenchCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newBenchCmd()
	cmd.SetArgs(args)
	var out, log bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&log)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestBenchCommandBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-target", "etcd"}, `-target "etcd"`},
		{[]string{"-target", "addr"}, "needs -addr"},
		{[]string{"-ops", "delete"}, `unknown bench op "delete"`},
		{[]string{"-clients", "0"}, "must be positive"},
		{[]string{"-duration", "soon"}, "invalid value"},
	}
	for _, tc := range cases {
		_, err := runBenchCmd(t, tc.args...)
		var u usageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &u) {
			t.Errorf("bench %v: err %v, want a usage error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// A short zabsim-only run prints one row per op with non-zero throughput.
func TestLiveBenchCommandZabsim(t *testing.T) {
	out, err := runBenchCmd(t, "-target", "zabsim", "-clients", "2", "-duration", "200ms", "-warmup", "0", "-dir", t.TempDir())
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 7 && f[1] == "zabsim" && (f[0] == "setData" || f[0] == "getData") {
			rows++
			if f[2] == "0" || f[6] != "0" {
				t.Errorf("row %q: want non-zero ops/s and no errors", line)
			}
		}
	}
	if rows != 2 {
		t.Fatalf("want a setData and a getData row for zabsim:\n%s", out)
	}
}

// Both targets side by side, with the ratio row (needs Apache ZooKeeper).
func TestLiveBenchCommandBoth(t *testing.T) {
	if err := live.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable: %v", err)
	}
	out, err := runBenchCmd(t, "-target", "both", "-clients", "2", "-duration", "300ms", "-warmup", "100ms", "-ops", "set")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{"setData  zabsim", "setData  zookeeper", "zabsim/zookeeper"} {
		if !strings.Contains(strings.Join(strings.Fields(out), "  "), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

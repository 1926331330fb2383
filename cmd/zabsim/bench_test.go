package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/live/cluster"
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
		{[]string{"--target", "etcd"}, `--target etcd`},
		{[]string{"--target", "addr"}, "needs --addr"},
		{[]string{"--ops", "delete"}, `unknown bench op "delete"`},
		{[]string{"--clients", "0"}, "must be positive"},
		{[]string{"--servers", "2"}, "want 1 (standalone) or 3..7"},
		{[]string{"--duration", "soon"}, "want a duration"},
		{[]string{"-target", "etcd"}, `--target etcd`}, // the deprecated single-dash spelling
	}
	for _, tc := range cases {
		_, err := runBenchCmd(t, tc.args...)
		var u usageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &u) {
			t.Errorf("bench %v: err %v, want a usage error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// A short standalone zabsim run prints one Markdown row per op with
// non-zero throughput and no errors.
func TestLiveBenchCommandZabsim(t *testing.T) {
	out, err := runBenchCmd(t, "--target", "zabsim", "--servers", "1", "--clients", "2", "--ops", "setData,getData",
		"--duration", "200ms", "--warmup", "0", "--dir", t.TempDir())
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	rows := benchRowsOf(out)
	if len(rows) != 2 || rows[0][0] != "setData" || rows[1][0] != "getData" {
		t.Fatalf("want a setData and a getData row for zabsim:\n%s", out)
	}
	for _, f := range rows {
		// op | clients | ops/s | p50 | p99 | p999 | errors
		if len(f) != 7 || f[1] != "2" || f[2] == "0" || f[6] != "0" {
			t.Errorf("row %q: want 2 clients, non-zero ops/s and no errors", f)
		}
	}
}

// benchRowsOf returns the cells of the Markdown table's data rows.
func benchRowsOf(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| op ") || strings.HasPrefix(line, "| ---") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "| "), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	return rows
}

// 3-node ensembles of both targets, two client counts, side by side with
// the ratio columns, and the three files in --out (needs Apache ZooKeeper).
func TestLiveBenchCommandBoth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two 3-node ensembles")
	}
	if err := cluster.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable: %v", err)
	}
	outDir := t.TempDir()
	out, err := runBenchCmd(t, "--target", "both", "--servers", "3", "--zabsim-bin", buildBinary(t),
		"--clients", "1,3", "--duration", "300ms", "--warmup", "100ms", "--ops", "create,mixed", "--out", outDir)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	rows := benchRowsOf(out)
	if len(rows) != 4 {
		t.Fatalf("want rows create×{1,3} and mixed×{1,3}:\n%s", out)
	}
	for _, f := range rows {
		// op | clients | 5 zabsim columns | 5 zookeeper columns | 2 ratios
		if len(f) != 14 || f[2] == "0" || f[7] == "0" || !strings.HasSuffix(f[12], "x") {
			t.Errorf("row %q: want both targets measured and a ratio", f)
		}
	}
	if !strings.Contains(out, "zabsim/zookeeper ops/s") {
		t.Errorf("no ratio column:\n%s", out)
	}
	for _, name := range []string{"bench.md", "bench.json", "bench.png", "bench-latency.png"} {
		if fi, err := os.Stat(filepath.Join(outDir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBenchClientCounts(t *testing.T) {
	got, err := parseClientCounts("1, 16,64,16")
	if err != nil || !slices.Equal(got, []int{1, 16, 64}) {
		t.Fatalf("parseClientCounts = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "-3", "x", ","} {
		if _, err := parseClientCounts(bad); err == nil {
			t.Errorf("parseClientCounts(%q) accepted", bad)
		}
	}
}

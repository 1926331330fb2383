package live

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A short run of the load generator against an in-process zabsim server:
// both phases make progress, nothing fails, and the quantiles are ordered.
func TestLiveBenchAgainstZabsim(t *testing.T) {
	addr := startLiveServer(t, nil)
	res, err := RunBench(context.Background(), BenchOptions{
		Servers: []string{addr}, Clients: 4, Duration: 300 * time.Millisecond, Warmup: -1, Znodes: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Op != BenchSetData || res[1].Op != BenchGetData {
		t.Fatalf("results %+v, want setData then getData", res)
	}
	for _, r := range res {
		if r.Ops == 0 || r.Errors != 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max || r.Throughput() <= 0 {
			t.Errorf("%s: %+v (%.0f ops/s)", r.Op, r, r.Throughput())
		}
	}
}

func TestWriteBenchTableRatios(t *testing.T) {
	a := BenchTarget{Name: "zabsim", Results: []BenchResult{{Op: BenchSetData, Ops: 3000, Elapsed: time.Second, P50: time.Millisecond, P99: 4 * time.Millisecond, Max: 9 * time.Millisecond}}}
	b := BenchTarget{Name: "zookeeper", Results: []BenchResult{{Op: BenchSetData, Ops: 1500, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 2 * time.Millisecond, Max: 3 * time.Millisecond, Errors: 7}}}
	var out strings.Builder
	if err := WriteBenchTable(&out, []BenchTarget{a, b}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"3000", "1500", "zabsim/zookeeper", "2.00x", "0.50x", "1.00ms", "7"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if lines := strings.Count(text, "\n"); lines != 4 {
		t.Errorf("table has %d lines, want header + 2 targets + ratio:\n%s", lines, text)
	}
}

func TestParseBenchOps(t *testing.T) {
	ops, err := ParseBenchOps("set, getData")
	if err != nil || len(ops) != 2 || ops[0] != BenchSetData || ops[1] != BenchGetData {
		t.Fatalf("ParseBenchOps = %v, %v", ops, err)
	}
	for _, bad := range []string{"", "delete", ","} {
		if _, err := ParseBenchOps(bad); err == nil {
			t.Errorf("ParseBenchOps(%q) accepted", bad)
		}
	}
}

func TestRunBenchNeedsServers(t *testing.T) {
	if _, err := RunBench(context.Background(), BenchOptions{}); err == nil {
		t.Fatal("RunBench without servers accepted")
	}
}

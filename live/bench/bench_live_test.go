package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live/livetest"
)

// A short run of the load generator against an in-process zabsim server:
// both phases make progress, nothing fails, and the quantiles are ordered.
func TestLiveBenchAgainstZabsim(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	res, err := Run(context.Background(), Options{
		Servers: []string{addr}, Clients: 4, Duration: 300 * time.Millisecond, Warmup: -1, Znodes: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Op != OpSetData || res[1].Op != OpGetData {
		t.Fatalf("results %+v, want setData then getData", res)
	}
	for _, r := range res {
		if r.Ops == 0 || r.Errors != 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max || r.Throughput() <= 0 {
			t.Errorf("%s: %+v (%.0f ops/s)", r.Op, r, r.Throughput())
		}
	}
}

func TestWriteBenchTableRatios(t *testing.T) {
	a := Target{Name: "zabsim", Results: []Result{{Op: OpSetData, Ops: 3000, Elapsed: time.Second, P50: time.Millisecond, P99: 4 * time.Millisecond, Max: 9 * time.Millisecond}}}
	b := Target{Name: "zookeeper", Results: []Result{{Op: OpSetData, Ops: 1500, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 2 * time.Millisecond, Max: 3 * time.Millisecond, Errors: 7}}}
	var out strings.Builder
	if err := WriteTable(&out, []Target{a, b}); err != nil {
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
	ops, err := ParseOps("set, getData")
	if err != nil || len(ops) != 2 || ops[0] != OpSetData || ops[1] != OpGetData {
		t.Fatalf("ParseOps = %v, %v", ops, err)
	}
	for _, bad := range []string{"", "delete", ","} {
		if _, err := ParseOps(bad); err == nil {
			t.Errorf("ParseOps(%q) accepted", bad)
		}
	}
}

func TestRunBenchNeedsServers(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); err == nil {
		t.Fatal("Run without servers accepted")
	}
}

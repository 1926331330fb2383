package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live/livetest"
)

func benchPair() []Target {
	return []Target{
		{Name: "zabsim", Nodes: 3, Results: []Result{
			{Op: OpCreate, Clients: 16, Ops: 3000, Elapsed: time.Second, P50: time.Millisecond, P99: 4 * time.Millisecond, P999: 9 * time.Millisecond},
			{Op: OpCreate, Clients: 1, Ops: 500, Elapsed: time.Second, P50: time.Millisecond, P99: 2 * time.Millisecond, P999: 3 * time.Millisecond},
		}},
		{Name: "zookeeper", Nodes: 3, Results: []Result{
			{Op: OpCreate, Clients: 16, Ops: 1500, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 8 * time.Millisecond, P999: 20 * time.Millisecond, Errors: 7},
		}},
	}
}

// The Markdown table: one row per (op, clients) sorted by client count,
// both targets' columns, the ratios, and "-" where a target has no result.
func TestWriteBenchMarkdown(t *testing.T) {
	var b strings.Builder
	if err := WriteMarkdown(&b, benchPair()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header, separator and 2 rows:\n%s", b.String())
	}
	want1 := "| create | 1 | 500 | 1.00ms | 2.00ms | 3.00ms | 0 | - | - | - | - | - | - | - |"
	want16 := "| create | 16 | 3000 | 1.00ms | 4.00ms | 9.00ms | 0 | 1500 | 2.00ms | 8.00ms | 20.00ms | 7 | 2.00x | 0.50x |"
	if lines[2] != want1 || lines[3] != want16 {
		t.Fatalf("rows:\n%s\n%s\nwant:\n%s\n%s", lines[2], lines[3], want1, want16)
	}
	if !strings.Contains(lines[0], "zabsim/zookeeper ops/s") {
		t.Fatalf("header %q lacks the ratio", lines[0])
	}
}

func TestWriteBenchJSONAndPlot(t *testing.T) {
	var b strings.Builder
	if err := WriteJSON(&b, benchPair(), map[string]any{"cpus": 2}); err != nil {
		t.Fatal(err)
	}
	var got benchJSON
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatal(err)
	}
	r := got.Targets[1].Results[0]
	if len(got.Targets) != 2 || got.Targets[0].Nodes != 3 || r.OpsPerSec != 1500 || r.P999ms != 20 || r.Errors != 7 || got.Meta["cpus"] != float64(2) {
		t.Fatalf("bench.json = %+v", got)
	}
	png := filepath.Join(t.TempDir(), "bench.png")
	if err := PlotThroughput(png, benchPair(), "t"); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(png); err != nil || len(data) < 1000 || string(data[1:4]) != "PNG" {
		t.Fatalf("bench.png: %d bytes, %v", len(data), err)
	}
	if err := PlotThroughput(png, nil, "t"); err == nil {
		t.Fatal("plotting nothing succeeded")
	}
	lat := filepath.Join(t.TempDir(), "bench-latency.png")
	if err := PlotLatency(lat, benchPair(), "t"); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(lat); err != nil || len(data) < 1000 || string(data[1:4]) != "PNG" {
		t.Fatalf("bench-latency.png: %d bytes, %v", len(data), err)
	}
}

// TestBenchLatencyPlot: the latency plot has a p50 and a p99 bar per
// target, named in the legend, and its axis holds the highest p99 (8 ms).
func TestBenchLatencyPlot(t *testing.T) {
	p, names, err := benchPlot(benchPair(), "t", "ms", []benchSeries{
		{"p50", func(r Result) float64 { return r.P50.Seconds() * 1000 }},
		{"p99", func(r Result) float64 { return r.P99.Seconds() * 1000 }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max < 8 || p.Y.Max > 20 {
		t.Errorf("latency axis runs to %.1f ms, want just above the highest p99 (8 ms)", p.Y.Max)
	}
	if got := strings.Join(names, ","); got != "zabsim p50,zabsim p99,zookeeper p50,zookeeper p99" {
		t.Errorf("legend %s", got)
	}
}

// create and mixed against an in-process server: creates make new znodes,
// mixed reads and writes, nothing fails.
func TestLiveBenchCreateAndMixed(t *testing.T) {
	addr := livetest.StartZabsim(t, nil)
	res, err := Run(context.Background(), Options{
		Servers: []string{addr}, Clients: 3, Duration: 300 * time.Millisecond, Warmup: -1, Znodes: 2,
		Ops: []Op{OpCreate, OpMixed},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Op != OpCreate || res[1].Op != OpMixed {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.Clients != 3 || r.Ops == 0 || r.Errors != 0 || r.P50 > r.P99 || r.P99 > r.P999 || r.P999 > r.Max {
			t.Errorf("%s: %+v", r.Op, r)
		}
	}
	ops, err := ParseOps("create,mixed")
	if err != nil || len(ops) != 2 || ops[0] != OpCreate || ops[1] != OpMixed {
		t.Fatalf("ParseOps = %v, %v", ops, err)
	}
}

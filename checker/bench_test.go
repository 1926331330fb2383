package checker

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/model"
)

// The benchmarks check one synthetic, linearizable register history of
// 100,000 ops over 100 keys from 50 concurrent clients (5% of writes end as
// info), three ways: the zxid fast path (what CheckLinearizable does),
// Porcupine partitioned per key, and Porcupine on the whole history
// unpartitioned (each Porcupine run with a 30 s timeout). Run with
//
//	go test -run '^$' -bench Linearizable -benchmem ./checker
//
// The unpartitioned run uses 10,000 ops unless ZABSIM_SOAK=1: Porcupine's
// cache keeps a bitset per linearized op, so 100,000 ops need gigabytes.

var benchHistory = genOptions{ops: 100_000, keys: 100, clients: 50, infoPercent: 5, seed: 42}

func BenchmarkLinearizableFastPath100k(b *testing.B) {
	ops := genRegisterHistory(benchHistory)
	b.ResetTimer()
	for b.Loop() {
		r := CheckLinearizable(ops, LinearOptions{})
		if r.Valid != Valid || r.Counts["keys:porcupine"] != 0 {
			b.Fatalf("fast path did not verify the history: %s", r)
		}
	}
	b.ReportMetric(float64(len(ops)/2), "ops/history")
	reportHeap(b)
}

func BenchmarkLinearizablePorcupinePartitioned100k(b *testing.B) {
	benchPorcupine(b, model.RegisterModel(), benchHistory)
}

// BenchmarkLinearizablePorcupinePartitioned100kNoInfo gives Porcupine its
// easiest case: the same shape with no info ops.
func BenchmarkLinearizablePorcupinePartitioned100kNoInfo(b *testing.B) {
	opts := benchHistory
	opts.infoPercent = 0
	benchPorcupine(b, model.RegisterModel(), opts)
}

func BenchmarkLinearizablePorcupineUnpartitioned(b *testing.B) {
	opts := benchHistory
	if os.Getenv("ZABSIM_SOAK") != "1" {
		opts.ops = 10_000
	}
	benchPorcupine(b, model.KVModel(), opts)
}

// benchPorcupine runs Porcupine itself (all partitions at once, one 30 s
// timeout) and reports 1 for Ok, 0 for a timeout.
func benchPorcupine(b *testing.B, m porcupine.Model, opts genOptions) {
	ops := genRegisterHistory(opts)
	pops, _, err := model.RegisterOperations(ops, model.RegisterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res := porcupine.CheckOperationsTimeout(m, pops, 30*time.Second)
		if res == porcupine.Illegal {
			b.Fatal("Porcupine rejected a linearizable history")
		}
		b.ReportMetric(map[porcupine.CheckResult]float64{porcupine.Ok: 1, porcupine.Unknown: 0}[res], "valid(1=ok,0=unknown)")
	}
	b.ReportMetric(float64(opts.ops), "ops/history")
	reportHeap(b)
}

func reportHeap(b *testing.B) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkLinearizableFastPathOnly100k times the fast path alone on ops
// already converted from JSON, to compare like for like with the Porcupine
// benchmarks (which also start from converted ops).
func BenchmarkLinearizableFastPathOnly100k(b *testing.B) {
	ops := genRegisterHistory(benchHistory)
	pops, _, err := model.RegisterOperations(ops, model.RegisterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	parts := model.PartitionByKey(pops)
	b.ResetTimer()
	for b.Loop() {
		for _, part := range parts {
			if why, bad := fastPathKey(part); why != "" || len(bad) > 0 {
				b.Fatalf("fast path did not verify a key: %s %v", why, bad)
			}
		}
	}
	reportHeap(b)
}

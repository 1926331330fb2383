package zab

import (
	"hash/fnv"
	"testing"
)

// One seed gives one run: the same seed yields the same trace, and sending
// messages as Go values or through the jute encoding behaves identically.
func TestChaosDeterministicAndEncodingInvariant(t *testing.T) {
	for seed := uint64(1); seed <= uint64(seedCount(20, 200)); seed++ {
		o := defaultChaos()
		o.observers = 1
		a := traceHash(seed, o)
		b := traceHash(seed, o)
		o.encode = true
		c := traceHash(seed, o)
		if a != b {
			t.Fatalf("seed %d: two runs differ (%x vs %x)", seed, a, b)
		}
		if a != c {
			t.Fatalf("seed %d: encoded run differs from Go-value run (%x vs %x)", seed, a, c)
		}
	}
}

func traceHash(seed uint64, o chaosOpts) uint64 {
	h := fnv.New64a()
	traceChaos = func(c *chaos) {
		h.Write([]byte(c.w.trace.String()))
		c.w.trace.Reset()
	}
	defer func() { traceChaos = nil }()
	r := runChaos(seed, o)
	h.Write([]byte(first(r.violations)))
	return h.Sum64()
}

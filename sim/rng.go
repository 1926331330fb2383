package sim

import "math/rand/v2"

// fnv64 constants (FNV-1a, 64 bit).
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// hashString is FNV-1a over s; it does not allocate.
func hashString(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// newStream derives the named random stream of a seed. Streams are keyed by
// name, not by creation order, so adding a component never shifts another
// component's stream.
func newStream(seed uint64, name string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, hashString(name)))
}

// NewStream returns the random stream called name for seed, the same one a
// World built from seed hands out for World.Rand(name). Standalone users of
// Disk use it to build the Disk's generator.
func NewStream(seed uint64, name string) *rand.Rand { return newStream(seed, name) }

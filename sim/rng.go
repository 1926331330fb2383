package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// hashString is FNV-1a (64 bit) over s.
func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
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

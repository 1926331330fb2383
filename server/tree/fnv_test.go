package tree

import (
	"encoding/binary"
	"hash/fnv"
	"testing"
)

// fnvHash's integer steps are FNV-1a over the integers' big-endian bytes,
// as hash/fnv computes it.
func TestFNVHashIntegers(t *testing.T) {
	for _, v := range []uint64{0, 1, 0xff, 0x0102030405060708, 1<<63 | 5, ^uint64(0)} {
		want := fnv.New64a()
		want.Write(binary.BigEndian.AppendUint64(nil, v))
		want.Write(binary.BigEndian.AppendUint32(nil, uint32(v)))
		if got := fnvHash(fnvOffset64).u64(v).u32(uint32(v)); uint64(got) != want.Sum64() {
			t.Errorf("u64(%#x).u32(...) = %#x, want %#x", v, uint64(got), want.Sum64())
		}
	}
}

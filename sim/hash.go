package sim

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// traceHash is a running 64-bit hash over the executed events. It mixes one
// 64-bit word per step (multiply, rotate, multiply: the xxhash round), not
// one byte as FNV does, because it runs on every event. Every write is by
// value, so hashing never allocates. It detects divergence; it is not a
// cryptographic commitment.
type traceHash struct{ h uint64 }

const (
	hashPrime1 = 0x9E3779B185EBCA87
	hashPrime2 = 0xC2B2AE3D27D4EB4F
)

// traceSeed is the hash's starting value (FNV-1a's 64-bit offset basis,
// kept from the days it was FNV so that trace hashes did not change).
const traceSeed = 14695981039346656037

func newTraceHash() traceHash { return traceHash{h: traceSeed} }

func (t *traceHash) u64(v uint64) {
	t.h = bits.RotateLeft64(t.h^(v*hashPrime2), 31) * hashPrime1
}

func (t *traceHash) bytes(b []byte) {
	t.u64(uint64(len(b)))
	for len(b) >= 8 {
		t.u64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var tail uint64
	for i, c := range b {
		tail |= uint64(c) << (8 * i)
	}
	t.u64(tail)
}

func (t *traceHash) str(s string) { t.bytes([]byte(s)) }

func (t *traceHash) hex() string {
	s := strconv.FormatUint(t.h, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

package wire

import "testing"

// Buffers from a Slab are disjoint and capped: filling one, or appending
// past its capacity, never changes another.
func TestSlabBuffersAreDisjoint(t *testing.T) {
	s := Slab{Block: 64, Max: 16}
	a := append(s.Buf(8), "aaaaaaaa"...)
	b := append(s.Buf(8), "bbbbbbbb"...)
	a = append(a, "overflow"...) // past cap: must reallocate, not write into b
	if string(b) != "bbbbbbbb" || string(a) != "aaaaaaaaoverflow" {
		t.Fatalf("a=%q b=%q", a, b)
	}
	if big := s.Buf(17); cap(big) != 17 || len(big) != 0 {
		t.Fatalf("a buffer over Max: len %d cap %d", len(big), cap(big))
	}
	for i := 0; i < 20; i++ { // crossing into new blocks
		if c := s.Buf(16); cap(c) != 16 || len(c) != 0 {
			t.Fatalf("buffer %d: len %d cap %d", i, len(c), cap(c))
		}
	}
}

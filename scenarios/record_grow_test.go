package scenarios

import "testing"

// growDoubling leaves a slice with room alone and doubles a full one, so a
// history of n records is copied O(n) times in total, not O(5n).
func TestGrowDoubling(t *testing.T) {
	s := make([]int, 3, 4)
	if g := growDoubling(s); cap(g) != 4 || &g[0] != &s[0] {
		t.Fatalf("a slice with room was reallocated (cap %d)", cap(g))
	}
	full := make([]int, 1000)
	for i := range full {
		full[i] = i
	}
	g := growDoubling(full)
	if len(g) != 1000 || cap(g) < 2000 {
		t.Fatalf("full slice of 1000 grew to len %d cap %d, want cap >= 2000", len(g), cap(g))
	}
	for i, v := range g {
		if v != i {
			t.Fatalf("element %d = %d after growing", i, v)
		}
	}
	if g := growDoubling([]int(nil)); cap(g) < 256 {
		t.Fatalf("nil slice grew to cap %d, want >= 256", cap(g))
	}
}

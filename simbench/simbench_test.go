package simbench

import "testing"

func TestMedianRun(t *testing.T) {
	mk := func(seed uint64, simNS int64) Run {
		return Run{Seed: seed, SimNS: simNS, Wall: 1e9}
	}
	if got := Median([]Run{mk(1, 30), mk(2, 10), mk(3, 20)}); got.Seed != 3 {
		t.Errorf("median of 3 runs is seed %d, want 3", got.Seed)
	}
	if got := Median([]Run{mk(1, 40), mk(2, 10), mk(3, 30), mk(4, 20)}); got.Seed != 4 {
		t.Errorf("median of 4 runs is seed %d, want the lower middle (4)", got.Seed)
	}
}

package tree

import (
	"testing"

	"github.com/zabsim/zabsim/server/wire"
	"pgregory.net/rapid"
)

// checkManager asserts the two indexes of a watch manager agree and the
// recursive count matches the table.
func checkManager(t *rapid.T, wm *watchManager) {
	recursive, pairs := 0, 0
	for p, ws := range wm.byPath {
		if len(ws) == 0 {
			t.Fatalf("empty watcher set left for %s", p)
		}
		for w, m := range ws {
			if m == 0 {
				t.Fatalf("zero mode kept for %d on %s", w, p)
			}
			if _, ok := wm.byWatcher[w][p]; !ok {
				t.Fatalf("byWatcher misses %d on %s", w, p)
			}
			if m&modeRecursive != 0 {
				recursive++
			}
			pairs++
		}
	}
	back := 0
	for _, ps := range wm.byWatcher {
		if len(ps) == 0 {
			t.Fatal("empty path set left in byWatcher")
		}
		back += len(ps)
	}
	if back != pairs || recursive != wm.recursive {
		t.Fatalf("pairs %d/%d recursive %d/%d", pairs, back, recursive, wm.recursive)
	}
}

func TestWatchManagerIndexes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		wm := newWatchManager()
		paths := []string{"/", "/a", "/a/b", "/c"}
		modes := []mode{modeStandard, modePersistent, modeRecursive, modeStandard | modeRecursive}
		for range rapid.IntRange(0, 50).Draw(t, "steps") {
			p := rapid.SampledFrom(paths).Draw(t, "path")
			w := Watcher(rapid.IntRange(1, 3).Draw(t, "w"))
			m := rapid.SampledFrom(modes).Draw(t, "mode")
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				wm.add(p, w, m)
			case 1:
				wm.remove(p, w, m)
			case 2:
				var out []Event
				before := wm.modes(p, w)
				wm.trigger(p, wire.EventNodeDataChanged, 1, nil, nil, &out)
				if after := wm.modes(p, w); after != before&^modeStandard {
					t.Fatalf("trigger left modes %b, want %b", after, before&^modeStandard)
				}
			case 3:
				wm.removeWatcher(w)
				for _, q := range paths {
					if wm.modes(q, w) != 0 {
						t.Fatalf("removeWatcher left %d on %s", w, q)
					}
				}
			}
			checkManager(t, &wm)
		}
	})
}

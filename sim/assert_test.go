package sim

import (
	"strings"
	"testing"
	"time"
)

func wantPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one naming %q", r, want)
		}
	}()
	f()
}

// Each assertion fires on the state it exists to refuse: a test breaks the
// queue behind the world's back, as a bug in this package would.
func TestAssertionsFire(t *testing.T) {
	newW := func() *World {
		w, err := NewWorld(1, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			if err := w.Schedule(time.Duration(i+1)*time.Millisecond, func() {}); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	t.Run("push into the past", func(t *testing.T) {
		w := newW()
		w.nowNS = int64(time.Second)
		wantPanic(t, "before now", func() { w.push(newEvent(1, evFunc, -1, 0, 0)) })
	})
	t.Run("time runs backwards", func(t *testing.T) {
		w := newW()
		w.nowNS = int64(time.Second) // as if the world had skipped ahead of its queue
		wantPanic(t, "time ran backwards", func() { w.Step() })
	})
	t.Run("heap order", func(t *testing.T) {
		if !expensiveChecks {
			t.Skip("needs -tags invariants")
		}
		w := newW()
		w.q.h[0], w.q.h[len(w.q.h)-1] = w.q.h[len(w.q.h)-1], w.q.h[0]
		wantPanic(t, "heap order broken", func() { w.q.check(0) })
	})
	t.Run("free slot in use", func(t *testing.T) {
		if !expensiveChecks {
			t.Skip("needs -tags invariants")
		}
		w := newW()
		slot := w.q.store([]byte("x"))
		w.q.free = append(w.q.free, slot-1)
		wantPanic(t, "free payload slot", func() { w.q.check(0) })
	})
	t.Run("a sound world passes", func(t *testing.T) {
		w := newW()
		for w.Step() {
		}
		w.q.check(w.nowNS)
	})
}

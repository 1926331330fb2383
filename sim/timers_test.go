package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// timerTable behaves as a map from id to timer under random adds (in id
// order), removes of pending and unknown ids, and resets: with the default
// ring limit, and with a 16-slot ring whose long-lived timers spill to the
// far map.
func TestTimerTable(t *testing.T) {
	for _, maxRing := range []int{0, 16} {
		tt := timerTable{maxRing: maxRing}
		checkTimerTable(t, &tt)
		if maxRing > 0 && len(tt.ring) > maxRing {
			t.Fatalf("ring grew to %d slots, limit %d", len(tt.ring), maxRing)
		}
	}
}

func checkTimerTable(t *testing.T, tt *timerTable) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	spilled := false
	ref := map[proc.TimerID]timer{}
	next := proc.TimerID(1)
	tt.reset(next)
	for i := 0; i < 200000; i++ {
		switch r := rng.IntN(100); {
		case r < 45:
			tm := timer{deadlineNS: int64(i), gen: uint64(i)}
			tt.add(next, tm)
			ref[next] = tm
			next++
			spilled = spilled || len(tt.far) > 0
		case r < 90:
			// remove something: usually a young timer, sometimes an old one
			id := next - 1 - proc.TimerID(rng.IntN(20))
			if rng.IntN(10) == 0 {
				id = proc.TimerID(rng.Int64N(int64(next) + 5))
			}
			tt.remove(id)
			delete(ref, id)
		case r < 99:
			id := proc.TimerID(rng.Int64N(int64(next) + 5))
			got, ok := tt.get(id)
			want, wok := ref[id]
			if ok != wok || got != want {
				t.Fatalf("step %d: get(%d) = %v %v, want %v %v", i, id, got, ok, want, wok)
			}
		default:
			tt.reset(next)
			clear(ref)
		}
	}
	var want []proc.TimerID
	for id := range ref {
		want = append(want, id)
	}
	slices.Sort(want)
	if got := tt.ids(); !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
	if tt.live+len(tt.far) != len(ref) {
		t.Fatalf("live %d + far %d, want %d", tt.live, len(tt.far), len(ref))
	}
	if tt.maxRing > 0 && !spilled {
		t.Fatal("no timer ever spilled: the small ring was not exercised")
	}
}

// Cancelled timers' queue entries are swept out once they outnumber the
// live ones, and the timers left fire as they would have: at their
// deadlines, in order, each once.
func TestCancelledTimersSwept(t *testing.T) {
	w := mustWorld(t, 1, Options{})
	ps := procs{}
	var keep []proc.TimerID
	must(t, w.AddNode("n", ps.factory("n", func(p *scripted) {
		for i := range 1000 {
			id := p.env.After(time.Duration(1000-i)*time.Millisecond, i)
			if i%100 == 0 {
				keep = append(keep, id)
			} else {
				p.env.Cancel(id)
			}
		}
	}, nil), NodeOptions{}))
	must(t, w.Start("n"))
	if n := w.q.len(); n > 2*len(keep)+64 {
		t.Fatalf("%d queue entries for %d pending timers: cancelled ones not swept", n, len(keep))
	}
	must(t, w.RunFor(2*time.Second))
	var fired []int
	for _, ev := range ps["n"].events {
		if tf, ok := ev.(proc.TimerFired); ok {
			fired = append(fired, tf.Tag.(int))
		}
	}
	if want := []int{900, 800, 700, 600, 500, 400, 300, 200, 100, 0}; !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
}

package session

import (
	"errors"
	"slices"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
	"pgregory.net/rapid"
)

// modelSession is the naive reference: each session remembers the deadline
// of its last touch, rounded up to the next tick boundary as ZooKeeper's
// ExpiryQueue does, and expires once the clock reaches it.
type modelSession struct {
	expiryMS int64
	closing  bool
	owner    Owner
	owned    bool
}

// TestTrackerMatchesModel drives the tracker and the naive model with the
// same random operations (including a clock that jumps backwards) and
// compares every answer.
func TestTrackerMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tickMS := rapid.Int64Range(1, 3000).Draw(t, "tickMS")
		tr, err := NewTracker(Config{TickTimeMS: tickMS}, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		model := map[int64]*modelSession{}
		roundUp := func(ms int64) int64 { return (floorDiv(ms, tickMS) + 1) * tickMS }
		nowMS := int64(0)
		for range rapid.IntRange(1, 80).Draw(t, "steps") {
			nowMS += rapid.Int64Range(-500, 5000).Draw(t, "advanceMS")
			ids := slices.Sorted(func(yield func(int64) bool) {
				for id := range model {
					if !yield(id) {
						return
					}
				}
			})
			pick := func() int64 {
				if len(ids) == 0 || rapid.IntRange(0, 9).Draw(t, "unknown") == 0 {
					return 999
				}
				return rapid.SampledFrom(ids).Draw(t, "id")
			}
			timeoutMS := rapid.Int32Range(1, 60000).Draw(t, "timeoutMS")
			switch rapid.IntRange(0, 5).Draw(t, "op") {
			case 0:
				id := tr.Create(timeoutMS, nowMS)
				model[id] = &modelSession{expiryMS: roundUp(nowMS + int64(timeoutMS))}
			case 1:
				id := pick()
				m, ok := model[id]
				want := ok && !m.closing
				if got := tr.Touch(id, timeoutMS, nowMS); got != want {
					t.Fatalf("Touch(%d) = %v, want %v", id, got, want)
				}
				if want {
					m.expiryMS = roundUp(nowMS + int64(timeoutMS))
				}
			case 2:
				var want []int64
				for _, id := range ids {
					if m := model[id]; !m.closing && m.expiryMS <= nowMS {
						want = append(want, id)
						m.closing = true
					}
				}
				if got := tr.Expired(nowMS); !slices.Equal(got, want) {
					t.Fatalf("Expired(%d) = %v, want %v", nowMS, got, want)
				}
			case 3:
				id := pick()
				tr.Remove(id)
				delete(model, id)
			case 4:
				id := pick()
				owner := Owner{Server: rapid.Int64Range(1, 3).Draw(t, "server")}
				m, ok := model[id]
				var want error
				switch {
				case !ok:
					want = wire.ErrUnknownSession
				case m.closing:
					want = wire.ErrSessionExpired
				case m.owned && m.owner != owner:
					want = wire.ErrSessionMoved
				default:
					m.owner, m.owned = owner, true
				}
				if got := tr.Check(id, owner); !errors.Is(got, want) || (want == nil && got != nil) {
					t.Fatalf("Check(%d, %v) = %v, want %v", id, owner, got, want)
				}
			case 5:
				id := pick()
				tr.SetClosing(id)
				if m, ok := model[id]; ok {
					m.closing = true
				}
			}
			if tr.Len() != len(model) {
				t.Fatalf("Len = %d, model has %d", tr.Len(), len(model))
			}
		}
		// Whatever remains open expires once the clock passes every deadline.
		var want []int64
		for id, m := range model {
			if !m.closing {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if got := tr.Expired(nowMS + 1<<40); !slices.Equal(got, want) {
			t.Fatalf("final Expired = %v, want %v", got, want)
		}
	})
}

func BenchmarkTouch(b *testing.B) {
	tr, _ := NewTracker(Config{TickTimeMS: 2000}, 1, 0)
	var ids []int64
	for range 10000 {
		ids = append(ids, tr.Create(10000, 0))
	}
	b.ResetTimer()
	for i := range b.N {
		tr.Touch(ids[i%len(ids)], 10000, int64(i))
	}
}

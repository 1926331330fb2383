package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The queue pops events in (atNS, seq) order whatever the interleaving of
// pushes and pops, with many equal times.
func TestEventQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var q eventQueue
	var ref []event // kept sorted: the reference queue
	var seq uint64
	for i := 0; i < 100000; i++ {
		if rng.IntN(3) > 0 || q.len() == 0 {
			seq++
			node, kind := int32(rng.IntN(maxNodes))-1, evKind(rng.IntN(int(evSyncDone)+1))
			e := newEvent(rng.Int64N(500), kind, node, uint64(i), rng.Uint64())
			e.setSeq(firstSeq + seq)
			if e.seq() != firstSeq+seq || e.node() != node || e.kind() != kind {
				t.Fatalf("event packed as seq %d node %d kind %d, want %d %d %d", e.seq(), e.node(), e.kind(), firstSeq+seq, node, kind)
			}
			q.push(e)
			at, _ := slices.BinarySearchFunc(ref, e, func(a, b event) int {
				if less(&a, &b) {
					return -1
				}
				return 1
			})
			ref = slices.Insert(ref, at, e)
			continue
		}
		if got := q.pop(); got != ref[0] {
			t.Fatalf("step %d: popped %+v, want %+v", i, got, ref[0])
		}
		ref = ref[1:]
	}
	if q.len() != len(ref) {
		t.Fatalf("%d events left, want %d", q.len(), len(ref))
	}
}

package simrun

import (
	"testing"

	"github.com/zabsim/zabsim/history"
)

// opLog keeps records in order across chunk boundaries, numbers them, and
// never moves a stored record while appending.
func TestOpLog(t *testing.T) {
	var l opLog
	if l.all() != nil {
		t.Fatal("empty log returned records")
	}
	n := 3*opChunk + 17
	l.add(history.Op{Time: 0})
	first := &l.chunks[0][0]
	for i := 1; i < n; i++ {
		l.add(history.Op{Time: int64(i), Index: -5})
	}
	if &l.chunks[0][0] != first {
		t.Fatal("appending moved the first record")
	}
	ops := l.all()
	if len(ops) != n {
		t.Fatalf("%d records, want %d", len(ops), n)
	}
	for i, op := range ops {
		if op.Index != i || op.Time != int64(i) {
			t.Fatalf("record %d = index %d time %d", i, op.Index, op.Time)
		}
	}
}

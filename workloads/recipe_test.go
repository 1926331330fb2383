package workloads

import "testing"

func TestSequenceOf(t *testing.T) {
	for _, c := range []struct {
		name string
		want int64
		ok   bool
	}{
		{"n-0000000007", 7, true},
		{"/lock/n-0000000123", 123, true},
		{"0000000000", 0, true},
		{"n-7", 0, false},
		{"n-00000000x7", 0, false},
		{"", 0, false},
	} {
		got, ok := SequenceOf(c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("SequenceOf(%q) = %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// The predecessor is the next lower sequence number, whatever the order
// the server lists children in; names without a sequence are ignored.
func TestQueuePredecessor(t *testing.T) {
	q := Queue{Dir: "/lock", Node: "/lock/n-0000000005"}
	for _, c := range []struct {
		children []string
		pred     string
		mine     bool
	}{
		{[]string{"n-0000000005"}, "", true},
		{[]string{"n-0000000009", "n-0000000005", "n-0000000001", "n-0000000003"}, "n-0000000003", true},
		{[]string{"n-0000000007", "n-0000000005", "junk"}, "", true},
		{[]string{"n-0000000001", "n-0000000003"}, "", false},
		{nil, "", false},
	} {
		pred, mine := q.Predecessor(c.children)
		if pred != c.pred || mine != c.mine {
			t.Errorf("predecessor(%v) = %q, %v; want %q, %v", c.children, pred, mine, c.pred, c.mine)
		}
	}
}

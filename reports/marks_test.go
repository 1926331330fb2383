package reports

import (
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Anomalies are numbered as the run page lists them (failing checkers in
// order, the anomalies each shows), and each mark sits at the completion
// of the first op it cites; anomalies citing no op, and valid checkers'
// notes, get none.
func TestAnomalyMarksFollowThePage(t *testing.T) {
	ops := []history.Op{
		{Index: 0, Time: 1e9, Process: 0, Type: history.Invoke, F: "read"},
		{Index: 1, Time: 2e9, Process: 0, Type: history.OK, F: "read"},
		{Index: 2, Time: 3e9, Process: 1, Type: history.Invoke, F: "write"},
		{Index: 3, Time: 4e9, Process: 1, Type: history.OK, F: "write"},
	}
	results := []checker.Result{
		{Name: "fine", Valid: checker.Valid, Anomalies: []checker.Anomaly{{Kind: "note", Ops: []int{0}}}},
		{Name: "a", Valid: checker.Invalid, Anomalies: []checker.Anomaly{{Kind: "x", Ops: []int{2, 0}}, {Kind: "y"}}},
		{Name: "b", Valid: checker.Invalid, Anomalies: []checker.Anomaly{{Kind: "z", Ops: []int{2}}}},
	}
	got := AnomalyMarks(results, ops)
	want := []AnomalyMark{{N: 1, TimeNS: 2e9}, {N: 3, TimeNS: 4e9}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("marks %+v, want %+v", got, want)
	}
	rows := checkerRows(results, failView{})
	var ns []int
	for _, r := range rows {
		for _, a := range r.Anomalies {
			ns = append(ns, a.N)
		}
	}
	if len(ns) != 4 || ns[0] != 0 || ns[1] != 1 || ns[2] != 2 || ns[3] != 3 {
		t.Fatalf("page numbers %v, want [0 1 2 3] (a valid checker's note unnumbered)", ns)
	}
	f := Figures(ops, nil, PlotOptions{Anomalies: got})[0]
	var labels []string
	for _, e := range f.entries() {
		labels = append(labels, e.label)
	}
	if !strings.Contains(strings.Join(labels, "|"), "anomaly") {
		t.Fatalf("no anomaly legend entry: %v", labels)
	}
}

package crosscheck

import (
	"strings"
	"testing"
)

// A difference a rule explains is filed as a documented deviation, shown
// with its explanation, and does not fail the run; anything else does.
func TestCrossCheckFilesDeviations(t *testing.T) {
	saved := knownDeviations
	t.Cleanup(func() { knownDeviations = saved })
	knownDeviations = []deviationRule{{
		doc:   "docs/deviations.md: example",
		match: func(d Diff) bool { return strings.HasPrefix(d.Op, "A check") },
	}}
	rep := &Report{Seed: 5, Ops: 10, Outcomes: map[string]int{"OK": 10}}
	rep.add(Diff{Index: 3, Op: "A check {Path:/d Version:1}", Zabsim: "BADVERSION", ZooKeeper: "(no answer)"})
	if !rep.OK() || len(rep.Deviations) != 1 || rep.Deviations[0].Deviation != "docs/deviations.md: example" {
		t.Fatalf("explained difference: OK=%t %+v", rep.OK(), rep)
	}
	rep.add(Diff{Index: 4, Op: "B create {Path:/d/a}", Zabsim: "OK path=/d/a", ZooKeeper: "NODEEXISTS"})
	if rep.OK() || len(rep.Differences) != 1 || rep.Differences[0].Index != 4 {
		t.Fatalf("unexplained difference: OK=%t %+v", rep.OK(), rep)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"difference at op 4: B create {Path:/d/a}\n    zabsim:    OK path=/d/a\n    zookeeper: NODEEXISTS\n",
		"documented deviation at op 3: A check",
		"    explained: docs/deviations.md: example\n",
		"reproduce: zabsim crosscheck --ops 10 --seed 5\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

package nemesis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func links(pairs ...string) []Link {
	var out []Link
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, Link{From: pairs[i], To: pairs[i+1]})
	}
	return sortLinks(out)
}

// Expected cut sets worked out by hand from Jepsen's nemesis.clj (bisect,
// complete-grudge, bridge, majorities-ring-perfect); a grudge "b snubs a" is
// the link a->b.
func TestShapeCutsMatchJepsen(t *testing.T) {
	abc := []string{"a", "b", "c"}
	abcde := []string{"a", "b", "c", "d", "e"}
	cases := []struct {
		name string
		got  []Link
		want []Link
	}{
		// bisect [a b c] = [a] [b c]; bridge b talks to everyone.
		{"bridge-3", BridgeCuts(abc), links("a", "c", "c", "a")},
		// bisect [a..e] = [a b] [c d e]; bridge c.
		{"bridge-5", BridgeCuts(abcde), links(
			"a", "d", "a", "e", "b", "d", "b", "e",
			"d", "a", "e", "a", "d", "b", "e", "b")},
		// m=2: windows [a b] [b c] [c a] centred on b, c, a: b snubs c, c snubs a, a snubs b.
		{"ring-3", MajorityRingCuts(abc), links("c", "b", "a", "c", "b", "a")},
		// m=3: each node hears its two ring neighbours.
		{"ring-5", MajorityRingCuts(abcde), links(
			"d", "b", "e", "b", "e", "c", "a", "c", "a", "d", "b", "d", "b", "e", "c", "e", "c", "a", "d", "a")},
		{"halves-3", GroupCuts([][]string{{"a"}, {"b", "c"}}), links("a", "b", "a", "c", "b", "a", "c", "a")},
		{"isolate", IsolateCuts("b", abc), links("b", "a", "b", "c", "a", "b", "c", "b")},
		{"one-way", OneWayCuts([]string{"a"}, abc), links("a", "b", "a", "c")},
	}
	for _, c := range cases {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestBisectSmallerHalfFirst(t *testing.T) {
	for n := range 7 {
		small, large := Bisect(nodeNames(n))
		if len(small) != n/2 || len(large) != n-n/2 {
			t.Errorf("Bisect(%d nodes) = %v %v", n, small, large)
		}
	}
}

// hears returns, for each node, the nodes it receives from (itself included).
func hears(nodes []string, cuts []Link) map[string][]string {
	out := map[string][]string{}
	for _, to := range nodes {
		for _, from := range nodes {
			if !slices.Contains(cuts, Link{From: from, To: to}) {
				out[to] = append(out[to], from)
			}
		}
	}
	return out
}

// components returns the groups of nodes that talk both ways to each other
// and to nobody else, or false if the cut set is not a clean split.
func components(nodes []string, cuts []Link) ([][]string, bool) {
	h := hears(nodes, cuts)
	var groups [][]string
	seen := map[string]bool{}
	for _, n := range nodes {
		if seen[n] {
			continue
		}
		g := h[n]
		for _, m := range g {
			if !slices.Equal(h[m], g) {
				return nil, false
			}
			seen[m] = true
		}
		groups = append(groups, g)
	}
	return groups, true
}

func runPartition(t *testing.T, n int, seed uint64, a StartPartition, leader string) (*fakeHost, Event) {
	t.Helper()
	h := newFakeHost(nodeNames(n)...)
	h.leader = leader
	x, err := NewExecutor(Schedule{Steps: []Step{{Action: a}}}, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := x.Step(h, 0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v: %v %v", a, evs, err)
	}
	if !reflect.DeepEqual(evs[0].Cuts, h.cuts) {
		t.Fatalf("event cuts %v != host cuts %v", evs[0].Cuts, h.cuts)
	}
	return h, evs[0]
}

// Partition shapes applied through the executor on 3 and 5 nodes, over many
// seeds: the structure Jepsen defines must hold whatever the shuffle.
func TestExecutorPartitionShapes(t *testing.T) {
	for _, n := range []int{3, 5} {
		for seed := range uint64(50) {
			t.Run(fmt.Sprintf("n%d/seed%d", n, seed), func(t *testing.T) {
				checkHalves(t, n, seed)
				checkBridge(t, n, seed)
				checkRing(t, n, seed)
				checkIsolateLeader(t, n, seed)
			})
		}
	}
}

func checkHalves(t *testing.T, n int, seed uint64) {
	h, _ := runPartition(t, n, seed, StartPartition{Shape: ShapeRandomHalves}, "")
	groups, ok := components(h.nodes, h.cuts)
	if !ok || len(groups) != 2 || len(groups[0])+len(groups[1]) != n ||
		min(len(groups[0]), len(groups[1])) != n/2 {
		t.Errorf("random-halves on %d nodes: groups %v (clean %v)", n, groups, ok)
	}
}

func checkBridge(t *testing.T, n int, seed uint64) {
	h, _ := runPartition(t, n, seed, StartPartition{Shape: ShapeBridge}, "")
	hs := hears(h.nodes, h.cuts)
	var bridges, others []string
	for _, node := range h.nodes {
		if len(hs[node]) == n {
			bridges = append(bridges, node)
		} else {
			others = append(others, node)
		}
	}
	if len(bridges) != 1 {
		t.Fatalf("bridge on %d nodes: bridges %v, cuts %v", n, bridges, h.cuts)
	}
	// Without the bridge, the rest splits cleanly into n/2 and n-n/2-1 nodes.
	var rest []Link
	for _, l := range h.cuts {
		if l.From != bridges[0] && l.To != bridges[0] {
			rest = append(rest, l)
		}
	}
	groups, ok := components(others, rest)
	if !ok || len(groups) != 2 || len(rest) != len(h.cuts) {
		t.Fatalf("bridge on %d nodes: sides %v (clean %v), cuts %v", n, groups, ok, h.cuts)
	}
	sizes := []int{len(groups[0]), len(groups[1])}
	slices.Sort(sizes)
	if sizes[0] != n/2 || sizes[1] != n-n/2-1 {
		t.Errorf("bridge on %d nodes: side sizes %v", n, sizes)
	}
}

func checkRing(t *testing.T, n int, seed uint64) {
	h, _ := runPartition(t, n, seed, StartPartition{Shape: ShapeMajorityRing}, "")
	hs := hears(h.nodes, h.cuts)
	seen := map[string]string{}
	for _, node := range h.nodes {
		if len(hs[node]) != n/2+1 || !slices.Contains(hs[node], node) {
			t.Errorf("ring on %d nodes: %s hears %v, want a majority with itself", n, node, hs[node])
		}
		key := fmt.Sprint(hs[node])
		if other, dup := seen[key]; dup {
			t.Errorf("ring on %d nodes: %s and %s hear the same majority %v", n, node, other, hs[node])
		}
		seen[key] = node
	}
	if n == 5 && !reflect.DeepEqual(h.cuts, sortLinks(symmetric(h.cuts))) {
		t.Errorf("ring on 5 nodes should cut both ways: %v", h.cuts)
	}
}

func symmetric(ls []Link) []Link {
	out := slices.Clone(ls)
	for _, l := range ls {
		out = append(out, Link{From: l.To, To: l.From})
	}
	return out
}

func checkIsolateLeader(t *testing.T, n int, seed uint64) {
	leader := nodeNames(n)[int(seed)%n]
	h, ev := runPartition(t, n, seed, StartPartition{Shape: ShapeIsolateLeader}, leader)
	groups, ok := components(h.nodes, h.cuts)
	if !ok || len(groups) != 2 || !slices.ContainsFunc(groups, func(g []string) bool { return slices.Equal(g, []string{leader}) }) {
		t.Errorf("isolate-leader %s on %d nodes: groups %v", leader, n, groups)
	}
	if len(ev.Targets) != n {
		t.Errorf("isolate-leader event targets %v", ev.Targets)
	}
}

func TestIsolateLeaderWithoutLeaderIsRecordedNotApplied(t *testing.T) {
	h, ev := runPartition(t, 3, 1, StartPartition{Shape: ShapeIsolateLeader}, "")
	if len(h.calls) != 0 || ev.Note != "no leader" || ev.Cuts != nil {
		t.Fatalf("calls %v, event %+v", h.calls, ev)
	}
}

func TestOneWayLeaderToAll(t *testing.T) {
	a, err := ParseAction("start partition one-way leader->all")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := runPartition(t, 3, 1, a.(StartPartition), "s2")
	if want := links("s2", "s1", "s2", "s3"); !reflect.DeepEqual(h.cuts, want) {
		t.Fatalf("cuts %v, want %v", h.cuts, want)
	}
}

func TestDescribeCuts(t *testing.T) {
	three := []string{"s1", "s2", "s3"}
	five := nodeNames(5)
	for _, c := range []struct {
		name  string
		nodes []string
		cuts  []Link
		want  string
	}{
		{"none", three, nil, ""},
		{"isolate s3", three, IsolateCuts("s3", three), "s1,s2 | s3"},
		{"isolate s1", three, IsolateCuts("s1", three), "s1 | s2,s3"},
		{"halves", five, GroupCuts([][]string{{"s4", "s2"}, {"s1", "s3", "s5"}}), "s1,s3,s5 | s2,s4"},
		{"bridge", three, BridgeCuts([]string{"s1", "s2", "s3"}), "s1 | s3, bridge s2"},
		{"bridge of five", five, BridgeCuts([]string{"s1", "s2", "s3", "s4", "s5"}), "s1,s2 | s4,s5, bridge s3"},
		{"one way", three, OneWayCuts([]string{"s1", "s2"}, []string{"s3"}), "s1 cannot reach s3; s2 cannot reach s3"},
		{"ring", five, MajorityRingCuts(five), "s1 hears "},
	} {
		got := DescribeCuts(c.nodes, c.cuts)
		if got != c.want && !(c.name == "ring" && strings.HasPrefix(got, c.want) && strings.Count(got, "hears") == 5) {
			t.Errorf("%s: DescribeCuts = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestPartitionEventShape: the event of an applied partition names the
// groups it made, not only every node it touched.
func TestPartitionEventShape(t *testing.T) {
	h := newFakeHost("s1", "s2", "s3")
	h.leader = "s2"
	evs := runAll(t, mustParse(t, "1s start partition isolate-node s3\n2s stop partition\n3s start partition isolate-leader\n"), h, 1)
	if len(evs) != 3 || evs[0].Shape != "s1,s2 | s3" || evs[1].Shape != "" || evs[2].Shape != "s1,s3 | s2" {
		t.Fatalf("shapes: %+v", evs)
	}
}

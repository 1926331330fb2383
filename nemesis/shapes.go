package nemesis

import (
	"cmp"
	"slices"
	"strings"
)

// Link is a directed network link; in a cut set it means messages From -> To
// are dropped (Jepsen's grudge: To snubs From).
type Link struct{ From, To string }

func (l Link) String() string { return l.From + "->" + l.To }

// sortedSet returns the distinct names in sorted order.
func sortedSet(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// sortLinks sorts and deduplicates a cut set, so hosts and histories see one
// canonical order.
func sortLinks(ls []Link) []Link {
	slices.SortFunc(ls, func(a, b Link) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return slices.Compact(ls)
}

// GroupCuts cuts every link between nodes of different groups, both ways
// (Jepsen's complete-grudge).
func GroupCuts(groups [][]string) []Link {
	var out []Link
	for gi, g := range groups {
		for hi, h := range groups {
			if gi == hi {
				continue
			}
			for _, a := range g {
				for _, b := range h {
					out = append(out, Link{From: a, To: b})
				}
			}
		}
	}
	return sortLinks(out)
}

// Bisect cuts order in two, the smaller half first (Jepsen's bisect).
func Bisect(order []string) (small, large []string) {
	h := len(order) / 2
	return slices.Clone(order[:h]), slices.Clone(order[h:])
}

// BridgeCuts bisects order and cuts the halves apart, except for the first
// node of the larger half, which keeps both-way links to everyone (Jepsen's
// bridge). On 3 nodes [a b c]: b bridges, a and c cannot talk.
func BridgeCuts(order []string) []Link {
	small, large := Bisect(order)
	if len(large) == 0 {
		return nil
	}
	return GroupCuts([][]string{small, large[1:]})
}

// MajorityRingCuts arranges order in a ring; node i hears only the majority
// window of the ring centred on it, so every node sees a majority and no two
// nodes see the same one (Jepsen's majorities-ring-perfect, which Jepsen uses
// up to 5 nodes; it is used here for every size). With an even majority (3 or
// 7 nodes) the windows are lopsided and some cuts are one-way, as in Jepsen.
func MajorityRingCuts(order []string) []Link {
	n := len(order)
	if n < 3 {
		return nil // no majority smaller than the whole cluster
	}
	m := n/2 + 1
	var out []Link
	for start := range n {
		hears := make([]bool, n)
		for k := range m {
			hears[(start+k)%n] = true
		}
		me := order[(start+m/2)%n]
		for j, hear := range hears {
			if !hear {
				out = append(out, Link{From: order[j], To: me})
			}
		}
	}
	return sortLinks(out)
}

// OneWayCuts drops every message from a node of from to a node of to
// (never a node to itself).
func OneWayCuts(from, to []string) []Link {
	var out []Link
	for _, a := range from {
		for _, b := range to {
			if a != b {
				out = append(out, Link{From: a, To: b})
			}
		}
	}
	return sortLinks(out)
}

// IsolateCuts cuts node off from every other node, both ways.
func IsolateCuts(node string, nodes []string) []Link {
	rest := slices.DeleteFunc(slices.Clone(nodes), func(n string) bool { return n == node })
	return GroupCuts([][]string{{node}, rest})
}

// DescribeCuts names the exact shape a cut set gives nodes, for histories,
// logs and labels:
//
//   - clean groups: "s1,s2 | s3" (nobody talks across a bar);
//   - groups joined by nodes that hear everyone: "s1 | s3, bridge s2";
//   - one-way cuts: "s1 cannot reach s3; s2 cannot reach s3";
//   - any other symmetric shape (a majority ring): what each node hears,
//     "s1 hears s2,s5; s2 hears s1,s3; ...".
//
// It returns "" for no cuts. nodes is every node of the cluster.
func DescribeCuts(nodes []string, cuts []Link) string {
	if len(cuts) == 0 {
		return ""
	}
	nodes = sortedSet(nodes)
	cuts = sortLinks(slices.Clone(cuts))
	cut := map[Link]bool{}
	for _, l := range cuts {
		cut[l] = true
		if !slices.Contains(nodes, l.From) {
			nodes = sortedSet(append(nodes, l.From))
		}
		if !slices.Contains(nodes, l.To) {
			nodes = sortedSet(append(nodes, l.To))
		}
	}
	symmetric := true
	for _, l := range cuts {
		if !cut[Link{From: l.To, To: l.From}] {
			symmetric = false
		}
	}
	if !symmetric {
		return describeOneWay(cuts)
	}
	talk := func(a, b string) bool { return a == b || !cut[Link{From: a, To: b}] }
	var bridges, rest []string
	for _, a := range nodes {
		all := true
		for _, b := range nodes {
			all = all && talk(a, b)
		}
		if all {
			bridges = append(bridges, a)
		} else {
			rest = append(rest, a)
		}
	}
	if groups, ok := cliques(rest, talk); ok {
		parts := make([]string, len(groups))
		for i, g := range groups {
			parts[i] = strings.Join(g, ",")
		}
		s := strings.Join(parts, " | ")
		if len(bridges) > 0 {
			s += ", bridge " + strings.Join(bridges, ",")
		}
		return s
	}
	var parts []string
	for _, a := range nodes {
		var hears []string
		for _, b := range nodes {
			if a != b && talk(b, a) {
				hears = append(hears, b)
			}
		}
		parts = append(parts, a+" hears "+orNone(hears))
	}
	return strings.Join(parts, "; ")
}

// cliques splits nodes into groups that talk within and not across, if
// talk allows that; groups keep the order of their first node.
func cliques(nodes []string, talk func(a, b string) bool) ([][]string, bool) {
	var groups [][]string
	for _, a := range nodes {
		placed := false
		for i, g := range groups {
			if talk(a, g[0]) {
				groups[i] = append(g, a)
				placed = true
				break
			}
		}
		if !placed {
			groups = append(groups, []string{a})
		}
	}
	for i, g := range groups {
		for _, a := range g {
			for j, h := range groups {
				for _, b := range h {
					if (i == j) != talk(a, b) {
						return nil, false
					}
				}
			}
		}
	}
	return groups, len(groups) > 1
}

func describeOneWay(cuts []Link) string {
	var parts []string
	for i := 0; i < len(cuts); {
		j := i
		var to []string
		for j < len(cuts) && cuts[j].From == cuts[i].From {
			to = append(to, cuts[j].To)
			j++
		}
		parts = append(parts, cuts[i].From+" cannot reach "+strings.Join(to, ","))
		i = j
	}
	return strings.Join(parts, "; ")
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "nobody"
	}
	return strings.Join(xs, ",")
}

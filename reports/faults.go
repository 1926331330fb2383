package reports

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/history"
)

// Fault is one nemesis interval (or one-shot) recovered from a history's
// nemesis records, for shading plots and listing on pages.
type Fault struct {
	Kind    string   // partition, kill, pause, clock, disk, net, or other
	Label   string   // the record's f, plus the nodes hit when f does not name them
	Nodes   []string // the nodes hit, sorted, when the record says
	StartNS int64    // ns since run start
	EndNS   int64    // ns since run start; == StartNS for a one-shot
	Instant bool     // a one-shot fault (disk corrupt, clock jump, an unknown f)
	Open    bool     // never stopped: EndNS is the end of the history
}

// phase says what a nemesis record does to the set of open faults.
type phase uint8

const (
	phaseStart   phase = iota + 1 // opens a fault of its kind
	phaseStop                     // closes open faults of its kind
	phaseHeal                     // closes every open fault
	phaseInstant                  // a one-shot
)

// maxFaultLabelRunes keeps band labels short enough to sit above a band.
const maxFaultLabelRunes = 48

// classify maps a nemesis f to its fault kind and phase. It accepts both the
// nemesis package's action text ("start partition bridge", "kill leader",
// "restart all", "clock reset") and the bare kind names of history's
// NemesisValue doc ("kill", "partition", "heal"). Anything else is a one-shot
// of kind "other", so an unknown record is still shown, never dropped.
func classify(f string) (kind string, ph phase) {
	words := strings.Fields(f)
	if len(words) == 0 {
		return "other", phaseInstant
	}
	arg := ""
	if len(words) > 1 {
		arg = words[1]
	}
	switch w := words[0]; {
	case strings.HasPrefix(w, "heal"):
		return "heal", phaseHeal
	case w == "start" && arg != "":
		return arg, phaseStart
	case w == "stop" && arg != "":
		return arg, phaseStop
	case w == "partition" || w == "kill" || w == "pause":
		return w, phaseStart
	case w == "restart":
		return "kill", phaseStop
	case w == "resume":
		return "pause", phaseStop
	case w == "clock":
		return clockOrDisk(w, arg, "reset", "jump")
	case w == "disk":
		return clockOrDisk(w, arg, "reset", "corrupt")
	case w == "net":
		return clockOrDisk(w, arg, "restore", "")
	}
	return "other", phaseInstant
}

func clockOrDisk(kind, arg, stopWord, instantWord string) (string, phase) {
	switch {
	case arg == stopWord:
		return kind, phaseStop
	case arg == instantWord && instantWord != "":
		return kind, phaseInstant
	}
	return kind, phaseStart
}

// Faults pairs a history's nemesis records into intervals, in start order.
//
//   - A start opens a fault of its kind; a stop of the same kind closes the
//     open faults whose nodes it names (all of them when either side names
//     no nodes); a heal closes everything.
//   - A Jepsen-style invoke/completion pair with the same f is one event at
//     the invoke's time: the fault is considered in effect from the moment
//     the nemesis began applying it.
//   - Faults still open at the end run to the history's last record (Open).
//   - Unknown f values become one-shots of kind "other".
func Faults(ops []history.Op) []Fault {
	var out []Fault
	var open []int              // indexes into out
	pending := map[string]int{} // f → invokes awaiting their completion record
	for _, op := range ops {
		if !op.IsNemesis() {
			continue
		}
		if op.Type != history.Invoke && pending[op.F] > 0 {
			pending[op.F]--
			continue
		}
		if op.Type == history.Invoke {
			pending[op.F]++
		}
		out, open = applyNemesis(out, open, op)
	}
	end := history.EndTime(ops)
	for _, i := range open {
		out[i].EndNS, out[i].Open = max(end, out[i].StartNS), true
	}
	return out
}

func applyNemesis(out []Fault, open []int, op history.Op) ([]Fault, []int) {
	kind, ph := classify(op.F)
	nodes := nemesisNodes(op)
	switch ph {
	case phaseHeal:
		for _, i := range open {
			out[i].EndNS = op.Time
		}
		return out, nil
	case phaseStop:
		kept := open[:0]
		for _, i := range open {
			if out[i].Kind == kind && nodesOverlap(out[i].Nodes, nodes) {
				out[i].EndNS = op.Time
				continue
			}
			kept = append(kept, i)
		}
		return out, kept
	}
	f := Fault{Kind: kind, Label: faultLabel(op.F, nodes, op), Nodes: nodes, StartNS: op.Time,
		EndNS: op.Time, Instant: ph == phaseInstant}
	out = append(out, f)
	if ph == phaseStart {
		open = append(open, len(out)-1)
	}
	return out, open
}

func nemesisValue(op history.Op) history.NemesisValue {
	var v history.NemesisValue
	if len(op.Value) > 0 {
		_ = json.Unmarshal(op.Value, &v) // a value of another shape just carries no nodes
	}
	return v
}

func nemesisNodes(op history.Op) []string {
	nodes := slices.Clone(nemesisValue(op).Nodes)
	slices.Sort(nodes)
	return slices.Compact(nodes)
}

// nodesOverlap reports whether a stop naming b closes a fault that hit a.
// No names on either side means "all of its kind".
func nodesOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, n := range b {
		if slices.Contains(a, n) {
			return true
		}
	}
	return false
}

// faultLabel is the f, followed by the nodes hit ("kill leader → s2") and,
// for a bare kind name, the value's detail.
func faultLabel(f string, nodes []string, op history.Op) string {
	label := f
	if shape := nemesisValue(op).Shape; shape != "" {
		return label + " " + shape // a partition: its groups name its nodes
	}
	if detail := nemesisValue(op).Detail; detail != "" && len(strings.Fields(f)) == 1 {
		label += " " + detail
	}
	if len(nodes) > 0 && !namesAll(f, nodes) {
		label += " → " + strings.Join(nodes, ",")
	}
	return label
}

// namesAll reports whether every node already appears as a word of f.
func namesAll(f string, nodes []string) bool {
	words := strings.FieldsFunc(f, func(r rune) bool { return r == ' ' || r == ',' || r == '>' || r == '-' })
	for _, n := range nodes {
		if !slices.Contains(words, n) {
			return false
		}
	}
	return true
}

// shortLabel shortens a label for drawing: a long detail is cut at its
// first ": " (an explanation follows: "wipe operator cleared the data
// directory: recovery: ...") and the nodes hit ("→ s5") are always kept;
// only what still does not fit is truncated, in the middle.
func shortLabel(s string) string {
	if len([]rune(s)) <= maxFaultLabelRunes {
		return s
	}
	head, nodes := s, ""
	if i := strings.LastIndex(s, " → "); i > 0 {
		head, nodes = s[:i], s[i:]
	}
	if i := strings.Index(head, ": "); i > 0 {
		head = head[:i]
	}
	room := max(maxFaultLabelRunes-len([]rune(nodes)), 12)
	if r := []rune(head); len(r) > room {
		head = string(r[:room-1]) + "…"
	}
	return head + nodes
}

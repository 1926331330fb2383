package nemesis

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is a fault family. It is also the channel that pairs a fault's start
// with its stop: a Restart stops a Kill, a ClockReset stops any clock fault.
type Kind uint8

// Fault families.
const (
	KindPartition Kind = iota + 1
	KindKill
	KindPause
	KindClock
	KindDisk
	KindNet
	// KindChurn is a planning family only (its steps are Kill and Restart
	// actions of KindKill): a window of kills and restarts of random node
	// subsets, majorities and all included, at short random intervals —
	// Jepsen's random-subset kill nemesis, FoundationDB's machine attrition.
	KindChurn
	// KindMember changes the ensemble's membership (Member actions, one-shots
	// applied through reconfig); planned only for ensembles run with
	// dynamic reconfiguration (PlanOptions.Members).
	KindMember
	KindHeal
)

var kindNames = [...]string{
	KindPartition: "partition", KindKill: "kill", KindPause: "pause", KindClock: "clock",
	KindDisk: "disk", KindNet: "net", KindChurn: "churn", KindMember: "membership", KindHeal: "heal",
}

func (k Kind) String() string {
	if k >= 1 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind parses a Kind's text form.
func ParseKind(s string) (Kind, error) {
	for k := KindPartition; k <= KindHeal; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q", s)
}

// ParseKinds parses a comma-separated list of kinds ("partition,kill").
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for _, f := range strings.Split(s, ",") {
		k, err := ParseKind(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// Phase says whether an action opens a fault, closes one, or is a one-shot.
type Phase uint8

// Phases.
const (
	PhaseStart   Phase = iota + 1 // opens a fault that a later stop (or heal) closes
	PhaseStop                     // closes the open faults of its kind
	PhaseInstant                  // a one-shot with nothing to close (disk corrupt)
)

// Action is one fault operation. The concrete types in this file are the
// whole set; an Action is an immutable value (never modify a Target's Nodes
// after building it).
type Action interface {
	Kind() Kind
	Phase() Phase
	// String is the text form; ParseAction(a.String()) equals a.
	String() string
	// check validates the action's own parameters.
	check() error
}

// TargetKind says how a Target picks nodes.
type TargetKind uint8

// Target kinds. Symbolic targets are resolved at apply time (see package doc).
const (
	TargetNodes    TargetKind = iota + 1 // the named nodes
	TargetOne                            // one node drawn at random
	TargetLeader                         // the host's current leader
	TargetMinority                       // (n-1)/2 of the n nodes, drawn among the eligible ones
	TargetAll                            // every node
)

var targetNames = map[string]TargetKind{
	"one": TargetOne, "leader": TargetLeader, "minority": TargetMinority, "all": TargetAll,
}

var targetKindNames = [...]string{TargetOne: "one", TargetLeader: "leader", TargetMinority: "minority", TargetAll: "all"}

// Target selects the nodes a fault hits.
type Target struct {
	Kind  TargetKind
	Nodes []string // only for TargetNodes: sorted, distinct, non-empty
}

// Named returns a Target for the given nodes, sorted and deduplicated.
func Named(nodes ...string) Target {
	return Target{Kind: TargetNodes, Nodes: sortedSet(nodes)}
}

// Symbolic targets.
var (
	One      = Target{Kind: TargetOne}
	Leader   = Target{Kind: TargetLeader}
	Minority = Target{Kind: TargetMinority}
	All      = Target{Kind: TargetAll}
)

func (t Target) String() string {
	if t.Kind == TargetNodes {
		return strings.Join(t.Nodes, ",")
	}
	if t.Kind > TargetNodes && int(t.Kind) < len(targetKindNames) {
		return targetKindNames[t.Kind]
	}
	return fmt.Sprintf("target(%d)", uint8(t.Kind))
}

// ParseTarget parses "one", "leader", "minority", "all" or a comma-separated
// list of node names.
func ParseTarget(s string) (Target, error) {
	if k, ok := targetNames[s]; ok {
		return Target{Kind: k}, nil
	}
	names := strings.Split(s, ",")
	for _, n := range names {
		if err := checkNodeName(n); err != nil {
			return Target{}, err
		}
	}
	t := Named(names...)
	if len(t.Nodes) != len(names) {
		return Target{}, fmt.Errorf("target %q names a node twice", s)
	}
	return t, nil
}

func (t Target) check() error {
	switch t.Kind {
	case TargetOne, TargetLeader, TargetMinority, TargetAll:
		if t.Nodes != nil {
			return fmt.Errorf("symbolic target %v carries node names", t)
		}
		return nil
	case TargetNodes:
		if len(t.Nodes) == 0 {
			return errors.New("empty node list")
		}
		for i, n := range t.Nodes {
			if err := checkNodeName(n); err != nil {
				return err
			}
			if i > 0 && t.Nodes[i-1] >= n {
				return fmt.Errorf("target nodes %v not sorted and distinct", t.Nodes)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown target kind %d", t.Kind)
}

// checkNodeName keeps names unambiguous in the text form: no spaces, commas,
// '>' (the one-way arrow) or '#', and never a symbolic target's keyword.
func checkNodeName(n string) error {
	if n == "" {
		return errors.New("empty node name")
	}
	if _, ok := targetNames[n]; ok {
		return fmt.Errorf("node name %q is a target keyword", n)
	}
	for _, r := range n {
		ok := r == '_' || r == '.' || r == '-' || r == ':' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
		if !ok {
			return fmt.Errorf("node name %q: bad character %q", n, r)
		}
	}
	return nil
}

// Shape is a partition's topology.
type Shape uint8

// Partition shapes, as Jepsen's nemesis defines them.
const (
	ShapeRandomHalves  Shape = iota + 1 // shuffle, cut into halves (smaller first), no traffic between them
	ShapeIsolateLeader                  // the current leader alone vs the rest
	ShapeIsolateNode                    // one named node alone vs the rest
	ShapeMajorityRing                   // each node hears a majority, no two the same majority
	ShapeBridge                         // two halves joined only through one bridge node
	ShapeOneWay                         // messages From -> To dropped, the reverse kept
)

var shapeNames = [...]string{
	ShapeRandomHalves: "random-halves", ShapeIsolateLeader: "isolate-leader",
	ShapeIsolateNode: "isolate-node", ShapeMajorityRing: "majority-ring",
	ShapeBridge: "bridge", ShapeOneWay: "one-way",
}

func (s Shape) String() string {
	if s >= 1 && int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return fmt.Sprintf("shape(%d)", uint8(s))
}

// CrashMode says what a subsequent kill does to a node's unsynced writes.
type CrashMode uint8

// Crash modes. The zero value is the default.
const (
	CrashLoseUnsynced CrashMode = iota // every unsynced byte is lost
	CrashKeepPrefix                    // a prefix of the unsynced writes survives (host draws its length)
	CrashTearLast                      // unsynced writes survive but the last one is torn
)

var crashModeNames = [...]string{"lose-unsynced", "keep-prefix", "tear-last"}

func (m CrashMode) String() string {
	if int(m) < len(crashModeNames) {
		return crashModeNames[m]
	}
	return fmt.Sprintf("crash-mode(%d)", uint8(m))
}

// ParseCrashMode parses a CrashMode's text form.
func ParseCrashMode(s string) (CrashMode, error) {
	for i, n := range crashModeNames {
		if n == s {
			return CrashMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown crash mode %q", s)
}

// LinkFaults degrades every network link. The zero value is a healthy network.
type LinkFaults struct {
	Latency     time.Duration // added to every message's delay
	Jitter      time.Duration // a further delay drawn uniformly from [0, Jitter]
	LossProb    float64       // probability a message (or a connection's next chunk) is lost
	DupProb     float64       // probability a datagram is delivered twice
	ReorderProb float64       // probability a datagram overtakes earlier ones
}

func (f LinkFaults) String() string {
	return fmt.Sprintf("latency=%v jitter=%v loss=%s dup=%s reorder=%s", f.Latency, f.Jitter,
		fmtProb(f.LossProb), fmtProb(f.DupProb), fmtProb(f.ReorderProb))
}

func fmtProb(p float64) string { return strconv.FormatFloat(p, 'g', -1, 64) }

func (f LinkFaults) check() error {
	if f.Latency < 0 || f.Jitter < 0 {
		return fmt.Errorf("negative latency in %v", f)
	}
	for _, p := range []float64{f.LossProb, f.DupProb, f.ReorderProb} {
		if math.IsNaN(p) || p < 0 || p > 1 {
			return fmt.Errorf("probability %v outside [0, 1]", p)
		}
	}
	return nil
}

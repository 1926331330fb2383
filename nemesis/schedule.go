package nemesis

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Step is one timed action: at At after the run's start, do Action.
type Step struct {
	At     time.Duration
	Action Action
}

func (s Step) String() string {
	if s.Action == nil {
		return s.At.String() + " <no action>"
	}
	return s.At.String() + " " + s.Action.String()
}

// Schedule is a fault plan: steps in non-decreasing time order. Steps that
// share a time are applied in order, which is how faults compose. A Schedule
// is a value: the editing methods return a new one and never modify the
// receiver.
type Schedule struct {
	Steps []Step
}

// String is the text form, one step a line; Parse(s.String()) equals s.
func (s Schedule) String() string {
	var b strings.Builder
	for _, st := range s.Steps {
		b.WriteString(st.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// LineError is an error at one line of a schedule's text form (for a
// Schedule value, line i+1 is step i).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Parse reads a schedule's text form: one step a line, "DURATION ACTION".
// Blank lines and lines starting with '#' are ignored. The result is checked
// as Check does; every error names its line.
func Parse(text string) (Schedule, error) {
	var s Schedule
	var lines []int
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		st, err := parseStep(line)
		if err != nil {
			return Schedule{}, &LineError{Line: i + 1, Err: err}
		}
		s.Steps = append(s.Steps, st)
		lines = append(lines, i+1)
	}
	if err := s.check(lines); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

func parseStep(line string) (Step, error) {
	at, rest, _ := strings.Cut(line, " ")
	d, err := time.ParseDuration(at)
	if err != nil {
		return Step{}, fmt.Errorf("step time: %w", err)
	}
	a, err := ParseAction(rest)
	if err != nil {
		return Step{}, err
	}
	return Step{At: d, Action: a}, nil
}

// Check validates the schedule on its own: every action well-formed, times
// non-negative and non-decreasing, and no stop without an open fault of its
// kind (Restart without Kill, Resume without Pause, ...).
func (s Schedule) Check() error { return s.check(nil) }

// Validate is Check plus: every named node is one of nodes.
func (s Schedule) Validate(nodes []string) error {
	if err := s.Check(); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, n := range nodes {
		known[n] = true
	}
	for i, st := range s.Steps {
		for _, n := range namedNodes(st.Action) {
			if !known[n] {
				return &LineError{Line: i + 1, Err: fmt.Errorf("unknown node %q in %q", n, st.Action)}
			}
		}
	}
	return nil
}

// namedNodes lists the node names an action mentions.
func namedNodes(a Action) []string {
	switch a := a.(type) {
	case StartPartition:
		out := slices.Concat(a.From.Nodes, a.To.Nodes)
		if a.Node != "" {
			out = append(out, a.Node)
		}
		return out
	case Kill:
		return a.Target.Nodes
	case Restart:
		return a.Target.Nodes
	case Pause:
		return a.Target.Nodes
	case Resume:
		return a.Target.Nodes
	case ClockSkew:
		return a.Target.Nodes
	case ClockJump:
		return a.Target.Nodes
	case ClockStrobe:
		return a.Target.Nodes
	case ClockRate:
		return a.Target.Nodes
	case DiskCorrupt:
		return a.Target.Nodes
	case DiskFsyncErrors:
		return a.Target.Nodes
	case DiskSlow:
		return a.Target.Nodes
	case Member:
		var out []string
		for _, n := range []string{a.Node, a.With} {
			if n != "" && n != LeaderNode {
				out = append(out, n)
			}
		}
		return out
	}
	return nil
}

// check is Check with lines[i] the text line of step i (nil: i+1).
func (s Schedule) check(lines []int) error {
	lineOf := func(i int) int {
		if lines != nil {
			return lines[i]
		}
		return i + 1
	}
	var open openFaults
	for i := range s.Steps {
		if err := checkStep(s.Steps, i, &open); err != nil {
			return &LineError{Line: lineOf(i), Err: err}
		}
	}
	return nil
}

func checkStep(steps []Step, i int, open *openFaults) error {
	st := steps[i]
	if st.Action == nil {
		return fmt.Errorf("step has no action")
	}
	if st.At < 0 {
		return fmt.Errorf("negative time %v", st.At)
	}
	if i > 0 && st.At < steps[i-1].At {
		return fmt.Errorf("time %v before previous step's %v", st.At, steps[i-1].At)
	}
	if err := st.Action.check(); err != nil {
		return err
	}
	if !open.apply(st.Action) {
		return fmt.Errorf("%q without an open %v fault", st.Action, st.Action.Kind())
	}
	return nil
}

// openFaults tracks, per kind, the targets of faults started and not yet
// stopped.
type openFaults struct {
	byKind [KindHeal + 1][]Target
}

// apply records a; it reports false for a stop with nothing open to stop.
func (o *openFaults) apply(a Action) bool {
	k := a.Kind()
	switch {
	case k == KindHeal:
		o.byKind = [KindHeal + 1][]Target{}
		return true
	case a.Phase() == PhaseStart:
		o.byKind[k] = append(o.byKind[k], actionTarget(a))
		return true
	case a.Phase() == PhaseInstant:
		return true
	}
	if len(o.byKind[k]) == 0 {
		return false
	}
	left := stillOpen(o.byKind[k], actionTarget(a))
	if len(left) == len(o.byKind[k]) && !slices.ContainsFunc(left, isSymbolic) {
		return false // names only nodes no open fault named
	}
	o.byKind[k] = left
	return true
}

func isSymbolic(t Target) bool { return t.Kind != TargetNodes }

// stillOpen returns the open targets a stop with target stop leaves open: a
// stop naming nodes closes only the faults that named a subset of them.
func stillOpen(open []Target, stop Target) []Target {
	if stop.Kind != TargetNodes {
		return nil
	}
	var out []Target
	for _, t := range open {
		if t.Kind == TargetNodes && isSubset(t.Nodes, stop.Nodes) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func isSubset(a, b []string) bool {
	for _, n := range a {
		if !slices.Contains(b, n) {
			return false
		}
	}
	return true
}

// actionTarget is the target of a process action; other kinds close as a
// whole (their stops take no target), so All stands in for them.
func actionTarget(a Action) Target {
	switch a := a.(type) {
	case Kill:
		return a.Target
	case Restart:
		return a.Target
	case Pause:
		return a.Target
	case Resume:
		return a.Target
	}
	return All
}

func (o *openFaults) empty() bool {
	for _, ts := range o.byKind {
		if len(ts) > 0 {
			return false
		}
	}
	return true
}

// EndsHealed reports whether every fault the schedule starts is stopped by
// its end, so the run ends with all nodes running and the network whole.
func (s Schedule) EndsHealed() bool {
	var open openFaults
	for _, st := range s.Steps {
		open.apply(st.Action)
	}
	return open.empty()
}

// End is the time of the last step (0 for an empty schedule).
func (s Schedule) End() time.Duration {
	if len(s.Steps) == 0 {
		return 0
	}
	return s.Steps[len(s.Steps)-1].At
}

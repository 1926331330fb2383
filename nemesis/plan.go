package nemesis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Interval is a uniform distribution of durations over [Min, Max].
type Interval struct {
	Min, Max time.Duration
}

// draw returns a duration from iv, truncated to a millisecond (so planned
// schedules read well) but never below Min.
func (iv Interval) draw(rng *rand.Rand) time.Duration {
	span := int64(iv.Max - iv.Min)
	if span < math.MaxInt64 {
		span++ // Int64N's bound is exclusive; Max is inclusive
	}
	d := iv.Min + time.Duration(rng.Int64N(span))
	return max(d.Truncate(time.Millisecond), iv.Min)
}

func (iv Interval) check(name string) error {
	if iv.Min < 0 || iv.Max < iv.Min {
		return fmt.Errorf("nemesis: %s interval [%v, %v] invalid", name, iv.Min, iv.Max)
	}
	return nil
}

// PlanOptions configures Plan. Use keyed literals.
type PlanOptions struct {
	Kinds      []Kind        // fault kinds to draw from (not KindHeal); a repeated kind is drawn more often
	Duration   time.Duration // run length; the final heal happens at Duration-HealedTail
	Gap        Interval      // quiet time before each fault window
	Length     Interval      // how long each fault window lasts; Min must be positive
	Nodes      []string      // the cluster's nodes, for faults that name one
	HealedTail time.Duration // fault-free phase at the end in which liveness is required
	MaxCompose int           // most faults started together in one window (0 or 1: one)
	// Members is the initial config of an ensemble run with dynamic
	// reconfiguration; KindMember needs it. Nodes outside it are spares a
	// change may add.
	Members *Membership
}

// Membership is an ensemble's config: its voters and observers.
type Membership struct {
	Voters    []string
	Observers []string
}

// maxPlanWindows bounds a plan's size, so bad options cannot exhaust memory.
const maxPlanWindows = 100_000

func (o PlanOptions) check() error {
	if len(o.Kinds) == 0 {
		return errors.New("nemesis: plan needs at least one kind")
	}
	for _, k := range o.Kinds {
		if k < KindPartition || k >= KindHeal {
			return fmt.Errorf("nemesis: cannot plan kind %v", k)
		}
	}
	if o.Duration <= 0 || o.HealedTail < 0 || o.HealedTail > o.Duration {
		return fmt.Errorf("nemesis: need 0 <= healed tail %v <= duration %v, duration > 0", o.HealedTail, o.Duration)
	}
	if err := o.Gap.check("gap"); err != nil {
		return err
	}
	if err := o.Length.check("length"); err != nil {
		return err
	}
	if o.Length.Min <= 0 || o.Duration/o.Length.Min > maxPlanWindows {
		return fmt.Errorf("nemesis: fault length min %v too small for duration %v", o.Length.Min, o.Duration)
	}
	if len(o.Nodes) == 0 {
		return errors.New("nemesis: plan needs the node list")
	}
	if err := checkNodeList(o.Nodes); err != nil {
		return err
	}
	if !slices.Contains(o.Kinds, KindMember) {
		return nil
	}
	if o.Members == nil || len(o.Members.Voters) == 0 {
		return errors.New("nemesis: membership changes need the initial config (an ensemble with reconfig)")
	}
	for _, n := range slices.Concat(o.Members.Voters, o.Members.Observers) {
		if !slices.Contains(o.Nodes, n) {
			return fmt.Errorf("nemesis: member %q is not a node", n)
		}
	}
	return checkNodeList(slices.Concat(o.Members.Voters, o.Members.Observers))
}

// checkNodeList requires distinct names that the text form can carry.
func checkNodeList(nodes []string) error {
	for _, n := range nodes {
		if err := checkNodeName(n); err != nil {
			return fmt.Errorf("nemesis: nodes: %w", err)
		}
	}
	if len(sortedSet(nodes)) != len(nodes) {
		return fmt.Errorf("nemesis: nodes %v not distinct", nodes)
	}
	return nil
}

// Plan draws a schedule from rng: fault windows (one or more kinds started
// together, then stopped together) separated by quiet gaps, and a Heal at
// Duration-HealedTail after which nothing happens, so every plan ends with
// all faults stopped and all nodes running. Same rng state and options, same
// schedule.
func Plan(rng *rand.Rand, o PlanOptions) (Schedule, error) {
	if rng == nil {
		return Schedule{}, errors.New("nemesis: nil rng")
	}
	if err := o.check(); err != nil {
		return Schedule{}, err
	}
	p := &planner{rng: rng, nodes: sortedSet(o.Nodes)}
	if o.Members != nil {
		p.members = newMemberPlan(p.nodes, *o.Members)
	}
	faultEnd := o.Duration - o.HealedTail
	var s Schedule
	for t := o.Gap.draw(rng); t < faultEnd; {
		stop := min(t+o.Length.draw(rng), faultEnd)
		starts, stops := p.window(o.Kinds, max(o.MaxCompose, 1))
		if p.churning && !slices.ContainsFunc(starts, func(a Action) bool { return a.Kind() == KindDisk }) {
			// A churn's kills crash machines, not only processes: what a
			// killed node loses is drawn per window (keep all, lose what
			// was not synced, keep a prefix, tear the last write).
			starts = append([]Action{DiskCrashMode{Mode: CrashMode(p.rng.IntN(len(crashModeNames)))}}, starts...)
			stops = append([]Action{DiskReset{}}, stops...)
		}
		for _, a := range starts {
			s.Steps = append(s.Steps, Step{At: t, Action: a})
		}
		if k, ok := starts[len(starts)-1].(Kill); ok && p.churning {
			steps, anyDown := p.churn(k.Target.Nodes, t, stop)
			s.Steps = append(s.Steps, steps...)
			if !anyDown { // the churn restarted every node itself
				stops = slices.DeleteFunc(stops, func(a Action) bool { _, r := a.(Restart); return r })
			}
		}
		for _, a := range stops {
			s.Steps = append(s.Steps, Step{At: stop, Action: a})
		}
		t = stop + o.Gap.draw(rng)
	}
	s.Steps = append(s.Steps, Step{At: faultEnd, Action: Heal{}})
	return s, s.Check()
}

type planner struct {
	rng   *rand.Rand
	nodes []string
	// churning is set by fault when the window's last start is a churn's
	// first kill (planner is a value: window sets it through the pointer
	// Plan hands it).
	churning bool
	// members is the membership the planned changes lead to (KindMember).
	members *memberPlan
}

// window draws one fault window: up to maxCompose distinct kinds, disk
// faults first so a crash mode is set before a kill in the same window.
func (p *planner) window(kinds []Kind, maxCompose int) (starts, stops []Action) {
	distinct := sortedKinds(kinds)
	n := 1 + p.rng.IntN(min(maxCompose, len(distinct)))
	picked := []Kind{kinds[p.rng.IntN(len(kinds))]}
	for len(picked) < n {
		k := distinct[p.rng.IntN(len(distinct))]
		if !slices.Contains(picked, k) {
			picked = append(picked, k)
		}
	}
	if slices.Contains(picked, KindChurn) {
		// A churn does the window's kills and restarts itself.
		picked = slices.DeleteFunc(picked, func(k Kind) bool { return k == KindKill })
	}
	slices.SortFunc(picked, func(a, b Kind) int { return planOrder(a) - planOrder(b) })
	p.churning = picked[len(picked)-1] == KindChurn
	for _, k := range picked {
		start, stop := p.fault(k)
		starts = append(starts, start)
		if stop != nil {
			stops = append(stops, stop)
		}
	}
	return starts, stops
}

func sortedKinds(kinds []Kind) []Kind {
	out := slices.Clone(kinds)
	slices.Sort(out)
	return slices.Compact(out)
}

func planOrder(k Kind) int {
	switch k {
	case KindDisk:
		return -1 // a crash mode is set before a kill in the same window
	case KindChurn:
		return int(KindHeal) // last: its kills and restarts follow the rest
	}
	return int(k)
}

// fault draws one fault of kind k and the action that stops it (nil for a
// one-shot).
func (p *planner) fault(k Kind) (start, stop Action) {
	switch k {
	case KindPartition:
		return p.partition(), StopPartition{}
	case KindKill:
		return Kill{Target: p.target(One, Leader, Minority, All)}, Restart{Target: All}
	case KindPause:
		return Pause{Target: p.target(One, Leader, Minority)}, Resume{Target: All}
	case KindClock:
		return p.clock(), ClockReset{}
	case KindDisk:
		return p.disk()
	case KindChurn:
		return Kill{Target: Named(p.node())}, Restart{Target: All}
	case KindMember:
		return p.members.draw(p.rng), nil
	}
	return NetDegrade{Faults: p.linkFaults()}, NetRestore{}
}

// churn draws the steps of a churn window after its first kill (of one
// node, killed, at start) and before its final restart of every node (at stop):
// every 100 ms to 1.5 s it kills a random subset of the nodes it has left
// running or restarts a random subset of those it killed, so quorums are
// lost and regained, and members return in every order — a node that fell
// behind coming back with a node that missed an epoch, say.
func (p *planner) churn(killed []string, start, stop time.Duration) (steps []Step, anyDown bool) {
	down := map[string]bool{}
	for _, n := range killed {
		down[n] = true
	}
	for t := start + p.ms(100, 1500); t < stop; t += p.ms(100, 1500) {
		var up, dn []string
		for _, n := range p.nodes {
			if down[n] {
				dn = append(dn, n)
			} else {
				up = append(up, n)
			}
		}
		if len(dn) > 0 && (len(up) == 0 || p.rng.IntN(2) == 0) {
			sub := p.subset(dn)
			for _, n := range sub {
				delete(down, n)
			}
			steps = append(steps, Step{At: t, Action: Restart{Target: Named(sub...)}})
			continue
		}
		// One kill per node, so that a later restart of any subset of
		// them closes exactly those faults.
		for _, n := range p.subset(up) {
			down[n] = true
			steps = append(steps, Step{At: t, Action: Kill{Target: Named(n)}})
		}
	}
	return steps, len(down) > 0
}

// subset draws a random non-empty subset of nodes (sorted).
func (p *planner) subset(nodes []string) []string {
	k := 1 + p.rng.IntN(len(nodes))
	perm := p.rng.Perm(len(nodes))[:k]
	out := make([]string, k)
	for i, j := range perm {
		out[i] = nodes[j]
	}
	return sortedSet(out)
}

func (p *planner) target(ts ...Target) Target { return ts[p.rng.IntN(len(ts))] }

func (p *planner) node() string { return p.nodes[p.rng.IntN(len(p.nodes))] }

func (p *planner) partition() Action {
	shape := Shape(1 + p.rng.IntN(int(ShapeOneWay)))
	switch shape {
	case ShapeIsolateNode:
		return StartPartition{Shape: shape, Node: p.node()}
	case ShapeOneWay:
		from := p.target(Leader, Named(p.node()))
		to := p.target(All, Named(p.node()))
		return StartPartition{Shape: shape, From: from, To: to}
	}
	return StartPartition{Shape: shape}
}

// ms draws a whole number of milliseconds in [lo, hi].
func (p *planner) ms(lo, hi int64) time.Duration {
	return time.Duration(lo+p.rng.Int64N(hi-lo+1)) * time.Millisecond
}

func (p *planner) clock() Action {
	t := p.target(One, Leader, Minority, All)
	switch p.rng.IntN(3) {
	case 0:
		return ClockSkew{Target: t, Offset: p.ms(-30_000, 30_000)}
	case 1:
		return ClockJump{Target: t, Delta: p.ms(-30_000, 30_000)}
	}
	return ClockStrobe{Target: t, Low: p.ms(-5_000, 0), High: p.ms(0, 5_000), Period: p.ms(10, 1_000)}
}

func (p *planner) disk() (start, stop Action) {
	switch p.rng.IntN(4) {
	case 0:
		return DiskCorrupt{Target: p.target(One, Leader)}, nil
	case 1:
		return DiskFsyncErrors{Target: p.target(One, Leader, Minority)}, DiskReset{}
	case 2:
		return DiskSlow{Target: p.target(One, All), Latency: p.ms(1, 200)}, DiskReset{}
	}
	return DiskCrashMode{Mode: CrashMode(p.rng.IntN(len(crashModeNames)))}, DiskReset{}
}

// prob draws a probability in [0, hi] in steps of 0.01.
func (p *planner) prob(hi int) float64 { return float64(p.rng.IntN(hi+1)) / 100 }

func (p *planner) linkFaults() LinkFaults {
	return LinkFaults{
		Latency:     p.ms(0, 200),
		Jitter:      p.ms(0, 100),
		LossProb:    p.prob(20),
		DupProb:     p.prob(10),
		ReorderProb: p.prob(30),
	}
}

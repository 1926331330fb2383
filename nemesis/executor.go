package nemesis

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// ErrUnsupported is wrapped by a Host's error when it cannot apply a kind of
// fault at all (a live cluster cannot make a real kernel lose its page cache
// or corrupt a chosen log record). The executor does not end the run for it:
// it records the step with an "unsupported: ..." note, so the history says
// the fault did not happen, and goes on.
var ErrUnsupported = errors.New("fault not supported by this host")

// unsupportedNote is the event note for a step the host could not apply.
func unsupportedNote(err error) string { return "unsupported: " + err.Error() }

// Host is the world a schedule acts on. The simulator and the live tier
// implement it; the Executor is its only caller. Every method acts at once
// and reports a failure to act as an error, which ends the run: a schedule
// must not silently not happen.
type Host interface {
	// Nodes lists the cluster's server nodes (any order; the executor sorts).
	Nodes() []string
	// Leader reports the node that leads now, if the host knows one.
	Leader() (string, bool)
	// Kill crashes a running (possibly paused) node; mode says what happens
	// to its unsynced writes.
	Kill(node string, mode CrashMode) error
	// Restart starts a killed node from its disk.
	Restart(node string) error
	// Pause freezes a node; Resume unfreezes it.
	Pause(node string) error
	Resume(node string) error
	// Partition replaces the set of cut links; nil means fully connected.
	Partition(cuts []Link) error
	// ClockSkew sets a node's clock offset from true time and ends any strobe.
	ClockSkew(node string, offset time.Duration) error
	// ClockJump moves a node's clock by delta at once.
	ClockJump(node string, delta time.Duration) error
	// ClockStrobe flips a node's clock offset between low and high every period.
	ClockStrobe(node string, low, high, period time.Duration) error
	// ClockRate makes a node's clock, and the timers on it, run at rate
	// times true speed from now on (1 is normal).
	ClockRate(node string, rate float64) error
	// DiskFault replaces a node's disk fault state; the zero value is healthy.
	DiskFault(node string, f DiskFault) error
	// CorruptRecord damages one durable record on node's disk; pick, drawn
	// from the schedule's RNG, chooses which (for example pick mod count), so
	// every host corrupts the same record for the same seed.
	CorruptRecord(node string, pick uint64) error
	// Degrade replaces the faults on every link; the zero value is healthy.
	Degrade(f LinkFaults) error
	// Member asks the ensemble for a membership change, as an operator
	// does: a reconfig through an admin (super user) session. It returns
	// once the request is on its way; the host records the reconfig's
	// answer when it comes (a refused or failed reconfig is the
	// ensemble's answer, not a host failure).
	Member(c MemberChange) error
}

// DiskFault is a node's persistent disk fault state.
type DiskFault struct {
	FsyncErrors bool          // every sync completes with an I/O error
	SyncLatency time.Duration // added to every sync's completion time
}

// Event is what applying one step did, for the host to record in the history
// as a nemesis record.
type Event struct {
	Time    time.Duration // host time at which the step was applied
	Kind    Kind
	Action  string   // the step's action in text form
	Start   bool     // a fault begins (or a one-shot happens); false when faults end
	Targets []string // the nodes acted on, sorted
	Cuts    []Link   // for partitions: the links this step cut, sorted
	Shape   string   // for partitions: the shape the cuts give the cluster (DescribeCuts), "s1,s2 | s3"
	Note    string   // why the step did less than it says (e.g. "no leader"); empty normally
}

// Executor applies a schedule to a host as the host's time advances. It is
// deterministic: the same schedule, seed and host answers give the same calls
// and events.
type Executor struct {
	steps   []Step
	next    int
	rng     *rand.Rand
	killed  map[string]bool
	paused  map[string]bool
	clocked map[string]bool
	rated   map[string]bool // nodes whose clock rate a ClockRate changed
	disks   map[string]DiskFault
	// corrupted are the nodes whose disks a symbolic target corrupted:
	// at most a minority, so the ensemble keeps a quorum of intact copies
	// (what ZooKeeper claims to survive). Named targets are not limited.
	corrupted map[string]bool
	crashMode CrashMode
	cuts      [][]Link // one cut set per open partition
}

// NewExecutor checks s and returns an executor that draws every random
// choice from rng.
func NewExecutor(s Schedule, rng *rand.Rand) (*Executor, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, fmt.Errorf("nemesis: nil rng")
	}
	return &Executor{
		steps: slices.Clone(s.Steps), rng: rng,
		killed: map[string]bool{}, paused: map[string]bool{}, clocked: map[string]bool{}, rated: map[string]bool{},
		disks: map[string]DiskFault{},
	}, nil
}

// Due returns the steps due at or before now that it has not returned
// before, in schedule order.
func (x *Executor) Due(now time.Duration) []Step {
	start := x.next
	for x.next < len(x.steps) && x.steps[x.next].At <= now {
		x.next++
	}
	return slices.Clone(x.steps[start:x.next])
}

// NextAt reports when the next step is due, so a host can wake up then.
func (x *Executor) NextAt() (time.Duration, bool) {
	if x.next >= len(x.steps) {
		return 0, false
	}
	return x.steps[x.next].At, true
}

// Done reports whether every step has been handed out by Due.
func (x *Executor) Done() bool { return x.next >= len(x.steps) }

// Step applies every due step (Due then Apply) and returns their events.
func (x *Executor) Step(h Host, now time.Duration) ([]Event, error) {
	var evs []Event
	for _, st := range x.Due(now) {
		ev, err := x.Apply(h, now, st)
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// Apply performs one step on h at host time now.
func (x *Executor) Apply(h Host, now time.Duration, st Step) (Event, error) {
	if st.Action == nil {
		return Event{Time: now}, fmt.Errorf("nemesis: step at %v has no action", st.At)
	}
	if err := st.Action.check(); err != nil {
		return Event{Time: now}, fmt.Errorf("nemesis: %v: %w", st.Action, err)
	}
	ev := Event{Time: now, Kind: st.Action.Kind(), Action: st.Action.String(),
		Start: st.Action.Phase() != PhaseStop}
	if err := x.apply(h, st.Action, &ev); err != nil {
		if !errors.Is(err, ErrUnsupported) {
			return ev, fmt.Errorf("nemesis: %v at %v: %w", st.Action, now, err)
		}
		ev.Note = unsupportedNote(err)
	}
	ev.Targets = sortedSet(ev.Targets)
	return ev, nil
}

func (x *Executor) apply(h Host, a Action, ev *Event) error {
	nodes := sortedSet(h.Nodes())
	switch a := a.(type) {
	case StartPartition:
		return x.startPartition(h, nodes, a, ev)
	case StopPartition:
		x.cuts = nil
		return h.Partition(nil)
	case Kill, Restart, Pause, Resume:
		return x.process(h, nodes, a, ev)
	case ClockSkew, ClockJump, ClockStrobe, ClockRate, ClockReset:
		return x.clock(h, nodes, a, ev)
	case DiskCrashMode, DiskCorrupt, DiskFsyncErrors, DiskSlow, DiskReset:
		return x.disk(h, nodes, a, ev)
	case NetDegrade:
		return h.Degrade(a.Faults)
	case NetRestore:
		return h.Degrade(LinkFaults{})
	case Member:
		return x.member(h, nodes, a, ev)
	case Heal:
		return x.heal(h, ev)
	}
	return fmt.Errorf("unknown action %T", a)
}

// resolve picks a target's nodes among candidates, a sorted subset of the
// cluster's nodes, and notes on ev when it picks none.
func (x *Executor) resolve(h Host, t Target, nodes, candidates []string, ev *Event) ([]string, error) {
	out, err := x.resolveTarget(h, t, nodes, candidates, ev)
	if err == nil && len(out) == 0 && ev.Note == "" {
		ev.Note = "no target"
	}
	return out, err
}

// resolveTarget draws random picks from the executor's RNG.
func (x *Executor) resolveTarget(h Host, t Target, nodes, candidates []string, ev *Event) ([]string, error) {
	switch t.Kind {
	case TargetAll:
		return candidates, nil
	case TargetOne:
		return x.pick(candidates, 1), nil
	case TargetMinority:
		return x.pick(candidates, (len(nodes)-1)/2), nil
	case TargetLeader:
		l, ok := h.Leader()
		if !ok {
			ev.Note = "no leader"
			return nil, nil
		}
		if !slices.Contains(candidates, l) {
			ev.Note = fmt.Sprintf("leader %s not eligible", l)
			return nil, nil
		}
		return []string{l}, nil
	case TargetNodes:
		for _, n := range t.Nodes {
			if !slices.Contains(nodes, n) {
				return nil, fmt.Errorf("unknown node %q", n)
			}
		}
		return slices.DeleteFunc(slices.Clone(t.Nodes), func(n string) bool {
			return !slices.Contains(candidates, n)
		}), nil
	}
	return nil, fmt.Errorf("unknown target %v", t)
}

// pick draws k of the sorted candidates (all of them if fewer), sorted.
func (x *Executor) pick(candidates []string, k int) []string {
	c := x.shuffled(candidates)
	return sortedSet(c[:min(k, len(c))])
}

func (x *Executor) shuffled(nodes []string) []string {
	c := slices.Clone(nodes)
	x.rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return c
}

func (x *Executor) startPartition(h Host, nodes []string, a StartPartition, ev *Event) error {
	cuts, err := x.cutsFor(h, nodes, a, ev)
	if err != nil || len(cuts) == 0 {
		if ev.Note == "" {
			ev.Note = "no links to cut"
		}
		return err
	}
	x.cuts = append(x.cuts, cuts)
	ev.Cuts, ev.Shape = cuts, DescribeCuts(nodes, cuts)
	for _, l := range cuts {
		ev.Targets = append(ev.Targets, l.From, l.To)
	}
	return h.Partition(x.allCuts())
}

func (x *Executor) allCuts() []Link { return sortLinks(slices.Concat(x.cuts...)) }

func (x *Executor) cutsFor(h Host, nodes []string, a StartPartition, ev *Event) ([]Link, error) {
	switch a.Shape {
	case ShapeRandomHalves:
		small, large := Bisect(x.shuffled(nodes))
		return GroupCuts([][]string{small, large}), nil
	case ShapeMajorityRing:
		return MajorityRingCuts(x.shuffled(nodes)), nil
	case ShapeBridge:
		return BridgeCuts(x.shuffled(nodes)), nil
	case ShapeIsolateLeader:
		l, err := x.resolve(h, Leader, nodes, nodes, ev)
		if err != nil || len(l) == 0 {
			return nil, err
		}
		return IsolateCuts(l[0], nodes), nil
	case ShapeIsolateNode:
		if !slices.Contains(nodes, a.Node) {
			return nil, fmt.Errorf("unknown node %q", a.Node)
		}
		return IsolateCuts(a.Node, nodes), nil
	case ShapeOneWay:
		from, err := x.resolve(h, a.From, nodes, nodes, ev)
		if err != nil {
			return nil, err
		}
		to, err := x.resolve(h, a.To, nodes, nodes, ev)
		return OneWayCuts(from, to), err
	}
	return nil, fmt.Errorf("unknown shape %v", a.Shape)
}

// process applies kill, restart, pause and resume. Kill and pause pick among
// nodes that are not already down; restart and resume among those this
// executor took down.
func (x *Executor) process(h Host, nodes []string, a Action, ev *Event) error {
	var t Target
	var set map[string]bool
	var candidates []string
	var act func(string) error
	switch a := a.(type) {
	case Kill:
		t, set, candidates = a.Target, x.killed, x.filter(nodes, x.killed)
		act = func(n string) error { delete(x.paused, n); return h.Kill(n, x.crashMode) }
	case Pause:
		t, set = a.Target, x.paused
		candidates = x.filter(x.filter(nodes, x.killed), x.paused)
		act = h.Pause
	case Restart:
		t, set, candidates, act = a.Target, x.killed, slices.Sorted(maps.Keys(x.killed)), h.Restart
	case Resume:
		t, set, candidates, act = a.Target, x.paused, slices.Sorted(maps.Keys(x.paused)), h.Resume
	}
	targets, err := x.resolve(h, t, nodes, candidates, ev)
	if err != nil {
		return err
	}
	for _, n := range targets {
		if err := act(n); err != nil {
			return err
		}
		if a.Phase() == PhaseStart {
			set[n] = true
		} else {
			delete(set, n)
		}
	}
	ev.Targets = targets
	return nil
}

// filter returns nodes not in out.
func (x *Executor) filter(nodes []string, out map[string]bool) []string {
	return slices.DeleteFunc(slices.Clone(nodes), func(n string) bool { return out[n] })
}

func (x *Executor) clock(h Host, nodes []string, a Action, ev *Event) error {
	if _, ok := a.(ClockReset); ok {
		return x.clockReset(h, ev)
	}
	var t Target
	var act func(string) error
	switch a := a.(type) {
	case ClockSkew:
		t, act = a.Target, func(n string) error { return h.ClockSkew(n, a.Offset) }
	case ClockJump:
		t, act = a.Target, func(n string) error { return h.ClockJump(n, a.Delta) }
	case ClockStrobe:
		t, act = a.Target, func(n string) error { return h.ClockStrobe(n, a.Low, a.High, a.Period) }
	case ClockRate:
		t, act = a.Target, func(n string) error {
			err := h.ClockRate(n, a.Rate)
			if err == nil {
				x.rated[n] = true
			}
			return err
		}
	}
	targets, err := x.resolve(h, t, nodes, nodes, ev)
	if err != nil {
		return err
	}
	for _, n := range targets {
		if err := act(n); err != nil {
			return err
		}
		x.clocked[n] = true
	}
	ev.Targets = targets
	return nil
}

func (x *Executor) clockReset(h Host, ev *Event) error {
	// Only nodes a ClockRate touched get their rate back: a schedule
	// without one makes exactly the calls it always made.
	for _, n := range slices.Sorted(maps.Keys(x.rated)) {
		if err := h.ClockRate(n, 1); err != nil {
			return err
		}
		delete(x.rated, n)
	}
	for _, n := range slices.Sorted(maps.Keys(x.clocked)) {
		if err := h.ClockSkew(n, 0); err != nil {
			return err
		}
		delete(x.clocked, n)
		ev.Targets = append(ev.Targets, n)
	}
	return nil
}

func (x *Executor) disk(h Host, nodes []string, a Action, ev *Event) error {
	var t Target
	var act func(string) error
	switch a := a.(type) {
	case DiskCrashMode:
		x.crashMode = a.Mode
		ev.Targets = nodes
		return nil
	case DiskReset:
		return x.diskReset(h, ev)
	case DiskCorrupt:
		t, act = a.Target, func(n string) error {
			if err := h.CorruptRecord(n, x.rng.Uint64()); err != nil {
				return err
			}
			if x.corrupted == nil {
				x.corrupted = map[string]bool{}
			}
			x.corrupted[n] = true
			return nil
		}
		if t.Kind != TargetNodes {
			return x.applyTo(h, t, nodes, x.corruptible(h, nodes, ev), act, ev)
		}
	case DiskFsyncErrors:
		t, act = a.Target, func(n string) error {
			f := x.disks[n]
			f.FsyncErrors = true
			return x.setDisk(h, n, f)
		}
	case DiskSlow:
		t, act = a.Target, func(n string) error {
			f := x.disks[n]
			f.SyncLatency = a.Latency
			return x.setDisk(h, n, f)
		}
	}
	return x.applyTo(h, t, nodes, nodes, act, ev)
}

// applyTo resolves t among candidates and acts on each target.
func (x *Executor) applyTo(h Host, t Target, nodes, candidates []string, act func(string) error, ev *Event) error {
	targets, err := x.resolve(h, t, nodes, candidates, ev)
	if err != nil {
		return err
	}
	for _, n := range targets {
		if err := act(n); err != nil {
			return err
		}
	}
	ev.Targets = targets
	return nil
}

// VoterHost is a Host whose ensemble has non-voting members (observers):
// Voters names the voting ones. The bound on lasting damage (corrupt disks)
// is a minority of the voters, not of every node.
type VoterHost interface {
	Host
	Voters() []string
}

// corruptible is every node while fewer than a minority of the voters were
// corrupted, then only those already corrupted.
func (x *Executor) corruptible(h Host, nodes []string, ev *Event) []string {
	voters := nodes
	if vh, ok := h.(VoterHost); ok {
		voters = vh.Voters()
	}
	voter := map[string]bool{}
	damaged := 0
	for _, n := range voters {
		voter[n] = true
		if x.corrupted[n] {
			damaged++
		}
	}
	if damaged < (len(voters)-1)/2 {
		return nodes
	}
	var out []string
	for _, n := range nodes {
		if x.corrupted[n] || !voter[n] {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		ev.Note = "no node may be corrupted without risking a quorum's data"
	}
	return out
}

// setDisk records f only once the host applied it, so a host that cannot
// fault disks is never asked to heal one.
func (x *Executor) setDisk(h Host, n string, f DiskFault) error {
	if err := h.DiskFault(n, f); err != nil {
		return err
	}
	x.disks[n] = f
	return nil
}

func (x *Executor) diskReset(h Host, ev *Event) error {
	x.crashMode = CrashLoseUnsynced
	for _, n := range slices.Sorted(maps.Keys(x.disks)) {
		if err := h.DiskFault(n, DiskFault{}); err != nil {
			return err
		}
		delete(x.disks, n)
		ev.Targets = append(ev.Targets, n)
	}
	return nil
}

// heal ends every fault: network first (so restarted nodes rejoin a whole
// network), then processes, clocks, disks and links.
func (x *Executor) heal(h Host, ev *Event) error {
	x.cuts = nil
	if err := h.Partition(nil); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return x.process(h, nil, Restart{Target: All}, ev) },
		func() error { return x.process(h, nil, Resume{Target: All}, ev) },
		func() error { return x.clockReset(h, ev) },
		func() error { return x.diskReset(h, ev) },
		func() error { return h.Degrade(LinkFaults{}) },
	}
	var targets []string
	var unsupported []string
	for _, f := range steps {
		ev.Targets = nil
		if err := f(); err != nil {
			if !errors.Is(err, ErrUnsupported) {
				return err
			}
			// Heal the rest anyway: one fault a host cannot undo must
			// not leave the others in place.
			unsupported = append(unsupported, unsupportedNote(err))
		}
		targets = append(targets, ev.Targets...)
	}
	// Healing nothing is not worth a note; failing to heal something is.
	ev.Targets, ev.Note = targets, strings.Join(unsupported, "; ")
	return nil
}

package nemesis

import (
	"errors"
	"fmt"
	"time"
)

// StartPartition cuts network links. Several open partitions combine: the
// host is handed the union of their cuts.
type StartPartition struct {
	Shape Shape
	Node  string // ShapeIsolateNode: the node to isolate
	From  Target // ShapeOneWay: messages from these nodes...
	To    Target // ...to these nodes are dropped
}

// StopPartition removes every cut made by open partitions.
type StopPartition struct{}

// Kill crashes nodes with the current crash mode.
type Kill struct{ Target Target }

// Restart starts killed nodes again. Target is All (every node this schedule
// killed) or named nodes.
type Restart struct{ Target Target }

// Pause stops nodes (SIGSTOP): they keep their state and connections, and
// their clocks run on, so on Resume they see how long they were away.
type Pause struct{ Target Target }

// Resume unfreezes paused nodes. Target is All or named nodes.
type Resume struct{ Target Target }

// ClockSkew sets the nodes' clock offset from true time.
type ClockSkew struct {
	Target Target
	Offset time.Duration
}

// ClockJump moves the nodes' clocks by Delta at once (backwards if negative).
type ClockJump struct {
	Target Target
	Delta  time.Duration
}

// ClockStrobe flips the nodes' clock offset between Low and High every
// Period, like Jepsen's strobe-time.
type ClockStrobe struct {
	Target    Target
	Low, High time.Duration
	Period    time.Duration
}

// ClockRate makes the nodes' clocks run at Rate times true speed (0.1: ten
// times slow) from now on, timers included: a slow node's timeouts (its
// syncLimit, its session expiry) fire late in true time. ClockReset
// returns the rate to 1.
type ClockRate struct {
	Target Target
	Rate   float64
}

// MaxClockRate bounds ClockRate.Rate (the simulator's limit).
const MaxClockRate = 1000

// ClockReset returns every clock this schedule touched to true time.
type ClockReset struct{}

// DiskCrashMode sets what subsequent kills do to unsynced writes.
type DiskCrashMode struct{ Mode CrashMode }

// DiskCorrupt corrupts one durable record on each target node (a one-shot).
type DiskCorrupt struct{ Target Target }

// DiskFsyncErrors makes fsync fail on the target nodes until a DiskReset.
type DiskFsyncErrors struct{ Target Target }

// DiskSlow adds Latency to every disk sync on the target nodes.
type DiskSlow struct {
	Target  Target
	Latency time.Duration
}

// DiskReset clears crash mode, fsync errors and slowness on every node.
type DiskReset struct{}

// NetDegrade degrades every link (latency, loss, duplication, reordering).
type NetDegrade struct{ Faults LinkFaults }

// NetRestore returns every link to health.
type NetRestore struct{}

// Heal stops every open fault: network whole, killed nodes restarted, paused
// nodes resumed, clocks, disks and links healthy.
type Heal struct{}

func (StartPartition) Kind() Kind  { return KindPartition }
func (StopPartition) Kind() Kind   { return KindPartition }
func (Kill) Kind() Kind            { return KindKill }
func (Restart) Kind() Kind         { return KindKill }
func (Pause) Kind() Kind           { return KindPause }
func (Resume) Kind() Kind          { return KindPause }
func (ClockSkew) Kind() Kind       { return KindClock }
func (ClockJump) Kind() Kind       { return KindClock }
func (ClockStrobe) Kind() Kind     { return KindClock }
func (ClockRate) Kind() Kind       { return KindClock }
func (ClockReset) Kind() Kind      { return KindClock }
func (DiskCrashMode) Kind() Kind   { return KindDisk }
func (DiskCorrupt) Kind() Kind     { return KindDisk }
func (DiskFsyncErrors) Kind() Kind { return KindDisk }
func (DiskSlow) Kind() Kind        { return KindDisk }
func (DiskReset) Kind() Kind       { return KindDisk }
func (NetDegrade) Kind() Kind      { return KindNet }
func (NetRestore) Kind() Kind      { return KindNet }
func (Heal) Kind() Kind            { return KindHeal }

func (StartPartition) Phase() Phase  { return PhaseStart }
func (StopPartition) Phase() Phase   { return PhaseStop }
func (Kill) Phase() Phase            { return PhaseStart }
func (Restart) Phase() Phase         { return PhaseStop }
func (Pause) Phase() Phase           { return PhaseStart }
func (Resume) Phase() Phase          { return PhaseStop }
func (ClockSkew) Phase() Phase       { return PhaseStart }
func (ClockJump) Phase() Phase       { return PhaseStart }
func (ClockStrobe) Phase() Phase     { return PhaseStart }
func (ClockRate) Phase() Phase       { return PhaseStart }
func (ClockReset) Phase() Phase      { return PhaseStop }
func (DiskCrashMode) Phase() Phase   { return PhaseStart }
func (DiskCorrupt) Phase() Phase     { return PhaseInstant }
func (DiskFsyncErrors) Phase() Phase { return PhaseStart }
func (DiskSlow) Phase() Phase        { return PhaseStart }
func (DiskReset) Phase() Phase       { return PhaseStop }
func (NetDegrade) Phase() Phase      { return PhaseStart }
func (NetRestore) Phase() Phase      { return PhaseStop }
func (Heal) Phase() Phase            { return PhaseStop }

func (a StartPartition) String() string {
	switch a.Shape {
	case ShapeIsolateNode:
		return "start partition isolate-node " + a.Node
	case ShapeOneWay:
		return fmt.Sprintf("start partition one-way %v->%v", a.From, a.To)
	}
	return "start partition " + a.Shape.String()
}
func (StopPartition) String() string     { return "stop partition" }
func (a Kill) String() string            { return "kill " + a.Target.String() }
func (a Restart) String() string         { return "restart " + a.Target.String() }
func (a Pause) String() string           { return "pause " + a.Target.String() }
func (a Resume) String() string          { return "resume " + a.Target.String() }
func (a ClockSkew) String() string       { return fmt.Sprintf("clock skew %v %v", a.Target, a.Offset) }
func (a ClockJump) String() string       { return fmt.Sprintf("clock jump %v %v", a.Target, a.Delta) }
func (ClockReset) String() string        { return "clock reset" }
func (a DiskCrashMode) String() string   { return "disk crash-mode " + a.Mode.String() }
func (a DiskCorrupt) String() string     { return "disk corrupt " + a.Target.String() }
func (a DiskFsyncErrors) String() string { return "disk fsync-errors " + a.Target.String() }
func (a DiskSlow) String() string        { return fmt.Sprintf("disk slow %v %v", a.Target, a.Latency) }
func (DiskReset) String() string         { return "disk reset" }
func (a NetDegrade) String() string      { return "net degrade " + a.Faults.String() }
func (NetRestore) String() string        { return "net restore" }
func (Heal) String() string              { return "heal" }
func (a ClockStrobe) String() string {
	return fmt.Sprintf("clock strobe %v %v %v %v", a.Target, a.Low, a.High, a.Period)
}
func (a ClockRate) String() string { return fmt.Sprintf("clock rate %v %s", a.Target, fmtProb(a.Rate)) }

func (a StartPartition) check() error {
	switch a.Shape {
	case ShapeRandomHalves, ShapeIsolateLeader, ShapeMajorityRing, ShapeBridge:
		if a.Node != "" || a.From.Kind != 0 || a.To.Kind != 0 {
			return fmt.Errorf("partition %v takes no nodes", a.Shape)
		}
		return nil
	case ShapeIsolateNode:
		if a.From.Kind != 0 || a.To.Kind != 0 {
			return errors.New("isolate-node takes one node")
		}
		return checkNodeName(a.Node)
	case ShapeOneWay:
		if a.Node != "" || a.From.Kind == 0 || a.To.Kind == 0 {
			return errors.New("one-way needs FROM->TO")
		}
		if err := a.From.check(); err != nil {
			return err
		}
		return a.To.check()
	}
	return fmt.Errorf("unknown partition shape %d", a.Shape)
}

// checkStopTarget: a stop either closes everything of its kind or names nodes.
func checkStopTarget(t Target) error {
	if t.Kind != TargetAll && t.Kind != TargetNodes {
		return fmt.Errorf("target %v: a stop takes all or node names", t)
	}
	return t.check()
}

func checkPeriod(p time.Duration) error {
	if p <= 0 {
		return fmt.Errorf("strobe period %v must be positive", p)
	}
	return nil
}

func checkLatency(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("negative disk latency %v", d)
	}
	return nil
}

func (StopPartition) check() error     { return nil }
func (a Kill) check() error            { return a.Target.check() }
func (a Restart) check() error         { return checkStopTarget(a.Target) }
func (a Pause) check() error           { return a.Target.check() }
func (a Resume) check() error          { return checkStopTarget(a.Target) }
func (a ClockSkew) check() error       { return a.Target.check() }
func (a ClockJump) check() error       { return a.Target.check() }
func (ClockReset) check() error        { return nil }
func (a DiskCorrupt) check() error     { return a.Target.check() }
func (a DiskFsyncErrors) check() error { return a.Target.check() }
func (DiskReset) check() error         { return nil }
func (a NetDegrade) check() error      { return a.Faults.check() }
func (NetRestore) check() error        { return nil }
func (Heal) check() error              { return nil }
func (a ClockStrobe) check() error {
	if err := a.Target.check(); err != nil {
		return err
	}
	return checkPeriod(a.Period)
}
func (a ClockRate) check() error {
	if err := a.Target.check(); err != nil {
		return err
	}
	if !(a.Rate > 0) || a.Rate > MaxClockRate { // NaN fails the first test
		return fmt.Errorf("clock rate %v outside (0, %d]", a.Rate, MaxClockRate)
	}
	return nil
}
func (a DiskSlow) check() error {
	if err := a.Target.check(); err != nil {
		return err
	}
	return checkLatency(a.Latency)
}
func (a DiskCrashMode) check() error {
	if int(a.Mode) >= len(crashModeNames) {
		return fmt.Errorf("unknown crash mode %d", a.Mode)
	}
	return nil
}

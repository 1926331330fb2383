package simrun

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/server"
)

// Window faults aim crashes and pauses at protocol moments, the way
// FoundationDB's BUGGIFY widens what a run explores: faults planned at
// random times almost never land in the millisecond windows where Zab's
// real defects live (a follower has just ACKed NEWLEADER, a SNAP or DIFF
// is in flight, an epoch file was written but not synced, a snapshot is
// being written). A server reports each such step as a server.Moment note;
// with a scenario's window_faults on, the run draws from its seed a
// probability per moment kind (many kinds get none), a budget of faults,
// and for each fault its kind (a crash, in a drawn crash mode — or, once a
// run and only where a quorum may go down, every server at once: a power
// loss —, a pause, or
// — in runs whose planned nemesis leaves disks and clocks alone, so the
// two never undo each other — a slow disk, whose syncs then take 50 ms to
// 2 s, or a slow clock, running 2 to 50 times slow, the way a descheduled
// VM's does) and how long until the node is restored. The fault hits the
// node that reached the moment, right after the step (its writes issued,
// its messages sent, nothing more durable yet).
//
// Bounds: faults fall only in the fault phase and are all restored before
// the healed tail; in half the runs at most a minority of the voters is
// down or paused by them at once, in the other half any number (a quorum
// crash is what Zab's durability must survive); crashes and pauses are
// what Zab claims to survive. Every
// fault is a nemesis record ("window <moment>: ..."), so plots and the
// healed-phase checks see it. Simulation only: the live tier records
// window faults as unsupported.

// windowStream names the random stream window faults draw from.
const windowStream = "window-faults"

// windowFaults is one run's moment-aimed fault injector.
type windowFaults struct {
	r      *runner
	rng    *rand.Rand
	prob   map[server.MomentKind]float64
	budget int
	endNS  int64           // the healed phase starts here: no fault at or after it
	held   map[string]bool // nodes crashed or paused by a window fault, not yet restored
	limit  int             // how many nodes may be held at once
	// slowDisks and slowClocks allow those faults: only when the planned
	// nemesis has no disk or clock faults whose state they could undo.
	slowDisks, slowClocks bool
	lostPower             bool // the run's one power loss happened
}

// newWindowFaults draws a run's window-fault plan, or returns nil when the
// scenario has none.
func newWindowFaults(r *runner) *windowFaults {
	if !r.s.WindowFaults {
		return nil
	}
	rng := r.w.Rand(windowStream)
	wf := &windowFaults{r: r, rng: rng, prob: map[server.MomentKind]float64{}, held: map[string]bool{},
		endNS: int64(r.s.Duration.D() - r.s.HealedTail.D()), limit: max(1, (r.s.Servers-1)/2)}
	for _, k := range server.Moments() {
		if rng.IntN(10) < 4 {
			continue // this run leaves the moment alone
		}
		wf.prob[k] = []float64{0.01, 0.05, 0.2, 0.5, 1}[rng.IntN(5)]
	}
	wf.budget = 2 + rng.IntN(7)
	wf.slowDisks = !r.c.HasFaults(nemesis.KindDisk)
	wf.slowClocks = !r.c.HasFaults(nemesis.KindClock)
	if rng.IntN(2) == 0 {
		// Half the runs let the window faults take down a quorum, or every
		// node, at once: Zab must then recover every acknowledged write
		// from what the crashes left durable (ZOOKEEPER-3911's and -4646's
		// windows are a quorum crashing right after acking NEWLEADER).
		wf.limit = len(r.servers)
	}
	return wf
}

// moment is called (by the recorder) when a server reaches a protocol
// moment; the world change it makes is applied right after the current
// event.
func (wf *windowFaults) moment(m server.Moment) {
	p := wf.prob[m.Kind]
	if p == 0 || wf.budget == 0 {
		return
	}
	now := int64(wf.r.w.Now())
	if now >= wf.endNS || len(wf.held) >= wf.limit || wf.held[m.Node] || wf.r.host.paused[m.Node] || !wf.r.w.Running(m.Node) {
		return
	}
	if wf.rng.Float64() >= p {
		return
	}
	wf.budget--
	restoreAt := min(now+int64(50+wf.rng.Int64N(3000))*int64(time.Millisecond), wf.endNS)
	switch k := wf.rng.IntN(10); {
	case k < 2 && wf.limit == len(wf.r.servers) && !wf.lostPower:
		wf.powerLoss(m)
	case k < 6:
		mode := []nemesis.CrashMode{nemesis.CrashLoseUnsynced, nemesis.CrashLoseUnsynced, nemesis.CrashKeepPrefix, nemesis.CrashTearLast}[wf.rng.IntN(4)]
		wf.crash(m, mode, restoreAt)
	case k < 8 && wf.slowDisks:
		wf.slowDisk(m, time.Duration(50+wf.rng.Int64N(1950))*time.Millisecond, restoreAt)
	case k < 9 && wf.slowClocks:
		wf.slowClock(m, []float64{0.5, 0.2, 0.1, 0.02}[wf.rng.IntN(4)], restoreAt)
	default:
		wf.pause(m, restoreAt)
	}
}

// powerLoss crashes every running server at once (a rack losing power right
// after the moment), each losing what its disk had not synced, and brings
// each back after a delay of its own, so a subset restarts and elects
// first: what ZOOKEEPER-3911's and -4646's reports describe ("a quorum
// crash follows"). At most once a run, and only in runs that let window
// faults take down a quorum.
func (wf *windowFaults) powerLoss(m server.Moment) {
	r := wf.r
	wf.lostPower = true
	mode := []nemesis.CrashMode{nemesis.CrashLoseUnsynced, nemesis.CrashKeepPrefix, nemesis.CrashTearLast}[wf.rng.IntN(3)]
	now := int64(r.w.Now())
	for _, n := range r.servers {
		if wf.held[n] || !r.w.Running(n) {
			continue
		}
		restoreAt := min(now+int64(50+wf.rng.Int64N(3000))*int64(time.Millisecond), wf.endNS)
		wf.crash(server.Moment{Node: n, Kind: m.Kind}, mode, restoreAt)
	}
}

// slowDisk makes the node's syncs slow until restoreAt: what it wrote at
// the moment stays undurable longer, so a later crash loses more.
func (wf *windowFaults) slowDisk(m server.Moment, latency time.Duration, restoreAt int64) {
	r := wf.r
	if err := r.host.DiskFault(m.Node, nemesis.DiskFault{SyncLatency: latency}); err != nil {
		return
	}
	wf.held[m.Node] = true
	wf.record("disk slow", m, fmt.Sprintf("disk slow %s %v", m.Node, latency))
	_ = r.w.Schedule(time.Duration(restoreAt), func() {
		delete(wf.held, m.Node)
		if err := r.host.DiskFault(m.Node, nemesis.DiskFault{}); err == nil {
			wf.record("disk heal", m, "disk heal "+m.Node)
		}
	})
}

// slowClock makes the node's clock (and its timers) run slow until
// restoreAt: its deadlines — syncLimit, session expiry, election — come
// late, as for a descheduled VM.
func (wf *windowFaults) slowClock(m server.Moment, rate float64, restoreAt int64) {
	r := wf.r
	if err := r.host.ClockRate(m.Node, rate); err != nil {
		return
	}
	wf.held[m.Node] = true
	wf.record("clock rate", m, fmt.Sprintf("clock rate %s %g", m.Node, rate))
	_ = r.w.Schedule(time.Duration(restoreAt), func() {
		delete(wf.held, m.Node)
		if err := r.host.ClockRate(m.Node, 1); err == nil {
			wf.record("clock reset", m, "clock rate "+m.Node+" 1")
		}
	})
}

func (wf *windowFaults) crash(m server.Moment, mode nemesis.CrashMode, restoreAt int64) {
	r := wf.r
	if err := r.host.Kill(m.Node, mode); err != nil {
		return
	}
	wf.held[m.Node] = true
	wf.record("kill", m, fmt.Sprintf("kill %s %s", m.Node, mode))
	_ = r.w.Schedule(time.Duration(restoreAt), func() {
		delete(wf.held, m.Node)
		if r.w.Running(m.Node) {
			return // the planned nemesis or the supervisor brought it back
		}
		if err := r.w.Restart(m.Node); err == nil {
			wf.record("restart", m, "restart "+m.Node)
		}
	})
}

func (wf *windowFaults) pause(m server.Moment, restoreAt int64) {
	r := wf.r
	if err := r.host.Pause(m.Node); err != nil {
		return
	}
	wf.held[m.Node] = true
	wf.record("pause", m, "pause "+m.Node)
	_ = r.w.Schedule(time.Duration(restoreAt), func() {
		delete(wf.held, m.Node)
		if !r.host.paused[m.Node] {
			return
		}
		if err := r.host.Resume(m.Node); err == nil {
			wf.record("resume", m, "resume "+m.Node)
		}
	})
}

// record adds the fault to the history as a nemesis record.
func (wf *windowFaults) record(f string, m server.Moment, what string) {
	v, _ := history.EncodeValue(history.NemesisValue{Nodes: []string{m.Node}, Detail: fmt.Sprintf("window %s: %s", m.Kind, what)})
	wf.r.rec.ops.add(history.Op{Time: int64(wf.r.w.Now()), Process: history.NemesisProcess, Type: history.Info, F: f, Value: v})
	wf.r.logs.intervention(wf.r.w.Now(), m.Node, fmt.Sprintf("fault: window %s: %s", m.Kind, what))
}

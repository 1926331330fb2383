package simrun

import (
	"fmt"
	"sort"
	"time"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/sim"
)

// simHost applies nemesis steps to a simulated world. Partitions cut links
// between server nodes only: clients keep reaching every server, as Jepsen's
// control node does, so a client of an isolated server sees what it serves.
type simHost struct {
	w        *sim.World
	servers  []string
	voters   int // servers[:voters] vote; the rest observe
	leader   func() (string, bool)
	offsets  map[string]time.Duration
	strobeID map[string]int
	cuts     []nemesis.Link
	baseLink sim.LinkOptions
	paused   map[string]bool
	// operator applies membership changes (nil: the ensemble runs without
	// reconfig); config is the latest committed config; record adds a
	// record to the history.
	operator *operator
	config   func() server.ConfigActivated
	record   func(history.Op)
}

func newSimHost(w *sim.World, servers []string, voters int, leader func() (string, bool), base sim.LinkOptions) *simHost {
	return &simHost{w: w, servers: servers, voters: voters, leader: leader, offsets: map[string]time.Duration{}, strobeID: map[string]int{},
		baseLink: base, paused: map[string]bool{}}
}

// Voters are the voting servers (the first ones; observers follow).
func (h *simHost) Voters() []string { return append([]string(nil), h.servers[:h.voters]...) }

func (h *simHost) Nodes() []string        { return append([]string(nil), h.servers...) }
func (h *simHost) Leader() (string, bool) { return h.leader() }

// Kill crashes node. A node already down — the supervisor left a corrupt
// member down — is killed already (SIGKILL to an exited process): the
// nemesis counts it killed, and its next restart brings it back.
func (h *simHost) Kill(node string, mode nemesis.CrashMode) error {
	if !h.w.Running(node) {
		return nil
	}
	delete(h.paused, node) // a crashed process is no longer stopped: its restart runs
	return h.w.Crash(node, simCrashMode(mode))
}

func simCrashMode(m nemesis.CrashMode) sim.CrashMode {
	switch m {
	case nemesis.CrashKeepPrefix:
		return sim.CrashKeepPrefix
	case nemesis.CrashTearLast:
		return sim.CrashTearLastWrite
	}
	return sim.CrashLoseUnsynced
}

// Restart starts a crashed node again. A node already up — a window fault
// or the supervisor restarted it first — is left as it is.
func (h *simHost) Restart(node string) error {
	if h.w.Running(node) {
		return nil
	}
	return h.w.Restart(node)
}

// Pause stops node; a node already paused (by a window fault) stays so,
// and one that is down (crashed by a window fault, or left down by the
// supervisor) has no process to stop.
func (h *simHost) Pause(node string) error {
	if h.paused[node] || !h.w.Running(node) {
		return nil
	}
	if err := h.w.Pause(node); err != nil {
		return err
	}
	h.paused[node] = true
	return nil
}

// Resume continues node; a node not paused is left as it is.
func (h *simHost) Resume(node string) error {
	if !h.paused[node] {
		return nil
	}
	delete(h.paused, node)
	return h.w.Resume(node)
}

// Partition replaces the cut set: heal the previous cuts, cut the new ones.
func (h *simHost) Partition(cuts []nemesis.Link) error {
	for _, c := range h.cuts {
		if err := h.w.HealLink(c.From, c.To); err != nil {
			return err
		}
	}
	h.cuts = append([]nemesis.Link(nil), cuts...)
	for _, c := range cuts {
		if err := h.w.Cut(c.From, c.To); err != nil {
			return err
		}
	}
	return nil
}

// ClockSkew moves the node's clock to offset from true time; the simulator
// offers jumps, so skew is the jump from the current offset.
func (h *simHost) ClockSkew(node string, offset time.Duration) error {
	h.strobeID[node]++ // ends any strobe
	return h.setOffset(node, offset)
}

func (h *simHost) setOffset(node string, offset time.Duration) error {
	if err := h.w.JumpClock(node, offset-h.offsets[node]); err != nil {
		return err
	}
	h.offsets[node] = offset
	return nil
}

func (h *simHost) ClockJump(node string, delta time.Duration) error {
	if err := h.w.JumpClock(node, delta); err != nil {
		return err
	}
	h.offsets[node] += delta
	return nil
}

// ClockStrobe flips between low and high every period until the next skew.
func (h *simHost) ClockStrobe(node string, low, high, period time.Duration) error {
	if period <= 0 {
		return fmt.Errorf("strobe period %v must be positive", period)
	}
	h.strobeID[node]++
	id := h.strobeID[node]
	var flip func(high bool)
	flip = func(toHigh bool) {
		if h.strobeID[node] != id {
			return
		}
		off := low
		if toHigh {
			off = high
		}
		_ = h.setOffset(node, off)
		_ = h.w.After(period, func() { flip(!toHigh) })
	}
	flip(true)
	return nil
}

// ClockRate makes the node's clocks and timers run at rate times true
// speed (sim.World.SetClockRate).
func (h *simHost) ClockRate(node string, rate float64) error {
	return h.w.SetClockRate(node, rate)
}

func (h *simHost) DiskFault(node string, f nemesis.DiskFault) error {
	d, err := h.w.Disk(node)
	if err != nil {
		return err
	}
	if f.FsyncErrors {
		d.FailNextSyncs(1 << 30)
	} else {
		d.FailNextSyncs(0)
	}
	return d.SetExtraSyncLatency(f.SyncLatency)
}

// CorruptRecord flips bytes inside one of the node's txn log files.
func (h *simHost) CorruptRecord(node string, pick uint64) error {
	d, err := h.w.Disk(node)
	if err != nil {
		return err
	}
	names, err := d.List()
	if err != nil {
		return err
	}
	var logs []string
	for _, n := range names {
		if len(n) > 4 && n[:4] == "log." {
			logs = append(logs, n)
		}
	}
	sort.Strings(logs)
	if len(logs) == 0 {
		return nil // nothing durable yet: nothing to corrupt
	}
	name := logs[pick%uint64(len(logs))]
	data, err := d.Durable(name)
	if err != nil || len(data) <= 16 {
		return err
	}
	off := 16 + int64(pick>>8)%int64(len(data)-16)
	return d.Corrupt(name, off, 1)
}

func (h *simHost) Degrade(f nemesis.LinkFaults) error {
	o := h.baseLink
	if f.Latency > 0 || f.Jitter > 0 {
		lo := o.Latency.Min + f.Latency
		o.Latency = sim.UniformLatency(lo, lo+f.Jitter)
	}
	o.LossProb, o.DupProb, o.ReorderProb = f.LossProb, f.DupProb, f.ReorderProb
	if f.ReorderProb > 0 {
		o.ReorderDelay = sim.UniformLatency(time.Millisecond, 10*time.Millisecond)
	}
	return h.w.SetAllLinks(o)
}

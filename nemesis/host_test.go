package nemesis

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// fakeHost models a cluster's fault state and logs every call. It rejects
// calls a correct executor never makes (killing a dead node, restarting a
// running one), so tests catch them.
type fakeHost struct {
	nodes     []string
	leader    string // "" means no leader
	calls     []string
	killed    map[string]CrashMode
	paused    map[string]bool
	cuts      []Link
	offsets   map[string]time.Duration
	strobing  map[string]bool
	rates     map[string]float64
	disks     map[string]DiskFault
	corrupted map[string]int
	links     LinkFaults
}

func newFakeHost(nodes ...string) *fakeHost {
	return &fakeHost{
		nodes: nodes, killed: map[string]CrashMode{}, paused: map[string]bool{},
		offsets: map[string]time.Duration{}, strobing: map[string]bool{}, rates: map[string]float64{},
		disks: map[string]DiskFault{}, corrupted: map[string]int{},
	}
}

func nodeNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("s%d", i+1)
	}
	return out
}

func (h *fakeHost) logf(format string, args ...any) {
	h.calls = append(h.calls, fmt.Sprintf(format, args...))
}

func (h *fakeHost) known(n string) error {
	if !slices.Contains(h.nodes, n) {
		return fmt.Errorf("fake: unknown node %q", n)
	}
	return nil
}

func (h *fakeHost) Nodes() []string        { return slices.Clone(h.nodes) }
func (h *fakeHost) Leader() (string, bool) { return h.leader, h.leader != "" }

func (h *fakeHost) Kill(n string, m CrashMode) error {
	h.logf("kill %s %v", n, m)
	if _, dead := h.killed[n]; dead {
		return fmt.Errorf("fake: kill of dead node %s", n)
	}
	h.killed[n] = m
	delete(h.paused, n)
	return h.known(n)
}

func (h *fakeHost) Restart(n string) error {
	h.logf("restart %s", n)
	if _, dead := h.killed[n]; !dead {
		return fmt.Errorf("fake: restart of running node %s", n)
	}
	delete(h.killed, n)
	return nil
}

func (h *fakeHost) Pause(n string) error {
	h.logf("pause %s", n)
	if _, dead := h.killed[n]; dead || h.paused[n] {
		return fmt.Errorf("fake: pause of dead or paused node %s", n)
	}
	h.paused[n] = true
	return h.known(n)
}

func (h *fakeHost) Resume(n string) error {
	h.logf("resume %s", n)
	if !h.paused[n] {
		return fmt.Errorf("fake: resume of running node %s", n)
	}
	delete(h.paused, n)
	return nil
}

func (h *fakeHost) Partition(cuts []Link) error {
	h.logf("partition %v", cuts)
	h.cuts = slices.Clone(cuts)
	return nil
}

func (h *fakeHost) ClockSkew(n string, d time.Duration) error {
	h.logf("skew %s %v", n, d)
	h.offsets[n] = d
	delete(h.strobing, n)
	return h.known(n)
}

func (h *fakeHost) ClockJump(n string, d time.Duration) error {
	h.logf("jump %s %v", n, d)
	h.offsets[n] += d
	return h.known(n)
}

func (h *fakeHost) ClockStrobe(n string, lo, hi, period time.Duration) error {
	h.logf("strobe %s %v %v %v", n, lo, hi, period)
	h.strobing[n] = true
	return h.known(n)
}

func (h *fakeHost) ClockRate(n string, rate float64) error {
	h.logf("rate %s %v", n, rate)
	h.rates[n] = rate
	return h.known(n)
}

func (h *fakeHost) DiskFault(n string, f DiskFault) error {
	h.logf("disk %s %+v", n, f)
	h.disks[n] = f
	return h.known(n)
}

func (h *fakeHost) CorruptRecord(n string, pick uint64) error {
	h.logf("corrupt %s %d", n, pick)
	h.corrupted[n]++
	return h.known(n)
}

func (h *fakeHost) Degrade(f LinkFaults) error {
	h.logf("degrade %v", f)
	h.links = f
	return nil
}

func (h *fakeHost) Member(c MemberChange) error {
	h.logf("member %v", c)
	if err := h.known(c.Node); err != nil {
		return err
	}
	if c.With != "" {
		return h.known(c.With)
	}
	return nil
}

// healthy reports what, if anything, is still faulty.
func (h *fakeHost) healthy() error {
	var bad []string
	if len(h.killed) > 0 {
		bad = append(bad, fmt.Sprintf("killed %v", slices.Sorted(maps.Keys(h.killed))))
	}
	if len(h.paused) > 0 {
		bad = append(bad, fmt.Sprintf("paused %v", slices.Sorted(maps.Keys(h.paused))))
	}
	if len(h.cuts) > 0 {
		bad = append(bad, fmt.Sprintf("cuts %v", h.cuts))
	}
	for _, n := range slices.Sorted(maps.Keys(h.offsets)) {
		if h.offsets[n] != 0 || h.strobing[n] {
			bad = append(bad, fmt.Sprintf("clock %s off by %v", n, h.offsets[n]))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(h.rates)) {
		if h.rates[n] != 1 {
			bad = append(bad, fmt.Sprintf("clock %s at rate %v", n, h.rates[n]))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(h.disks)) {
		if h.disks[n] != (DiskFault{}) {
			bad = append(bad, fmt.Sprintf("disk %s %+v", n, h.disks[n]))
		}
	}
	if h.links != (LinkFaults{}) {
		bad = append(bad, fmt.Sprintf("links %v", h.links))
	}
	if len(bad) > 0 {
		return fmt.Errorf("not healed: %s", strings.Join(bad, "; "))
	}
	return nil
}

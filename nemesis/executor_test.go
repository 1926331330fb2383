package nemesis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, text string) Schedule {
	t.Helper()
	s, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runAll applies every step of s to h, in time order, and returns the events.
func runAll(t *testing.T, s Schedule, h Host, seed uint64) []Event {
	t.Helper()
	x, err := NewExecutor(s, rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for {
		at, ok := x.NextAt()
		if !ok {
			return evs
		}
		got, err := x.Step(h, at)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, got...)
	}
}

func TestDueHandsOutEachStepOnce(t *testing.T) {
	s := mustParse(t, "1s kill one\n1s disk corrupt one\n3s restart all\n")
	x, err := NewExecutor(s, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Due(999 * time.Millisecond); len(got) != 0 {
		t.Fatalf("Due(999ms) = %v", got)
	}
	if got := x.Due(2 * time.Second); !reflect.DeepEqual(got, s.Steps[:2]) {
		t.Fatalf("Due(2s) = %v", got)
	}
	if got := x.Due(2 * time.Second); len(got) != 0 {
		t.Fatalf("second Due(2s) = %v", got)
	}
	if at, ok := x.NextAt(); !ok || at != 3*time.Second {
		t.Fatalf("NextAt = %v %v", at, ok)
	}
	if got := x.Due(time.Hour); len(got) != 1 || !x.Done() {
		t.Fatalf("Due(1h) = %v, done %v", got, x.Done())
	}
}

func TestKillUsesCrashModeAndRestartAllRestartsThem(t *testing.T) {
	h := newFakeHost(nodeNames(5)...)
	h.leader = "s4"
	s := mustParse(t, `
1s disk crash-mode tear-last
2s kill leader
3s kill minority
4s restart all
5s disk reset
6s kill s1
7s restart s1`)
	evs := runAll(t, s, h, 7)
	var kills []string
	for _, c := range h.calls {
		if strings.HasPrefix(c, "kill") {
			kills = append(kills, c)
		}
	}
	if len(kills) != 4 || kills[0] != "kill s4 tear-last" || kills[3] != "kill s1 lose-unsynced" {
		t.Fatalf("kills %v", kills)
	}
	minority := evs[2].Targets
	if len(minority) != 2 || slices.Contains(minority, "s4") {
		t.Fatalf("kill minority of 5 with s4 dead picked %v", minority)
	}
	if want := sortedSet(append([]string{"s4"}, minority...)); !reflect.DeepEqual(evs[3].Targets, want) {
		t.Fatalf("restart all restarted %v, want %v", evs[3].Targets, want)
	}
	if err := h.healthy(); err != nil {
		t.Fatal(err)
	}
	if !evs[1].Start || evs[3].Start || evs[3].Kind != KindKill || evs[3].Action != "restart all" {
		t.Fatalf("event shape wrong: %+v / %+v", evs[1], evs[3])
	}
}

func TestLeaderTargetWithoutLeaderIsNoted(t *testing.T) {
	h := newFakeHost(nodeNames(3)...)
	evs := runAll(t, mustParse(t, "1s pause leader\n2s resume all"), h, 1)
	if len(h.calls) != 0 || evs[0].Note != "no leader" || evs[1].Note != "no target" {
		t.Fatalf("calls %v events %+v", h.calls, evs)
	}
}

func TestPauseSkipsDeadNodesAndHealResumes(t *testing.T) {
	h := newFakeHost(nodeNames(3)...)
	evs := runAll(t, mustParse(t, "1s kill s1,s2\n2s pause all\n3s heal"), h, 1)
	if !reflect.DeepEqual(evs[1].Targets, []string{"s3"}) {
		t.Fatalf("pause all with s1,s2 dead paused %v", evs[1].Targets)
	}
	if !reflect.DeepEqual(evs[2].Targets, []string{"s1", "s2", "s3"}) || evs[2].Start {
		t.Fatalf("heal event %+v", evs[2])
	}
	if err := h.healthy(); err != nil {
		t.Fatal(err)
	}
}

// A clock rate is undone by clock reset (and by heal), and a schedule
// without one never touches rates.
func TestClockRateResetAndHeal(t *testing.T) {
	h := newFakeHost(nodeNames(3)...)
	h.leader = "s2"
	x, err := NewExecutor(mustParse(t, "1s clock rate leader 0.1\n2s clock reset\n3s clock rate s1,s3 4\n4s heal"), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Step(h, time.Second); err != nil {
		t.Fatal(err)
	}
	if h.rates["s2"] != 0.1 || len(h.rates) != 1 {
		t.Fatalf("rates after clock rate leader: %v", h.rates)
	}
	if _, err := x.Step(h, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := h.healthy(); err != nil {
		t.Fatalf("after clock reset: %v", err)
	}
	if _, err := x.Step(h, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if h.rates["s1"] != 4 || h.rates["s3"] != 4 {
		t.Fatalf("rates %v", h.rates)
	}
	if _, err := x.Step(h, 4*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := h.healthy(); err != nil {
		t.Fatalf("after heal: %v", err)
	}

	h2 := newFakeHost(nodeNames(3)...)
	x2, err := NewExecutor(mustParse(t, "1s clock skew s1 1s\n2s clock reset"), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x2.Step(h2, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(h2.rates) != 0 {
		t.Fatalf("a schedule without clock rate set rates %v", h2.rates)
	}
}

func TestClockDiskAndNetFaultsAndHeal(t *testing.T) {
	h := newFakeHost(nodeNames(3)...)
	h.leader = "s1"
	s := mustParse(t, `
1s clock skew s2 -300ms
1s clock jump s3 5s
1s clock strobe leader -1s 1s 200ms
2s disk fsync-errors s2
2s disk slow s2 20ms
2s disk corrupt all
3s net degrade latency=50ms loss=0.1
3s start partition bridge
3s start partition isolate-node s3`)
	x, err := NewExecutor(s, rand.New(rand.NewPCG(3, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Step(h, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if h.offsets["s2"] != -300*time.Millisecond || h.offsets["s3"] != 5*time.Second || !h.strobing["s1"] {
		t.Fatalf("clocks %v strobing %v", h.offsets, h.strobing)
	}
	if want := (DiskFault{FsyncErrors: true, SyncLatency: 20 * time.Millisecond}); h.disks["s2"] != want {
		t.Fatalf("disk s2 = %+v, want %+v (faults compose per node)", h.disks["s2"], want)
	}
	if len(h.corrupted) != 3 || h.links.LossProb != 0.1 {
		t.Fatalf("corrupted %v links %v", h.corrupted, h.links)
	}
	// Two open partitions: the host sees the union of their cuts.
	for _, l := range IsolateCuts("s3", h.nodes) {
		if !slices.Contains(h.cuts, l) {
			t.Fatalf("union of cuts %v lacks %v", h.cuts, l)
		}
	}
	if _, err := x.Apply(h, time.Hour, Step{At: time.Hour, Action: Heal{}}); err != nil {
		t.Fatal(err)
	}
	if err := h.healthy(); err != nil {
		t.Fatal(err)
	}
}

func TestExecutorIsDeterministic(t *testing.T) {
	s := mustParse(t, `
1s start partition random-halves
1s kill one
2s stop partition
2s start partition majority-ring
3s disk corrupt minority
4s heal`)
	run := func(seed uint64) []string {
		h := newFakeHost(nodeNames(5)...)
		runAll(t, s, h, seed)
		return h.calls
	}
	a, b := run(42), run(42)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different calls:\n%v\n%v", a, b)
	}
	differs := false
	for seed := uint64(0); seed < 10 && !differs; seed++ {
		differs = !reflect.DeepEqual(run(seed), a)
	}
	if !differs {
		t.Fatal("ten seeds all gave the same random choices")
	}
}

func TestApplyReportsHostErrorsAndUnknownNodes(t *testing.T) {
	h := newFakeHost(nodeNames(3)...)
	x, err := NewExecutor(mustParse(t, "1s kill s9"), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Step(h, time.Second); err == nil || !strings.Contains(err.Error(), `"s9"`) {
		t.Fatalf("kill of unknown node: err %v", err)
	}
	if _, err := x.Apply(h, time.Second, Step{At: time.Second}); err == nil {
		t.Fatal("Apply accepted a step without an action")
	}
	if _, err := x.Apply(h, time.Second, Step{Action: Kill{}}); err == nil {
		t.Fatal("Apply accepted a kill without a target")
	}
	if _, err := NewExecutor(Schedule{Steps: []Step{{At: -1, Action: Heal{}}}}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Fatal("NewExecutor accepted a negative time")
	}
}

func TestNotesOnlyWhenATargetResolvesToNothing(t *testing.T) {
	h := newFakeHost(nodeNames(3)...)
	evs := runAll(t, mustParse(t, "1s start partition bridge\n2s stop partition\n3s kill s1\n4s kill s1\n5s heal"), h, 1)
	notes := []string{}
	for _, ev := range evs {
		notes = append(notes, ev.Note)
	}
	if want := []string{"", "", "", "no target", ""}; !reflect.DeepEqual(notes, want) {
		t.Fatalf("notes %q, want %q", notes, want)
	}
}

func BenchmarkPlanAndParse(b *testing.B) {
	o := planOpts(5)
	o.Duration = time.Hour
	for i := range b.N {
		s, err := Plan(rand.New(rand.NewPCG(uint64(i), 0)), o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(s.String()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExecutorHour(b *testing.B) {
	o := planOpts(5)
	o.Duration = time.Hour
	s, err := Plan(rand.New(rand.NewPCG(1, 0)), o)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(s.Steps)), "steps/op")
	for i := range b.N {
		h := newFakeHost(nodeNames(5)...)
		h.leader = "s1"
		x, err := NewExecutor(s, rand.New(rand.NewPCG(uint64(i), 0)))
		if err != nil {
			b.Fatal(err)
		}
		for at, ok := x.NextAt(); ok; at, ok = x.NextAt() {
			if _, err := x.Step(h, at); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Symbolic corruption targets never damage more than a minority of nodes'
// disks in one run; named targets are honoured as given.
func TestCorruptionStaysWithinMinority(t *testing.T) {
	var text strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&text, "%ds disk corrupt one\n", i)
	}
	sched, err := Parse(text.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 5} {
		var nodes []string
		for i := 1; i <= n; i++ {
			nodes = append(nodes, fmt.Sprintf("s%d", i))
		}
		for seed := uint64(1); seed <= 20; seed++ {
			h := newFakeHost(nodes...)
			x, err := NewExecutor(sched, rand.New(rand.NewPCG(seed, 0)))
			if err != nil {
				t.Fatal(err)
			}
			for !x.Done() {
				at, _ := x.NextAt()
				if _, err := x.Step(h, at); err != nil {
					t.Fatal(err)
				}
			}
			if len(h.corrupted) > (n-1)/2 {
				t.Fatalf("%d nodes, seed %d: corrupted %v, more than a minority", n, seed, h.corrupted)
			}
		}
	}
	// With observers the bound counts voters: 3 voters and 2 observers
	// never get more than one corrupt voter (two of five nodes would be a
	// majority of the voters).
	observersHit := false
	for seed := uint64(1); seed <= 20; seed++ {
		h := &voterHost{fakeHost: newFakeHost("s1", "s2", "s3", "s4", "s5"), voters: []string{"s1", "s2", "s3"}}
		runAll(t, sched, h, seed)
		voters := 0
		for n := range h.corrupted {
			if n <= "s3" {
				voters++
			} else {
				observersHit = true
			}
		}
		if voters > 1 {
			t.Fatalf("3 voters + 2 observers, seed %d: corrupted %v, a majority of the voters", seed, h.corrupted)
		}
	}
	if !observersHit {
		t.Fatal("observers were never corrupted: the voter bound is not what limited the voters")
	}
	named, err := Parse("1s disk corrupt s1,s2\n")
	if err != nil {
		t.Fatal(err)
	}
	h := newFakeHost("s1", "s2", "s3")
	x, _ := NewExecutor(named, rand.New(rand.NewPCG(1, 0)))
	if _, err := x.Step(h, time.Second); err != nil {
		t.Fatal(err)
	}
	if len(h.corrupted) != 2 {
		t.Fatalf("named targets not honoured: %v", h.corrupted)
	}
}

// voterHost is a fakeHost whose ensemble has observers.
type voterHost struct {
	*fakeHost
	voters []string
}

func (h *voterHost) Voters() []string { return h.voters }

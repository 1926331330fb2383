package sim

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chaosRun runs a 4-node traffic world with a fixed schedule of every fault
// kind and returns its trace hash and event count.
func chaosRun(t testing.TB, seed uint64) (string, uint64) {
	t.Helper()
	opts := DefaultOptions()
	opts.Link.Latency = ExponentialLatency(100*time.Microsecond, time.Millisecond, 30*time.Millisecond)
	opts.Link.LossProb, opts.Link.DupProb, opts.Link.ReorderProb = 0.05, 0.05, 0.1
	w := mustWorld(t, seed, opts)
	tn, err := newTrafficNet(w, []string{"a", "b", "c", "d"}, 5*time.Millisecond)
	must(t, err)
	plan := []struct {
		atMS int
		f    func() error
	}{
		{50, func() error { return tn.partition([][]string{{"a", "b"}, {"c", "d"}}) }},
		{120, w.Heal},
		{150, func() error { return w.Crash("c", CrashTearLastWrite) }},
		{180, func() error { return w.Restart("c") }},
		{200, func() error { return w.Pause("d") }},
		{260, func() error { return w.Resume("d") }},
		{300, func() error { return w.JumpClock("a", 40*time.Millisecond) }},
		{310, func() error { return w.SetClockRate("b", 1.01) }},
		{320, func() error { return w.Spike("a", "b", 20*time.Millisecond, 50*time.Millisecond) }},
		{400, func() error { return tn.cut(0, 3) }},
		{500, w.Heal},
	}
	for _, p := range plan {
		must(t, w.Schedule(time.Duration(p.atMS)*time.Millisecond, func() { must(t, p.f()) }))
	}
	must(t, w.RunUntil(time.Second))
	if len(tn.violations) > 0 {
		t.Fatalf("violations: %v", tn.violations)
	}
	return w.TraceHash(), w.Executed()
}

func TestSameSeedSameTrace(t *testing.T) {
	h1, n1 := chaosRun(t, 42)
	h2, n2 := chaosRun(t, 42)
	if h1 != h2 || n1 != n2 {
		t.Fatalf("seed 42 ran twice: %s (%d events) vs %s (%d events)", h1, n1, h2, n2)
	}
	if n1 < 1000 {
		t.Fatalf("only %d events: the run is too small to mean anything", n1)
	}
	if len(h1) != 16 {
		t.Fatalf("trace hash %q is not 16 hex digits", h1)
	}
}

func TestDifferentSeedsDiverge(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= 4; seed++ {
		h, _ := chaosRun(t, seed)
		if prev, dup := seen[h]; dup {
			t.Fatalf("seeds %d and %d share trace hash %s", prev, seed, h)
		}
		seen[h] = seed
	}
}

func TestTraceIndependentOfGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	h1, _ := chaosRun(t, 7)
	runtime.GOMAXPROCS(2)
	h2, _ := chaosRun(t, 7)
	if h1 != h2 {
		t.Fatalf("GOMAXPROCS 1 gave %s, 2 gave %s", h1, h2)
	}
}

// TestTraceSameInSubprocess re-runs this test binary in a child process
// (a fresh runtime: different addresses, map seeds, GOMAXPROCS) and compares
// the trace hash it prints.
func TestTraceSameInSubprocess(t *testing.T) {
	if os.Getenv("ZABSIM_SIM_CHILD") == "1" {
		h, _ := chaosRun(t, 9)
		os.Stdout.WriteString("TRACE=" + h + "\n")
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("no test binary path: %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^TestTraceSameInSubprocess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ZABSIM_SIM_CHILD=1", "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, after, ok := strings.Cut(string(out), "TRACE=")
	if !ok {
		t.Fatalf("child printed no trace:\n%s", out)
	}
	child := strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	mine, _ := chaosRun(t, 9)
	if child != mine {
		t.Fatalf("child trace %s, parent %s (GOMAXPROCS here %s)", child, mine, strconv.Itoa(runtime.GOMAXPROCS(0)))
	}
}

// TestLoggingDoesNotChangeTrace: a log sink and observers are side effects
// only.
func TestLoggingDoesNotChangeTrace(t *testing.T) {
	run := func(withLog bool) string {
		opts := DefaultOptions()
		var sb strings.Builder
		if withLog {
			opts.Log = &sb
			opts.Observers = []Observer{ObserverFunc(func(*Record) {})}
		}
		w := mustWorld(t, 3, opts)
		ps := procs{}
		must(t, w.AddNode("s", ps.factory("s", func(p *scripted) {
			listenOn("s:1")(p)
			p.env.Logf("listening on %s", "s:1")
		}, echo), NodeOptions{}))
		must(t, w.AddNode("c", ps.factory("c", func(p *scripted) { p.env.Dial("s:1") }, nil), NodeOptions{}))
		must(t, w.Start("s"))
		must(t, w.Start("c"))
		must(t, w.RunFor(time.Second))
		if withLog && !strings.Contains(sb.String(), "s: listening on s:1") {
			t.Fatalf("log sink got %q", sb.String())
		}
		return w.TraceHash()
	}
	if a, b := run(false), run(true); a != b {
		t.Fatalf("logging changed the trace: %s vs %s", a, b)
	}
}

func TestStreamsIndependentOfOrder(t *testing.T) {
	w := mustWorld(t, 5, Options{})
	a1 := w.Rand("a").Uint64()
	_ = w.Rand("b").Uint64()
	a2 := w.Rand("a").Uint64()
	if a1 != a2 {
		t.Fatal("stream a depends on whether b was used")
	}
	if w.Rand("b").Uint64() == a1 {
		t.Fatal("streams a and b coincide")
	}
}

package checker

import (
	"fmt"
	"sort"
	"time"

	"github.com/zabsim/zabsim/history"
)

// StatsOptions configures the Stats checker.
type StatsOptions struct {
	// Window is the availability window (default 1s).
	Window time.Duration
	_      struct{}
}

// FStats summarises one f.
type FStats struct {
	OK, Fail, Info int
	// Latency quantiles of ok and fail completions, ns (info ops have no
	// latency: they never answered).
	P50NS, P95NS, P99NS, MaxNS int64
}

// Window is one availability bucket: ops invoked in [StartNS, StartNS+Window).
// Windows in which nothing was invoked are left out.
type Window struct {
	StartNS int64
	OK      int
	Total   int
}

// Availability is the share of ok ops in the window (1 when empty).
func (w Window) Availability() float64 {
	if w.Total == 0 {
		return 1
	}
	return float64(w.OK) / float64(w.Total)
}

// Summary is the Stats checker's data, for reports and plots.
type Summary struct {
	PerF    map[string]FStats
	Windows []Window
	// Notifications counts watch events clients recorded (f "notify").
	Notifications int
}

// Summarize computes per-f counts and latency quantiles, and availability per
// window of invocation time, over client requests (watch notifications are
// counted apart: they have no latency and no availability meaning).
func Summarize(ops []history.Op, opts StatsOptions) Summary {
	window := int64(opts.Window)
	if window <= 0 {
		window = int64(time.Second)
	}
	latencies := map[string][]int64{}
	per := map[string]FStats{}
	windows := map[int64]*Window{}
	for _, p := range history.RequestPairs(ops) {
		f := p.Invoke.F
		s := per[f]
		switch p.Type() {
		case history.OK:
			s.OK++
		case history.Fail:
			s.Fail++
		default:
			s.Info++
		}
		if p.Type() != history.Info {
			latencies[f] = append(latencies[f], p.Complete.Time-p.Invoke.Time)
		}
		per[f] = s
		countWindow(windows, p, window)
	}
	for f, ls := range latencies {
		sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
		s := per[f]
		s.P50NS, s.P95NS, s.P99NS, s.MaxNS = Quantile(ls, 0.5), Quantile(ls, 0.95), Quantile(ls, 0.99), ls[len(ls)-1]
		per[f] = s
	}
	notifications := 0
	for _, op := range ops {
		if op.IsNotification() && op.IsCompletion() {
			notifications++
		}
	}
	return Summary{PerF: per, Windows: sortedWindows(windows), Notifications: notifications}
}

// countWindow keeps only windows that saw an invocation, so memory is bounded
// by the number of ops whatever the time range.
func countWindow(windows map[int64]*Window, p history.Pair, window int64) {
	start := p.Invoke.Time - p.Invoke.Time%window
	w := windows[start]
	if w == nil {
		w = &Window{StartNS: start}
		windows[start] = w
	}
	w.Total++
	if p.Type() == history.OK {
		w.OK++
	}
}

func sortedWindows(m map[int64]*Window) []Window {
	out := make([]Window, 0, len(m))
	for _, w := range m {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartNS < out[j].StartNS })
	return out
}

// CheckStats reports the Summary as a Result (counts "f:type" and
// "notifications", stats "f:latency_p50_ns" etc., "availability_min") and fails when the service
// was unavailable where it must not be: client ops were invoked in the healed
// phase (after the last nemesis record) and none succeeded, or no op at all
// succeeded.
func CheckStats(ops []history.Op, opts StatsOptions) Result {
	r := NewReport("stats")
	sum := Summarize(ops, opts)
	fs := make([]string, 0, len(sum.PerF))
	totalOK := 0
	for f := range sum.PerF {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	for _, f := range fs {
		s := sum.PerF[f]
		totalOK += s.OK
		r.Counts[f+":ok"], r.Counts[f+":fail"], r.Counts[f+":info"] = s.OK, s.Fail, s.Info
		r.Stats[f+":latency_p50_ns"] = float64(s.P50NS)
		r.Stats[f+":latency_p95_ns"] = float64(s.P95NS)
		r.Stats[f+":latency_p99_ns"] = float64(s.P99NS)
		r.Stats[f+":latency_max_ns"] = float64(s.MaxNS)
	}
	minAvail := 1.0
	for _, w := range sum.Windows {
		minAvail = min(minAvail, w.Availability())
	}
	r.Stats["availability_min"] = minAvail
	r.Counts["windows"] = len(sum.Windows)
	if sum.Notifications > 0 {
		r.Counts["notifications"] = sum.Notifications
	}
	if len(fs) > 0 && totalOK == 0 {
		r.Flag("unavailable", "none of the client ops succeeded")
	}
	checkHealedAvailability(r, ops)
	return r.Done()
}

func checkHealedAvailability(r *Report, ops []history.Op) {
	heal := HealTime(ops)
	if heal < 0 {
		return
	}
	invoked, ok := 0, 0
	for _, p := range history.RequestPairs(ops) {
		if p.Invoke.Time > heal {
			invoked++
			if p.Type() == history.OK {
				ok++
			}
		}
	}
	r.Counts["healed:invoked"], r.Counts["healed:ok"] = invoked, ok
	if invoked > 0 && ok == 0 {
		r.Flag("unavailable-after-heal", "%d ops invoked after the last fault (t=%s), none succeeded", invoked, fmt.Sprint(time.Duration(heal)))
	}
}

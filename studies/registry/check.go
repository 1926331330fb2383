package registry

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Options configures the broker-registry checker.
type Options struct {
	// DetectionBound is how long after a broker's session ended (leave or
	// expire ok) a view may still list it. Zero means 0: any later view.
	DetectionBound time.Duration
	_              struct{}
}

// Check judges a Kafka-style broker registry history:
//
//   - no ghost member: a view invoked more than DetectionBound after a
//     broker left or expired must not list it (unless it re-joined);
//   - no stuck member: a join or expire still open at the end, more than
//     DetectionBound after the faults healed, means a registration
//     outlived its session;
//   - convergence: in the healed phase (after the last nemesis record) each
//     watcher's last view equals the live brokers (joined, never left or
//     expired; a broker whose last join or leave is info may be either).
//
// Stats: detection_* is the time from a broker's leave/expire to the first
// view invoked after it that no longer lists it.
func Check(ops []history.Op, opts Options) checker.Result {
	r := checker.NewReport("registry")
	events, views := registryEvents(r, ops)
	r.Counts["views"] = len(views)
	r.Counts["membership-changes"] = len(events)
	checkGhosts(r, events, views, int64(opts.DetectionBound))
	checkConvergence(r, events, views, checker.HealTime(ops))
	checkStuck(r, events, checker.HealTime(ops), lastTime(ops), int64(opts.DetectionBound))
	return r.Done()
}

// checkStuck flags a broker whose join or expire is still open at the end
// of the history although the faults healed more than bound before it. A
// broker's join waits only for an ephemeral of its own earlier session to
// vanish, and its expire completes when that ephemeral is gone, so either
// staying open that long means a session that ended (or should have) still
// owns the broker's registration: a ghost member that outlived its session
// (ZOOKEEPER-1208, -1367).
func checkStuck(r *checker.Report, events []memberEvent, healNS, endNS, boundNS int64) {
	for _, e := range events {
		if e.done != math.MaxInt64 || (e.f != FJoin && e.f != FExpire) {
			continue
		}
		if since := max(e.invoke, healNS); endNS-since > boundNS {
			r.FlagOps("stuck-member", []int{e.index},
				"%q's %s (op %d) was still open %v after the faults healed, beyond the %v detection bound: a registration outlived its session",
				e.broker, e.f, e.index, time.Duration(endNS-since), time.Duration(boundNS))
		}
	}
}

// lastTime is the time of the last record.
func lastTime(ops []history.Op) int64 {
	t := int64(0)
	for _, op := range ops {
		t = max(t, op.Time)
	}
	return t
}

type memberEvent struct {
	broker string
	f      string
	typ    history.Type
	invoke int64
	done   int64
	index  int
}

type registryView struct {
	watcher          string
	members          []string
	invoke, complete int64
	index            int
}

func registryEvents(r *checker.Report, ops []history.Op) ([]memberEvent, []registryView) {
	var events []memberEvent
	var views []registryView
	for _, p := range history.Pairs(ops) {
		switch p.Invoke.F {
		case FJoin, FLeave, FExpire:
			if p.Type() == history.Fail {
				continue
			}
			var v Member
			if err := p.Invoke.Decode(&v); err != nil {
				checker.Malformed(r, p, err)
				continue
			}
			events = append(events, memberEvent{broker: v.Broker, f: p.Invoke.F, typ: p.Type(),
				invoke: p.Invoke.Time, done: p.Complete.Time, index: p.Invoke.Index})
		case FView:
			if p.Type() != history.OK {
				continue
			}
			var v View
			if err := p.Complete.Decode(&v); err != nil {
				checker.Malformed(r, p, err)
				continue
			}
			views = append(views, registryView{watcher: v.Watcher, members: v.Members,
				invoke: p.Invoke.Time, complete: p.Complete.Time, index: p.Complete.Index})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].invoke < events[j].invoke })
	return events, views
}

// checkGhosts flags views listing a broker whose session ended more than
// bound before the view was invoked, with no join invoked since.
func checkGhosts(r *checker.Report, events []memberEvent, views []registryView, boundNS int64) {
	var detections []int64
	for _, e := range events {
		if (e.f != FLeave && e.f != FExpire) || e.typ != history.OK {
			continue
		}
		rejoin := rejoinTime(events, e)
		detected := false
		for _, v := range views {
			if v.invoke <= e.done || v.invoke >= rejoin {
				continue
			}
			listed := slices.Contains(v.members, e.broker)
			if listed && v.invoke > e.done+boundNS {
				r.FlagOps("ghost-member", []int{e.index, v.index},
					"%s's view (op %d) lists %q %v after its %s (op %d), beyond the %v detection bound",
					v.watcher, v.index, e.broker, time.Duration(v.invoke-e.done), e.f, e.index, time.Duration(boundNS))
			}
			if !listed && !detected {
				detected = true
				detections = append(detections, v.complete-e.done)
			}
		}
	}
	checker.DurationStats(r.Stats, "detection", detections)
}

func rejoinTime(events []memberEvent, end memberEvent) int64 {
	for _, e := range events {
		if e.broker == end.broker && e.f == FJoin && e.invoke > end.done {
			return e.invoke
		}
	}
	return 1<<63 - 1
}

// liveSets returns the brokers certainly live and those possibly live at the
// end of the history.
func liveSets(events []memberEvent) (certain, maybe map[string]bool) {
	last := map[string]memberEvent{}
	for _, e := range events {
		last[e.broker] = e
	}
	certain, maybe = map[string]bool{}, map[string]bool{}
	for b, e := range last {
		switch {
		case e.typ != history.OK:
			maybe[b] = true
		case e.f == FJoin:
			certain[b] = true
		}
	}
	return certain, maybe
}

func checkConvergence(r *checker.Report, events []memberEvent, views []registryView, heal int64) {
	certain, maybe := liveSets(events)
	lastView := map[string]registryView{}
	for _, v := range views {
		if cur, ok := lastView[v.watcher]; !ok || v.index > cur.index {
			lastView[v.watcher] = v
		}
	}
	watchers := make([]string, 0, len(lastView))
	for w := range lastView {
		watchers = append(watchers, w)
	}
	sort.Strings(watchers)
	for _, w := range watchers {
		v := lastView[w]
		if v.invoke < heal {
			r.Doubt("watcher %q has no view in the healed phase", w)
			continue
		}
		if bad := viewMismatch(v.members, certain, maybe); bad != "" {
			r.FlagOps("not-converged", []int{v.index}, "watcher %q's final view %v: %s", w, v.members, bad)
		}
	}
}

func viewMismatch(members []string, certain, maybe map[string]bool) string {
	listed := map[string]bool{}
	var problems []string
	for _, m := range members {
		listed[m] = true
		if !certain[m] && !maybe[m] {
			problems = append(problems, fmt.Sprintf("%q is not live", m))
		}
	}
	missing := make([]string, 0)
	for b := range certain {
		if !listed[b] {
			missing = append(missing, b)
		}
	}
	sort.Strings(missing)
	for _, b := range missing {
		problems = append(problems, fmt.Sprintf("live %q is missing", b))
	}
	return strings.Join(problems, "; ")
}

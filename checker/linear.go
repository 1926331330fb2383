package checker

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/model"
)

// DefaultPorcupineTimeout bounds each Porcupine search when LinearOptions
// leaves Timeout zero.
const DefaultPorcupineTimeout = 30 * time.Second

// LinearOptions configures the register linearizability checker.
type LinearOptions struct {
	// Timeout bounds each Porcupine search: one per key the fast path could
	// not decide (run one after another, so the worst case is keys ×
	// Timeout), and one for the visualization. Zero means
	// DefaultPorcupineTimeout; a timeout makes the verdict Unknown.
	Timeout time.Duration
	// PlainReads also judges f "read" (ZooKeeper does not promise it is
	// linearizable; the zxid-order checker covers it). Default: sync-reads only.
	PlainReads bool
	// NoFastPath sends every key straight to Porcupine.
	NoFastPath bool
	// Visualization, when non-nil, receives Porcupine's HTML visualization of
	// the whole history, whatever the verdict.
	Visualization io.Writer
	_             struct{}
}

// Linearizable returns the register linearizability checker.
func Linearizable(opts LinearOptions) Checker {
	return func(ops []history.Op) Result { return CheckLinearizable(ops, opts) }
}

// CheckLinearizable judges the register ops (write, cas, sync-read, and read
// if asked) of a history for linearizability, per key.
func CheckLinearizable(ops []history.Op, opts LinearOptions) Result {
	r := NewReport("linearizable")
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultPorcupineTimeout
	}
	pops, _, err := model.RegisterOperations(ops, model.RegisterOptions{PlainReads: opts.PlainReads})
	if err != nil {
		r.Doubt("cannot read the register history: %v", err)
		return r.Done()
	}
	r.Counts["ops"] = len(pops)
	for _, part := range model.PartitionByKey(pops) {
		checkKey(r, part, opts)
	}
	if opts.Visualization != nil {
		visualize(r, pops, opts)
	}
	return r.Done()
}

func checkKey(r *Report, part []porcupine.Operation, opts LinearOptions) {
	key := part[0].Input.(model.RegisterInput).Key
	r.Counts["keys"]++
	if !opts.NoFastPath {
		// The fast path proves linearizability or finds certain
		// violations; when it can do neither, Porcupine decides.
		why, bad := fastPathKey(part)
		for _, a := range bad {
			r.FlagOps(a.Kind, a.Ops, "%s", a.Explanation)
		}
		if why == "" || len(bad) > 0 {
			r.Counts["keys:fast-path"]++
			return
		}
	}
	r.Counts["keys:porcupine"]++
	res, info, allowed := boundedSearch(model.RegisterModel(), part, opts.Timeout)
	switch res {
	case porcupine.Ok:
	case porcupine.Unknown:
		if allowed < opts.Timeout {
			r.Doubt("Porcupine stopped after %v on key %q (%d ops): its search grew too fast to finish within %d MiB of memory in %v",
				allowed, key, len(part), PorcupineMemoryBudget>>20, opts.Timeout)
		} else {
			r.Doubt("Porcupine timed out after %v on key %q (%d ops)", opts.Timeout, key, len(part))
		}
	default:
		stuck := unlinearized(part, info)
		r.FlagOps("nonlinearizable", stuck, "key %q: no linearization of its %d ops exists; %s",
			key, len(part), describeStuck(part, stuck))
	}
}

// unlinearized returns the Index of the ops (at most 10, earliest call
// first) missing from Porcupine's longest partial linearization: the ops no
// legal order could place.
func unlinearized(part []porcupine.Operation, info porcupine.LinearizationInfo) []int {
	longest := 0
	var best []int
	for _, partition := range info.PartialLinearizations() {
		for _, lin := range partition {
			if len(lin) > longest {
				longest, best = len(lin), lin
			}
		}
	}
	in := make(map[int]bool, len(best))
	for _, id := range best {
		in[id] = true
	}
	order := make([]int, 0, len(part))
	for i := range part {
		if !in[i] {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return part[order[a]].Call < part[order[b]].Call })
	var out []int
	for _, i := range order[:min(len(order), 10)] {
		out = append(out, part[i].Metadata.(model.OpMeta).Index)
	}
	return out
}

func describeStuck(part []porcupine.Operation, stuck []int) string {
	if len(stuck) == 0 {
		return "Porcupine found no partial linearization"
	}
	for _, o := range part {
		if o.Metadata.(model.OpMeta).Index == stuck[0] {
			return fmt.Sprintf("first op that cannot be placed: %d %s", stuck[0], model.DescribeRegisterOp(o.Input, o.Output))
		}
	}
	return ""
}

// MaxVisualizedOps bounds the history Porcupine visualizes: its verbose
// search of the whole history grows much faster than the history (1,122
// register ops 28 ms, 1,967 0.8 s, 2,484 5.8 s, 4,164 past the 30 s
// timeout; a 16,670-op history took over 4 GiB and was killed), and a
// timeline of more ops is no use in a browser anyway. The built-in
// scenarios record about 1,100-1,500. Larger histories get a page that says
// so; the verdict does not depend on it.
const MaxVisualizedOps = 2500

func visualize(r *Report, pops []porcupine.Operation, opts LinearOptions) {
	if len(pops) > MaxVisualizedOps && len(citedOps(r.Result)) > 0 {
		// Too long to draw whole: draw the failing windows.
		r.Counts["visualization:windows"] = 1
		if err := visualizeWindows(pops, r.Result, opts); err != nil {
			r.Doubt("cannot write Porcupine visualization: %v", err)
		}
		return
	}
	if len(pops) > MaxVisualizedOps {
		r.Counts["visualization:skipped"] = 1
		if _, err := fmt.Fprintf(opts.Visualization, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Porcupine timeline skipped</title></head>"+
			"<body><p>Porcupine's timeline is drawn for register histories of at most %d operations; this one has %d. "+
			"The linearizability verdict and its anomalies are in summary.json and the run page.</p></body></html>\n", MaxVisualizedOps, len(pops)); err != nil {
			r.Doubt("cannot write Porcupine visualization: %v", err)
		}
		return
	}
	m := model.RegisterModel()
	_, info, _ := boundedSearch(m, pops, opts.Timeout)
	if err := porcupine.Visualize(m, info, opts.Visualization); err != nil {
		r.Doubt("cannot write Porcupine visualization: %v", err)
	}
}

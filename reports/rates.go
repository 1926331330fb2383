package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zabsim/zabsim/history"
)

// completions counts completed ops per window of completion time and
// outcome. Ops that never completed (open at the end of the history) have no
// completion time and are not counted.
func (r run) completions() map[history.Type][]int { return r.countCompletions(r.pairs) }

func (r run) countCompletions(pairs []history.Pair) map[history.Type][]int {
	counts := map[history.Type][]int{}
	for _, t := range outcomes {
		counts[t] = make([]int, r.windows())
	}
	for _, p := range pairs {
		if p.Open {
			continue
		}
		counts[p.Type()][r.window(p.Complete.Time)]++
	}
	return counts
}

// isFinalPhase reports whether f is a final-phase op ("final-read"): the
// read-back after the workload, as fast as the cluster answers, whose
// burst would set a throughput axis the workload then hugs at the bottom.
func isFinalPhase(f string) bool { return strings.HasPrefix(f, "final") }

// splitFinal separates the final phase's ops from the workload's.
func splitFinal(pairs []history.Pair) (workload, final []history.Pair) {
	for _, p := range pairs {
		if isFinalPhase(p.Invoke.F) {
			final = append(final, p)
		} else {
			workload = append(workload, p)
		}
	}
	return workload, final
}

func outcomeColor(t history.Type) draw.LineStyle {
	sty := draw.LineStyle{Width: vg.Points(1.75)}
	switch t {
	case history.OK:
		sty.Color = colorOK
	case history.Fail:
		sty.Color = colorFail
	default:
		sty.Color = colorInfo
	}
	return sty
}

// throughput plots completed ops per second per outcome, per window of
// completion time. A window without completions is a real zero here. The
// final phase's reads (durability's read-back) are left out and described
// in a note: drawn, their burst would set the axis and flatten the
// workload's line.
func (r run) throughput() *Figure {
	f := r.newTimePlot(PlotThroughput, "throughput per "+windowLabel(r.windowNS)+" window")
	f.plot.Y.Label.Text = "completed ops per second"
	workload, final := splitFinal(r.pairs)
	counts := r.countCompletions(workload)
	total := 0
	for _, t := range outcomes {
		xs, ys, present := make([]float64, r.windows()), make([]float64, r.windows()), make([]bool, r.windows())
		for w, n := range counts[t] {
			xs[w], ys[w], present[w] = r.windowCenterS(w), r.rate(w, n), true
			total += n
		}
		addLine(f.plot, xs, ys, present, outcomeColor(t))
		f.addLegend(string(t), lineThumb{outcomeColor(t)})
	}
	f.plot.Y.Min = 0
	if total == 0 {
		f.plot.Y.Max = 1
	}
	f.noData = total == 0 && len(final) == 0
	f.note("Ops are counted in the %s window in which they completed.", windowLabel(r.windowNS))
	if len(final) > 0 {
		f.note("%s", r.finalNote(final))
	}
	return f
}

// rate is n completions in window w, per second.
func (r run) rate(w, n int) float64 {
	start, end := r.windowBounds(w)
	return float64(n) * 1e9 / float64(end-start)
}

// finalNote describes the final phase's ops the throughput plot leaves out.
func (r run) finalNote(final []history.Pair) string {
	first, last, peak := int64(math.MaxInt64), int64(0), 0.0
	names := map[string]bool{}
	for _, p := range final {
		names[p.Invoke.F] = true
		first = min(first, p.Invoke.Time)
		if !p.Open {
			last = max(last, p.Complete.Time)
		}
	}
	for _, byType := range r.countCompletions(final) {
		for w, n := range byType {
			peak = max(peak, r.rate(w, n))
		}
	}
	fs := make([]string, 0, len(names))
	for n := range names {
		fs = append(fs, n)
	}
	slices.Sort(fs)
	return fmt.Sprintf("Not drawn: the final phase's %d %s ops (%.1f–%.1f s, up to %.0f ops/s), so that the workload's rate sets the axis.",
		len(final), strings.Join(fs, ", "), nsToS(first), nsToS(max(last, first)), peak)
}

// availability plots the share of ok among the ops completed in each window.
// A window in which nothing completed has no share: it is a gap, and a run
// of gaps while ops are outstanding is itself a sign of unavailability.
func (r run) availability() *Figure {
	f := r.newTimePlot(PlotAvailability, "availability per "+windowLabel(r.windowNS)+" window")
	f.plot.Y.Label.Text = "share of completed ops that were ok"
	counts := r.completions()
	n := r.windows()
	xs, ys, present := make([]float64, n), make([]float64, n), make([]bool, n)
	any := false
	for w := range n {
		done := counts[history.OK][w] + counts[history.Fail][w] + counts[history.Info][w]
		xs[w] = r.windowCenterS(w)
		if done > 0 {
			ys[w], present[w], any = float64(counts[history.OK][w])/float64(done), true, true
		}
	}
	sty := draw.LineStyle{Color: seriesColor(0), Width: vg.Points(1.75)}
	addLine(f.plot, xs, ys, present, sty)
	f.addLegend("ok / completed", lineThumb{sty})
	f.plot.Y.Min, f.plot.Y.Max = 0, 1
	f.plot.Y.Tick.Marker = plot.ConstantTicks{
		{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"},
		{Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"},
	}
	f.noData = !any
	f.note("Gaps are %s windows in which no op completed.", windowLabel(r.windowNS))
	return f
}

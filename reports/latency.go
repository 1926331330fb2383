package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zabsim/zabsim/history"
)

// minLatencyMS is the floor of the log latency axis: a simulated op can
// complete in 0 ns, which a log scale cannot show, so faster ops are drawn
// at 1 µs.
const minLatencyMS = 1e-3

// latencyMS is an op's latency in milliseconds, clamped to the axis floor.
func latencyMS(p history.Pair) float64 {
	return max(float64(p.Complete.Time-p.Invoke.Time)/1e6, minLatencyMS)
}

// logAxis is the y range of a latency plot: whole decades around the data,
// plus, when info ops exist, a row above the top decade where they are drawn.
type logAxis struct {
	lo, top float64 // decade bounds of the data (ms)
	infoY   float64 // where info ops are drawn; 0 if none
}

func newLogAxis(minMS, maxMS float64, withInfo bool) logAxis {
	if math.IsInf(minMS, 1) { // no latencies: a neutral 0.1 ms … 100 ms
		minMS, maxMS = 0.1, 100
	}
	a := logAxis{
		// 0.9: a latency of exactly one decade sits above the axis, not on it.
		lo:  math.Pow(10, math.Floor(math.Log10(minMS*0.9))),
		top: math.Pow(10, math.Ceil(math.Log10(maxMS*1.0001))),
	}
	if withInfo {
		a.infoY = a.top * 3
	}
	return a
}

func (a logAxis) apply(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = a
	p.Y.Min, p.Y.Max = a.lo, a.top
	if a.infoY > 0 {
		p.Y.Max = a.infoY * 2
	}
}

// Ticks labels each decade in ms, marks 2…9, and labels the info row
// "info". An axis of three decades or fewer also labels 2 and 5 of each,
// so it never shows only two or three numbers.
func (a logAxis) Ticks(_, _ float64) []plot.Tick {
	var ticks []plot.Tick
	few := math.Log10(a.top/a.lo) <= 3.0001
	for d := a.lo; d <= a.top*1.0001; d *= 10 {
		ticks = append(ticks, plot.Tick{Value: d, Label: formatMS(d)})
		for i := 2; i < 10 && d*float64(i) < a.top; i++ {
			t := plot.Tick{Value: d * float64(i)}
			if few && (i == 2 || i == 5) {
				t.Label = formatMS(t.Value)
			}
			ticks = append(ticks, t)
		}
	}
	if a.infoY > 0 {
		ticks = append(ticks, plot.Tick{Value: a.infoY, Label: "info"})
	}
	return ticks
}

// formatMS prints a tick value in ms without float noise (0.2, not
// 0.20000000000000004).
func formatMS(ms float64) string { return strconv.FormatFloat(ms, 'g', 6, 64) }

// outcomes, in drawing order: rare outcomes last so they stay visible.
var outcomes = []history.Type{history.OK, history.Fail, history.Info}

func outcomeStyle(t history.Type, shapeIdx int) draw.GlyphStyle {
	sty := draw.GlyphStyle{Shape: shape(shapeIdx), Radius: vg.Points(3)}
	switch t {
	case history.OK:
		sty.Color, sty.Radius = colorOK, vg.Points(2.2)
	case history.Fail:
		sty.Color = colorFail
	default:
		sty.Color = colorInfo
	}
	return sty
}

// latencyRaw plots every op at (invoke time, latency). Info ops never
// answered, so their latency is unknown: they are drawn on a separate "info"
// row above the highest latency, at their invoke time.
func (r run) latencyRaw() *Figure {
	f := r.newTimePlot(PlotLatencyRaw, "latency of every op")
	f.plot.Y.Label.Text = "latency (ms, log scale)"
	fs := fNames(r.pairs)
	pts := make(map[string]map[history.Type]plotter.XYs, len(fs))
	minMS, maxMS := math.Inf(1), 0.0
	infos, clamped := 0, 0
	for _, p := range r.pairs {
		if pts[p.Invoke.F] == nil {
			pts[p.Invoke.F] = map[history.Type]plotter.XYs{}
		}
		t := p.Type()
		y := 0.0 // info: placed once the axis is known
		if t == history.Info {
			infos++
		} else {
			y = latencyMS(p)
			minMS, maxMS = min(minMS, y), max(maxMS, y)
			if y == minLatencyMS {
				clamped++
			}
		}
		pts[p.Invoke.F][t] = append(pts[p.Invoke.F][t], plotter.XY{X: nsToS(p.Invoke.Time), Y: y})
	}
	axis := newLogAxis(minMS, maxMS, infos > 0)
	for i, fn := range fs {
		k := r.stride(f, fn, pts[fn])
		for _, t := range outcomes {
			xys := everyKth(pts[fn][t], k)
			if t == history.Info {
				for j := range xys {
					xys[j].Y = axis.infoY
				}
			}
			if s := scatter(xys, outcomeStyle(t, i)); s != nil {
				f.plot.Add(s)
			}
		}
	}
	axis.apply(f.plot)
	f.noData = len(r.pairs) == 0
	r.latencyRawLegend(f, fs, infos)
	if clamped > 0 {
		f.note("%d ops faster than %g ms are drawn at %g ms.", clamped, minLatencyMS, minLatencyMS)
	}
	return f
}

// stride is k when one f has more than MaxPoints ops: every outcome of it
// is then drawn 1 in k, so the picture keeps the outcomes' proportions (and
// an outcome with any op still shows at least one), while a long run's image
// stays small and quick to draw.
func (r run) stride(f *Figure, fn string, byType map[history.Type]plotter.XYs) int {
	limit := r.opts.MaxPoints
	if limit <= 0 {
		limit = defaultMaxPoints
	}
	n := 0
	for _, xys := range byType {
		n += len(xys)
	}
	if n <= limit {
		return 1
	}
	k := (n + limit - 1) / limit
	f.note("%s: 1 in %d of %d ops drawn.", fn, k, n)
	return k
}

func everyKth(xys plotter.XYs, k int) plotter.XYs {
	if k <= 1 {
		return xys
	}
	out := make(plotter.XYs, 0, len(xys)/k+1)
	for i := 0; i < len(xys); i += k {
		out = append(out, xys[i])
	}
	return out
}

func (r run) latencyRawLegend(f *Figure, fs []string, infos int) {
	// Colour swatches for outcomes and dark-grey glyphs for fs, so no
	// legend entry can be read as both an outcome and an f.
	f.addLegend("ok", boxThumb{fill: colorOK})
	f.addLegend("fail", boxThumb{fill: colorFail})
	f.addLegend("info (latency unknown)", boxThumb{fill: colorInfo})
	for i, fn := range fs {
		sty := outcomeStyle(history.Info, i)
		sty.Color = colorText
		f.addLegend("f = "+fn, glyphThumb{sty})
	}
	if infos > 0 {
		f.note("%d info ops (timed out or lost: they may or may not have happened) are drawn on the top row at their invoke time.", infos)
	}
}

// quantileNames are the series of latency-quantiles, matching quantileDashes.
var quantileNames = []string{"p50", "p95", "p99", "max"}
var quantileQs = []float64{0.50, 0.95, 0.99, 1}

// latencyQuantiles plots p50/p95/p99/max latency of ok and fail ops per
// window of invoke time, one colour per f and one dash per quantile. Info
// ops have no latency and are left out.
func (r run) latencyQuantiles() *Figure {
	f := r.newTimePlot(PlotLatencyQuantiles, "latency quantiles per "+windowLabel(r.windowNS)+" window")
	f.plot.Y.Label.Text = "latency (ms, log scale)"
	fs := fNames(r.pairs)
	n := r.windows()
	minMS, maxMS := math.Inf(1), 0.0
	plotted := 0
	for i, fn := range fs {
		buckets := make([][]float64, n)
		for _, p := range r.pairs {
			if p.Invoke.F != fn || p.Type() == history.Info {
				continue
			}
			w := r.window(p.Invoke.Time)
			buckets[w] = append(buckets[w], latencyMS(p))
		}
		for q := range quantileQs {
			xs, ys, present := r.quantileSeries(buckets, quantileQs[q])
			for j, ok := range present {
				if ok {
					minMS, maxMS, plotted = min(minMS, ys[j]), max(maxMS, ys[j]), plotted+1
				}
			}
			sty := draw.LineStyle{Color: seriesColor(i), Width: vg.Points(1.5), Dashes: quantileDashes[q]}
			addLine(f.plot, xs, ys, present, sty)
		}
		f.addLegend("f = "+fn, lineThumb{draw.LineStyle{Color: seriesColor(i), Width: vg.Points(3)}})
	}
	for q, name := range quantileNames {
		f.addLegend(name, lineThumb{draw.LineStyle{Color: colorText, Width: vg.Points(1.5), Dashes: quantileDashes[q]}})
	}
	newLogAxis(minMS, maxMS, false).apply(f.plot)
	f.noData = plotted == 0
	f.note("Each point is one %s window of invoke time; gaps are windows with no ok or fail op. Info ops have no latency and are not counted.", windowLabel(r.windowNS))
	return f
}

func (r run) quantileSeries(buckets [][]float64, q float64) (xs, ys []float64, present []bool) {
	xs, ys, present = make([]float64, len(buckets)), make([]float64, len(buckets)), make([]bool, len(buckets))
	for w, b := range buckets {
		xs[w] = r.windowCenterS(w)
		if len(b) == 0 {
			continue
		}
		sort.Float64s(b)
		ys[w], present[w] = nearestRank(b, q), true
	}
	return xs, ys, present
}

// nearestRank is the q-quantile of sorted xs by the nearest-rank method, as
// package checker computes it.
func nearestRank(sorted []float64, q float64) float64 {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// windows is the number of buckets covering [0, endNS]. Buckets are
// windowNS wide except the last, which runs to endNS and so is between half
// and one and a half windows long: a final sliver of a few ms would
// otherwise show as a spike or a drop in every rate.
func (r run) windows() int {
	return max(1, int((r.endNS+r.windowNS/2)/r.windowNS))
}

// window is the bucket of time t, clamped into range (a time outside the
// run is bad input; it lands in the first or last bucket).
func (r run) window(t int64) int {
	return min(int(max(0, t)/r.windowNS), r.windows()-1)
}

// windowBounds is bucket w's [start, end) in ns.
func (r run) windowBounds(w int) (startNS, endNS int64) {
	startNS = int64(w) * r.windowNS
	if w == r.windows()-1 {
		return startNS, max(r.endNS, startNS+1)
	}
	return startNS, startNS + r.windowNS
}

func (r run) windowCenterS(w int) float64 {
	start, end := r.windowBounds(w)
	return nsToS(start + (end-start)/2)
}

func windowLabel(ns int64) string {
	if ns%1e9 == 0 {
		return fmt.Sprintf("%d s", ns/1e9)
	}
	return fmt.Sprintf("%g ms", float64(ns)/1e6)
}

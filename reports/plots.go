package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zabsim/zabsim/history"
)

// Plot names: each is written as NAME.png and NAME.svg.
const (
	PlotLatencyRaw       = "latency-raw"
	PlotLatencyQuantiles = "latency-quantiles"
	PlotThroughput       = "throughput"
	PlotAvailability     = "availability"
	// PlotTimeline is not called "timeline" so it is never confused with
	// Porcupine's timeline.html in the same directory.
	PlotTimeline = "node-roles"
)

// PlotNames lists every plot WritePlots writes, in page order.
var PlotNames = []string{PlotLatencyRaw, PlotLatencyQuantiles, PlotThroughput, PlotAvailability, PlotTimeline}

// PlotOptions configures the plots of one run.
type PlotOptions struct {
	Scenario string // named in every title
	Seed     uint64 // named in every title
	// Window is the bucket width of the quantile, throughput and
	// availability plots. 0 means 1 s, grown along 1-2-5 steps until the run
	// has at most MaxWindows windows.
	Window time.Duration
	// WidthPX and HeightPX are the image size; 0 means 1200×600.
	WidthPX, HeightPX int
	// MaxPoints bounds the points of one f in latency-raw; beyond it every
	// k-th op of each outcome is drawn (deterministically) and a note says
	// so. 0 means 20000.
	MaxPoints int
	// Anomalies are marked on every time plot (see AnomalyMarks).
	Anomalies []AnomalyMark
	_         struct{}
}

// MaxWindows bounds the windows of one plot (and so the work and file size
// of a long run).
const MaxWindows = 600

const defaultMaxPoints = 20000

func (o PlotOptions) size() (int, int) {
	w, h := o.WidthPX, o.HeightPX
	if w == 0 {
		w = DefaultWidthPX
	}
	if h == 0 {
		h = DefaultHeightPX
	}
	return w, h
}

func (o PlotOptions) title(what string) string {
	name := o.Scenario
	if name == "" {
		name = "run"
	}
	return fmt.Sprintf("%s  seed %d — %s", name, o.Seed, what)
}

// RoleSpan is one node's role over [StartNS, EndNS), for the timeline plot.
// Times are ns since run start; Role is "leader", "follower", "looking",
// "observer" or "down" (others are drawn grey); Epoch is the Zab epoch, or
// -1 when it is unknown or meaningless (down, looking).
type RoleSpan struct {
	Node    string
	StartNS int64
	EndNS   int64
	Role    string
	Epoch   int64
}

// run is what every plot of one run derives from its history.
type run struct {
	opts PlotOptions
	// pairs are the client requests: watch notifications have no latency
	// and would count as instant successes in throughput and availability.
	pairs    []history.Pair
	faults   []Fault
	endNS    int64
	windowNS int64
}

func newRun(ops []history.Op, spans []RoleSpan, opts PlotOptions) run {
	end := max(history.EndTime(ops), int64(0))
	for _, s := range spans {
		end = max(end, s.EndNS)
	}
	return run{opts: opts, pairs: history.RequestPairs(ops), faults: Faults(ops), endNS: end,
		windowNS: windowNS(opts.Window, end)}
}

// windowNS picks the bucket width: the requested one, or 1 s grown along
// 1-2-5 steps until the run fits in MaxWindows windows.
func windowNS(want time.Duration, endNS int64) int64 {
	w := int64(want)
	if w <= 0 {
		w = int64(time.Second)
	}
	for endNS/w >= MaxWindows {
		w = nextNice(w)
	}
	return w
}

// nextNice returns the next value after w in the 1-2-5 series.
func nextNice(w int64) int64 {
	p := pow10Floor(w)
	switch lead := w / p; {
	case lead < 2:
		return 2 * p
	case lead < 5:
		return 5 * p
	default:
		return 10 * p
	}
}

func pow10Floor(w int64) int64 {
	p := int64(1)
	for p <= w/10 {
		p *= 10
	}
	return p
}

// newTimePlot is a figure whose x axis spans the whole run.
func (r run) newTimePlot(name, what string) *Figure {
	f := newFigure(name, r.opts.title(what))
	f.plot.X.Min, f.plot.X.Max = 0, nsToS(r.endNS)
	if r.endNS <= 0 { // an empty run still gets a readable axis
		f.plot.X.Max = 1
	}
	f.faults = r.faults
	if len(r.faults) > 0 {
		f.plot.Add(bands{faults: r.faults})
	}
	if len(r.opts.Anomalies) > 0 {
		f.marks = r.opts.Anomalies
		f.plot.Add(marks{at: r.opts.Anomalies})
	}
	return f
}

// faultLegend returns one entry per fault kind present, sorted by kind: a
// swatch for kinds with intervals, a dashed line for kinds that only ever
// happened as one-shots (drawn as lines).
func (f *Figure) faultLegend() []legendEntry {
	onlyInstant := map[string]bool{}
	for _, ft := range f.faults {
		prev, seen := onlyInstant[ft.Kind]
		onlyInstant[ft.Kind] = ft.Instant && (prev || !seen)
	}
	kinds := make([]string, 0, len(onlyInstant))
	for k := range onlyInstant {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	out := make([]legendEntry, len(kinds))
	for i, k := range kinds {
		var thumb plot.Thumbnailer = boxThumb{fill: faultHue(k)} // as its fault lane
		if onlyInstant[k] {
			thumb = lineThumb{draw.LineStyle{Color: faultInk(k), Width: vg.Points(1.5), Dashes: []vg.Length{4, 3}}}
		}
		out[i] = legendEntry{label: "fault: " + k, thumb: thumb}
	}
	return out
}

// Figures builds every plot of a run.
func Figures(ops []history.Op, spans []RoleSpan, opts PlotOptions) []*Figure {
	r := newRun(ops, spans, opts)
	return []*Figure{r.latencyRaw(), r.latencyQuantiles(), r.throughput(), r.availability(), r.timeline(spans)}
}

// WritePlots writes every plot of a run into dir as PNG and SVG and returns
// the file names written (relative to dir), in PlotNames order, PNG first.
// An empty history still yields every image, each saying "no data".
func WritePlots(dir string, ops []history.Op, spans []RoleSpan, opts PlotOptions) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	w, h := opts.size()
	var names []string
	for _, f := range Figures(ops, spans, opts) {
		for _, ext := range []string{".png", ".svg"} {
			name := f.Name + ext
			if err := f.Save(filepath.Join(dir, name), w, h); err != nil {
				return names, err
			}
			names = append(names, name)
		}
	}
	return names, nil
}

// scatter builds a scatter plotter; an empty or bad input yields nil so the
// caller can skip it (plotter.NewScatter rejects NaN and Inf).
func scatter(xys plotter.XYs, sty draw.GlyphStyle) *plotter.Scatter {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil
	}
	s.GlyphStyle = sty
	return s
}

// addLine adds one polyline per run of consecutive present points, so a
// window without data is a gap rather than a line across it.
func addLine(p *plot.Plot, xs, ys []float64, present []bool, sty draw.LineStyle) {
	var seg plotter.XYs
	flush := func() {
		if len(seg) == 0 {
			return
		}
		if l, err := plotter.NewLine(seg); err == nil {
			l.LineStyle = sty
			p.Add(l)
		}
		if len(seg) == 1 { // a lone point is invisible as a line
			if s := scatter(seg, draw.GlyphStyle{Color: sty.Color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}); s != nil {
				p.Add(s)
			}
		}
		seg = nil
	}
	for i := range xs {
		if !present[i] {
			flush()
			continue
		}
		seg = append(seg, plotter.XY{X: xs[i], Y: ys[i]})
	}
	flush()
}

// fNames returns the distinct fs of completed-or-open client ops, sorted.
func fNames(pairs []history.Pair) []string {
	seen := map[string]bool{}
	for _, p := range pairs {
		seen[p.Invoke.F] = true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

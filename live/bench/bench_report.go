package bench

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// benchRow is one (op, client count) cell of a side-by-side comparison.
type benchRow struct {
	op      Op
	clients int
}

// benchRows lists the (op, clients) pairs any target measured, ops in the
// order first run, client counts ascending within an op.
func benchRows(targets []Target) []benchRow {
	var rows []benchRow
	for _, op := range benchOpsOf(targets) {
		var counts []int
		for _, tg := range targets {
			for _, r := range tg.Results {
				if r.Op == op && !slices.Contains(counts, r.Clients) {
					counts = append(counts, r.Clients)
				}
			}
		}
		slices.Sort(counts)
		for _, n := range counts {
			rows = append(rows, benchRow{op: op, clients: n})
		}
	}
	return rows
}

func resultAt(tg Target, row benchRow) (Result, bool) {
	for _, r := range tg.Results {
		if r.Op == row.op && r.Clients == row.clients {
			return r, true
		}
	}
	return Result{}, false
}

// WriteMarkdown writes a Markdown table with one row per op and client
// count and, per target, throughput, p50/p99/p999 and errors; with two
// targets it adds the first/second ratios (throughput > 1: the first is
// faster; p99 < 1: the first's tail is shorter).
func WriteMarkdown(w io.Writer, targets []Target) error {
	var b strings.Builder
	head := []string{"op", "clients"}
	for _, tg := range targets {
		for _, col := range []string{"ops/s", "p50", "p99", "p999", "errors"} {
			head = append(head, tg.Name+" "+col)
		}
	}
	pair := len(targets) == 2
	if pair {
		ratio := targets[0].Name + "/" + targets[1].Name
		head = append(head, ratio+" ops/s", ratio+" p99")
	}
	writeMDRow(&b, head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---:"
	}
	sep[0] = "---"
	writeMDRow(&b, sep)
	for _, row := range benchRows(targets) {
		cells := []string{string(row.op), fmt.Sprint(row.clients)}
		for _, tg := range targets {
			if r, ok := resultAt(tg, row); ok {
				cells = append(cells, fmt.Sprintf("%.0f", r.Throughput()), fmtLatency(r.P50), fmtLatency(r.P99), fmtLatency(r.P999), fmt.Sprint(r.Errors))
			} else {
				cells = append(cells, "-", "-", "-", "-", "-")
			}
		}
		if pair {
			a, okA := resultAt(targets[0], row)
			z, okZ := resultAt(targets[1], row)
			if okA && okZ {
				cells = append(cells, benchRatio(a.Throughput(), z.Throughput())+"x", benchRatio(float64(a.P99), float64(z.P99))+"x")
			} else {
				cells = append(cells, "-", "-")
			}
		}
		writeMDRow(&b, cells)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMDRow(b *strings.Builder, cells []string) {
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

// benchJSON is bench.json's layout: durations in milliseconds, so plotting
// tools read it without Go's duration syntax.
type benchJSON struct {
	Meta    map[string]any    `json:"meta"`
	Targets []benchTargetJSON `json:"targets"`
}

type benchTargetJSON struct {
	Name    string            `json:"name"`
	Nodes   int               `json:"nodes"`
	Results []benchResultJSON `json:"results"`
}

type benchResultJSON struct {
	Op         Op      `json:"op"`
	Clients    int     `json:"clients"`
	Ops        int64   `json:"ops"`
	Errors     int64   `json:"errors"`
	ElapsedSec float64 `json:"elapsed_s"`
	OpsPerSec  float64 `json:"ops_per_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	P999ms     float64 `json:"p999_ms"`
	MaxMs      float64 `json:"max_ms"`
}

// WriteJSON writes the results as JSON; meta (duration, CPUs, ...)
// is copied as given.
func WriteJSON(w io.Writer, targets []Target, meta map[string]any) error {
	out := benchJSON{Meta: meta, Targets: []benchTargetJSON{}}
	ms := func(d interface{ Seconds() float64 }) float64 { return d.Seconds() * 1000 }
	for _, tg := range targets {
		t := benchTargetJSON{Name: tg.Name, Nodes: tg.Nodes, Results: []benchResultJSON{}}
		for _, r := range tg.Results {
			t.Results = append(t.Results, benchResultJSON{Op: r.Op, Clients: r.Clients, Ops: r.Ops, Errors: r.Errors,
				ElapsedSec: r.Elapsed.Seconds(), OpsPerSec: r.Throughput(),
				P50ms: ms(r.P50), P99ms: ms(r.P99), P999ms: ms(r.P999), MaxMs: ms(r.Max)})
		}
		out.Targets = append(out.Targets, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// PlotThroughput draws throughput per op and client count as grouped bars, one
// colour per target, and saves it (the format follows path's extension).
func PlotThroughput(path string, targets []Target, title string) error {
	return saveBenchPlot(path, targets, title, "ops/s", []benchSeries{{"", func(r Result) float64 { return r.Throughput() }}})
}

// PlotLatency draws the latency of successful operations per op and
// client count: per target a bar for the median and one for p99, in the
// target's colour (the median lighter), and saves it.
func PlotLatency(path string, targets []Target, title string) error {
	return saveBenchPlot(path, targets, title, "latency of successful ops (ms)", []benchSeries{
		{"p50", func(r Result) float64 { return r.P50.Seconds() * 1000 }},
		{"p99", func(r Result) float64 { return r.P99.Seconds() * 1000 }},
	})
}

// benchSeries is one value per result drawn as a bar per target.
type benchSeries struct {
	name  string // "" for a lone series: the legend names only the target
	value func(Result) float64
}

func saveBenchPlot(path string, targets []Target, title, yLabel string, series []benchSeries) error {
	p, _, err := benchPlot(targets, title, yLabel, series)
	if err != nil {
		return err
	}
	return p.Save(vg.Length(max(6, len(benchRows(targets))*len(series)))*vg.Inch, 4.5*vg.Inch, path)
}

// benchPlot builds a grouped bar chart: one group per (op, clients), one
// bar per target and series; it returns the legend's names too.
func benchPlot(targets []Target, title, yLabel string, series []benchSeries) (*plot.Plot, []string, error) {
	rows := benchRows(targets)
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("live: no benchmark results to plot")
	}
	var legend []string
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	labels := make([]string, len(rows))
	for i, row := range rows {
		labels[i] = fmt.Sprintf("%s\n%d cl", row.op, row.clients)
	}
	bars := len(targets) * len(series)
	width := vg.Points(min(18, 300/float64(len(rows)*bars)))
	for ti, tg := range targets {
		for si, sr := range series {
			vals := make(plotter.Values, len(rows))
			for i, row := range rows {
				if r, ok := resultAt(tg, row); ok {
					vals[i] = sr.value(r)
				}
			}
			b, err := plotter.NewBarChart(vals, width)
			if err != nil {
				return nil, nil, err
			}
			b.LineStyle.Width = 0
			c := color.NRGBAModel.Convert(plotutil.Color(ti)).(color.NRGBA)
			if len(series) > 1 && si < len(series)-1 {
				c = lighten(c, 0.55) // the median lighter than the tail
			}
			b.Color = c
			k := ti*len(series) + si
			b.Offset = width * vg.Length(float64(k)-float64(bars-1)/2)
			p.Add(b)
			name := tg.Name
			if sr.name != "" {
				name += " " + sr.name
			}
			p.Legend.Add(name, b)
			legend = append(legend, name)
		}
	}
	p.NominalX(labels...)
	// Room at both ends for the outer groups' bars, and above the
	// tallest bar for the legend.
	p.X.Min, p.X.Max = -0.6, float64(len(rows))-0.4
	p.Y.Min, p.Y.Max = 0, p.Y.Max*1.2
	p.Legend.Top, p.Legend.Left = true, true
	return p, legend, nil
}

// lighten mixes c with white: f = 0 is c, 1 is white.
func lighten(c color.NRGBA, f float64) color.NRGBA {
	mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*f) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
}

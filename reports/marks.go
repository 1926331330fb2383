package reports

import (
	"fmt"
	"image/color"
	"slices"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Anomaly marks: every time plot draws a thin line at each moment a
// checker's anomaly cites (the completion of the first op it names), with a
// number at the top that the run page's anomaly list uses too, so a reader
// sees where in the run — against which faults — each violation happened.

// AnomalyMark is one anomaly's place on the time axis.
type AnomalyMark struct {
	N      int   // 1-based, as the run page numbers it
	TimeNS int64 // ns since run start
}

// maxMarks bounds the marks drawn (a run with thousands of anomalies would
// otherwise paint the plot red); the page says how many there were.
const maxMarks = 30

// markInk is the marks' colour: Okabe-Ito vermilion, darkened for contrast.
var markInk = color.NRGBA{R: 0xb3, G: 0x3d, B: 0x00, A: 0xff}

// AnomalyMarks places the anomalies of failing checkers on the time axis,
// numbered as the run page lists them (A1, A2, ...: checkers in order, the
// anomalies each shows in order), at the time of the first cited op (its completion when it has
// one). Anomalies citing no op get no mark.
func AnomalyMarks(results []checker.Result, ops []history.Op) []AnomalyMark {
	at := make(map[int]int64, len(ops))
	for _, op := range ops {
		at[op.Index] = op.Time
	}
	completion := map[int]int64{} // invoke index → completion time
	for _, p := range history.Pairs(ops) {
		if !p.Open {
			completion[p.Invoke.Index] = p.Complete.Time
		}
	}
	var out []AnomalyMark
	n := 0
	for _, fc := range flattenCheckers(results) {
		if fc.Result.Valid == checker.Valid {
			continue
		}
		for i, a := range fc.Result.Anomalies {
			if i == maxAnomaliesShown {
				break // not on the page: not numbered
			}
			n++
			if len(a.Ops) == 0 || len(out) == maxMarks {
				continue
			}
			first := slices.Min(a.Ops)
			t, ok := completion[first]
			if !ok {
				t, ok = at[first]
			}
			if ok {
				out = append(out, AnomalyMark{N: n, TimeNS: t})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TimeNS < out[j].TimeNS })
	return out
}

// marks draws anomaly marks over a time plot's data.
type marks struct{ at []AnomalyMark }

func (m marks) Plot(c draw.Canvas, p *plot.Plot) {
	x, _ := p.Transforms(&c)
	sty := draw.LineStyle{Color: markInk, Width: vg.Points(1.2), Dashes: []vg.Length{2, 2}}
	ts := textStyle(noteFontPt, markInk)
	ts.XAlign, ts.YAlign = draw.XLeft, draw.YTop
	// Marks closer than a label's width share one line and one label
	// ("A3 +12"), so a burst of anomalies stays readable.
	const near = vg.Length(28)
	for i := 0; i < len(m.at); {
		x0 := x(nsToS(m.at[i].TimeNS))
		j, first := i+1, m.at[i].N
		for j < len(m.at) && x(nsToS(m.at[j].TimeNS))-x0 < near {
			first = min(first, m.at[j].N)
			j++
		}
		if x0 >= c.Min.X && x0 <= c.Max.X {
			c.StrokeLine2(sty, x0, c.Min.Y, x0, c.Max.Y)
			label := fmt.Sprintf("A%d", first)
			if j-i > 1 {
				label += fmt.Sprintf(" +%d", j-i-1)
			}
			c.FillText(ts, vg.Point{X: x0 + 2, Y: c.Max.Y}, label)
		}
		i = j
	}
}

// markLegend is the legend entry of the marks, if any.
func markLegend(at []AnomalyMark) []legendEntry {
	if len(at) == 0 {
		return nil
	}
	return []legendEntry{{label: fmt.Sprintf("anomaly (A1..: as listed on the run page; %d marked)", len(at)),
		thumb: lineThumb{draw.LineStyle{Color: markInk, Width: vg.Points(1.2), Dashes: []vg.Length{2, 2}}}}}
}

package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barHalfHeight is half a node's bar height, in node-row units.
const barHalfHeight = 0.35

// roleBars draws each span as a horizontal bar in its node's row.
type roleBars struct {
	spans []RoleSpan
	rows  map[string]int
}

func (b roleBars) Plot(c draw.Canvas, p *plot.Plot) {
	x, y := p.Transforms(&c)
	sty := textStyle(faultFontPt, colorText)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	for _, s := range b.spans {
		row := float64(b.rows[s.Node])
		x0, x1 := x(nsToS(s.StartNS)), x(nsToS(s.EndNS))
		x1 = max(x1, x0+1)
		r := vg.Rectangle{Min: vg.Point{X: x0, Y: y(row - barHalfHeight)}, Max: vg.Point{X: x1, Y: y(row + barHalfHeight)}}
		c.SetColor(roleColor(s.Role))
		c.Fill(r.Path())
		// A white edge at every span start shows a new epoch even when the
		// role stays the same.
		c.StrokeLine2(draw.LineStyle{Color: white, Width: vg.Points(1)}, x0, r.Min.Y, x0, r.Max.Y)
		label := epochLabel(s)
		if label != "" && sty.Width(label)+vg.Points(4) < x1-x0 {
			sty.Color = colorText
			if s.Role == "leader" {
				sty.Color = white
			}
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: y(row)}, label)
		}
	}
}

func epochLabel(s RoleSpan) string {
	if s.Epoch < 0 || s.Role == "down" || s.Role == "looking" {
		return ""
	}
	return "e" + strconv.FormatInt(s.Epoch, 10)
}

// timeline plots each node's role over time, one row per node, with the
// Zab epoch written inside bars wide enough to hold it.
func (r run) timeline(spans []RoleSpan) *Figure {
	f := r.newTimePlot(PlotTimeline, "node roles and epochs")
	f.plot.Y.Label.Text = "node"
	good, bad := validSpans(spans)
	if bad > 0 {
		f.note("%d spans with an empty node or an end before their start were skipped.", bad)
	}
	nodes := spanNodes(good)
	rows := make(map[string]int, len(nodes))
	ticks := make([]plot.Tick, len(nodes))
	for i, n := range nodes {
		row := len(nodes) - 1 - i // first node on top
		rows[n], ticks[i] = row, plot.Tick{Value: float64(row), Label: n}
	}
	f.plot.Add(roleBars{spans: good, rows: rows})
	f.plot.Y.Min, f.plot.Y.Max = -0.6, max(float64(len(nodes))-0.4, 0.4)
	f.plot.Y.Tick.Marker = plot.ConstantTicks(ticks)
	f.plot.Y.Tick.Length = 0
	r.roleLegend(f, good)
	f.noData = len(good) == 0
	if !f.noData {
		f.note("eN inside a bar is the node's Zab epoch; a white edge starts a new span.")
	}
	return f
}

var white = colorNRGBA(0xff, 0xff, 0xff)

func validSpans(spans []RoleSpan) (good []RoleSpan, bad int) {
	for _, s := range spans {
		if s.Node == "" || s.EndNS < s.StartNS {
			bad++
			continue
		}
		good = append(good, s)
	}
	return good, bad
}

// spanNodes returns the distinct nodes in natural order (s2 before s10).
func spanNodes(spans []RoleSpan) []string {
	var nodes []string
	for _, s := range spans {
		nodes = append(nodes, s.Node)
	}
	slices.SortFunc(nodes, naturalCompare)
	return slices.Compact(nodes)
}

// naturalCompare orders names by their non-digit prefix, then by the number
// that follows, so s2 < s10.
func naturalCompare(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	if na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func splitNumber(s string) (string, uint64) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.ParseUint(s[i:], 10, 64)
	if err != nil {
		return s, 0
	}
	return s[:i], n
}

func (r run) roleLegend(f *Figure, spans []RoleSpan) {
	present := map[string]bool{}
	for _, s := range spans {
		present[s.Role] = true
	}
	for _, role := range roleOrder {
		if present[role] {
			f.addLegend(role, boxThumb{fill: roleColor(role)})
			delete(present, role)
		}
	}
	var others []string
	for role := range present {
		others = append(others, role)
	}
	slices.Sort(others)
	if len(others) > 0 {
		f.addLegend(fmt.Sprintf("other (%s)", strings.Join(others, ", ")), boxThumb{fill: roleColor("")})
	}
}

package reports

import (
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// bands is a plotter that shades fault intervals across the data area and
// draws one-shot faults as dashed vertical lines. It is added before the
// data so points are drawn on top of it.
type bands struct{ faults []Fault }

func (b bands) Plot(c draw.Canvas, p *plot.Plot) {
	x, _ := p.Transforms(&c)
	for _, f := range b.faults {
		x0 := x(nsToS(f.StartNS))
		if f.Instant {
			sty := draw.LineStyle{Color: faultInk(f.Kind), Width: vg.Points(1.5), Dashes: []vg.Length{4, 3}}
			c.StrokeLine2(sty, x0, c.Min.Y, x0, c.Max.Y)
			continue
		}
		x1 := max(x(nsToS(f.EndNS)), x0+1) // a zero-length fault is still visible
		r := vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}
		c.SetColor(faultBand(f.Kind))
		c.Fill(r.Path())
		edge := faultHue(f.Kind)
		edge.A = 0x70
		c.StrokeLine2(draw.LineStyle{Color: edge, Width: vg.Points(0.75)}, x0, c.Min.Y, x0, c.Max.Y)
	}
}

// maxFaultLanes bounds the label strip; labels that do not fit are counted
// in a note instead of overlapping.
const maxFaultLanes = 4

// labelStrip is what is drawn between the title and the data: one fault
// lane per fault kind present (its intervals opaque in the kind's colour,
// named at the left, so faults that overlap in time stay apart however
// their translucent bands mix), and above them the fault labels, placed in
// rows so that no two overlap: each label goes into the lowest row whose
// last label ends left of it.
type labelStrip struct {
	placed  []placedLabel
	lanes   int // label rows
	kinds   []string
	height  vg.Length
	omitted int
}

// kindLaneHeight is the height of one fault kind's lane.
const kindLaneHeight = vg.Length(9)

// kindsHeight is the height of the fault kind lanes, with a gap above.
func (s labelStrip) kindsHeight() vg.Length {
	if len(s.kinds) == 0 {
		return 0
	}
	return kindLanesGap + vg.Length(len(s.kinds))*kindLaneHeight + vg.Points(3)
}

// kindLanesGap keeps the lanes' names clear of the y axis's top tick label,
// which reaches above the data area by half its height.
const kindLanesGap = vg.Length(6)

// kindLane is the [bottom, top) of the lane of s.kinds[i] above the plot
// canvas top: the first kind on top, as in the legend.
func (s labelStrip) kindLane(plotTop vg.Length, i int) (vg.Length, vg.Length) {
	bottom := plotTop + kindLanesGap + vg.Length(len(s.kinds)-1-i)*kindLaneHeight
	return bottom, bottom + kindLaneHeight - vg.Points(1)
}

type placedLabel struct {
	fault Fault
	text  string
	lane  int
}

func (f *Figure) faultStrip(plotC draw.Canvas) labelStrip {
	var s labelStrip
	if len(f.faults) == 0 {
		return s
	}
	sty := textStyle(faultFontPt, colorText)
	dataC := f.plot.DataCanvas(plotC) // x layout does not depend on the strip's height
	gap := vg.Points(6)
	var laneEnd []vg.Length
	for _, ft := range f.faults {
		text := shortLabel(ft.Label)
		x0 := labelX(dataC, plotC, f.plot, ft, sty.Width(text))
		lane := firstFreeLane(laneEnd, x0, gap)
		if lane >= maxFaultLanes {
			s.omitted++
			continue
		}
		if lane == len(laneEnd) {
			laneEnd = append(laneEnd, 0)
		}
		laneEnd[lane] = x0 + vg.Points(3) + sty.Width(text)
		s.placed = append(s.placed, placedLabel{fault: ft, text: text, lane: lane})
	}
	s.lanes = len(laneEnd)
	s.kinds = faultKinds(f.faults)
	s.height = vg.Length(s.lanes)*faultLaneHeight() + vg.Points(4) + s.kindsHeight()
	if s.omitted > 0 {
		f.note("%d fault labels omitted for space; see nemesis.txt.", s.omitted)
	}
	return s
}

func faultLaneHeight() vg.Length {
	return textStyle(faultFontPt, colorText).Height("Xg") * 1.2
}

func firstFreeLane(laneEnd []vg.Length, x, gap vg.Length) int {
	for i, end := range laneEnd {
		if end+gap <= x {
			return i
		}
	}
	return len(laneEnd)
}

// labelX puts a label at its fault's start, shifted left when it would run
// past the plot's right edge.
func labelX(dataC, plotC draw.Canvas, p *plot.Plot, f Fault, width vg.Length) vg.Length {
	x := dataC.X(p.X.Norm(nsToS(f.StartNS)))
	return max(min(x, dataC.Max.X-width), plotC.Min.X)
}

// draw writes the fault kind lanes just above plotC, and the labels above
// them, each with a tick down to where its fault starts.
func (s labelStrip) draw(plotC, dataC draw.Canvas, p *plot.Plot, faults []Fault) {
	s.drawKinds(plotC, dataC, p, faults)
	sty := textStyle(faultFontPt, colorText)
	sty.YAlign = draw.YBottom
	laneH := faultLaneHeight()
	for _, pl := range s.placed {
		sty.Color = faultInk(pl.fault.Kind)
		x0 := labelX(dataC, plotC, p, pl.fault, sty.Width(pl.text)) + vg.Points(3)
		y := dataC.Max.Y + s.kindsHeight() + vg.Points(2) + vg.Length(pl.lane)*laneH
		c := plotC
		c.FillText(sty, vg.Point{X: x0, Y: y}, pl.text)
		// A tick at the fault's start, within the label's own lane so it never
		// crosses another label; lane 0 extends it down to the data.
		xs := dataC.X(p.X.Norm(nsToS(pl.fault.StartNS)))
		bottom := y
		if pl.lane == 0 {
			bottom = dataC.Max.Y
		}
		tick := draw.LineStyle{Color: faultInk(pl.fault.Kind), Width: vg.Points(1.5)}
		c.StrokeLine2(tick, xs, bottom, xs, y+laneH*0.8)
	}
}

// drawKinds draws one lane per fault kind: each interval an opaque bar, each
// one-shot a narrow one, and the kind's name left of the lane.
func (s labelStrip) drawKinds(plotC, dataC draw.Canvas, p *plot.Plot, faults []Fault) {
	name := textStyle(kindFontPt, colorNote)
	name.XAlign, name.YAlign = draw.XRight, draw.YCenter
	for i, kind := range s.kinds {
		lo, hi := s.kindLane(dataC.Max.Y, i)
		plotC.FillText(name, vg.Point{X: dataC.Min.X - vg.Points(3), Y: (lo + hi) / 2}, kind)
		guide := draw.LineStyle{Color: color.NRGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}, Width: vg.Points(0.5)}
		plotC.StrokeLine2(guide, dataC.Min.X, (lo+hi)/2, dataC.Max.X, (lo+hi)/2)
		plotC.SetColor(faultHue(kind))
		for _, f := range faults {
			if f.Kind != kind {
				continue
			}
			x0 := dataC.X(p.X.Norm(nsToS(f.StartNS)))
			x1 := max(dataC.X(p.X.Norm(nsToS(f.EndNS))), x0+vg.Points(2))
			r := vg.Rectangle{Min: vg.Point{X: max(x0, dataC.Min.X), Y: lo}, Max: vg.Point{X: min(x1, dataC.Max.X), Y: hi}}
			plotC.Fill(r.Path())
		}
	}
}

// faultKinds lists the kinds of faults, sorted (the legend's order).
func faultKinds(faults []Fault) []string {
	var kinds []string
	for _, f := range faults {
		if !slices.Contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
	}
	slices.Sort(kinds)
	return kinds
}

func nsToS(ns int64) float64 { return float64(ns) / 1e9 }

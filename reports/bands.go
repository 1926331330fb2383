package reports

import (
	"image/color"

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
			sty := draw.LineStyle{Color: faultHue(f.Kind), Width: vg.Points(1.5), Dashes: []vg.Length{4, 3}}
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

// labelStrip places fault labels in lanes above the data so that no two
// overlap: each label goes into the lowest lane whose last label ends left
// of it.
type labelStrip struct {
	placed  []placedLabel
	lanes   int
	height  vg.Length
	omitted int
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
	s.height = vg.Length(s.lanes)*faultLaneHeight() + vg.Points(4)
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

// draw writes the labels in the strip above plotC, each with a tick down to
// where its fault starts.
func (s labelStrip) draw(plotC, dataC draw.Canvas, p *plot.Plot) {
	sty := textStyle(faultFontPt, colorText)
	sty.YAlign = draw.YBottom
	laneH := faultLaneHeight()
	for _, pl := range s.placed {
		sty.Color = darken(faultHue(pl.fault.Kind))
		x0 := labelX(dataC, plotC, p, pl.fault, sty.Width(pl.text)) + vg.Points(3)
		y := plotC.Max.Y + vg.Points(2) + vg.Length(pl.lane)*laneH
		c := plotC
		c.FillText(sty, vg.Point{X: x0, Y: y}, pl.text)
		// A tick at the fault's start, within the label's own lane so it never
		// crosses another label; lane 0 extends it down to the data.
		xs := dataC.X(p.X.Norm(nsToS(pl.fault.StartNS)))
		bottom := y
		if pl.lane == 0 {
			bottom = dataC.Max.Y
		}
		tick := draw.LineStyle{Color: faultHue(pl.fault.Kind), Width: vg.Points(1.5)}
		c.StrokeLine2(tick, xs, bottom, xs, y+laneH*0.8)
	}
}

// darken makes a hue readable as text on white.
func darken(c color.NRGBA) color.NRGBA {
	return color.NRGBA{R: uint8(int(c.R) * 3 / 4), G: uint8(int(c.G) * 3 / 4), B: uint8(int(c.B) * 3 / 4), A: 0xff}
}

func nsToS(ns int64) float64 { return float64(ns) / 1e9 }

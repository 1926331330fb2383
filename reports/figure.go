package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // registers png
	_ "gonum.org/v1/plot/vg/vgsvg" // registers svg
)

// pxPerPt converts pixels at vgimg's 96 dpi to points (1/72 in), the unit
// gonum lays out in.
const pxPerPt = 96.0 / 72.0

// Default image size: readable on a laptop screen and in a CI artifact view.
const (
	DefaultWidthPX  = 1200
	DefaultHeightPX = 600
)

// Figure is one chart: a gonum plot plus what reports draws around it, so
// that nothing covers the data: the title on top, a strip of fault labels
// between the title and the data, and the legend and notes in a column to the
// right of the plot.
type Figure struct {
	Name  string // file stem, e.g. "latency-raw"
	Title string

	plot   *plot.Plot
	legend []legendEntry
	notes  []string
	faults []Fault
	marks  []AnomalyMark
	noData bool
}

type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// margin is the blank border around the figure and between its parts.
const margin = vg.Length(8)

// Fonts, in points (12 pt is 16 px at 96 dpi).
const (
	titleFontPt  = 15
	legendFontPt = 11
	noteFontPt   = 10
	faultFontPt  = 10
	kindFontPt   = 8
	tickFontPt   = 11
	axisFontPt   = 12
)

func textStyle(sizePt vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(plot.DefaultFont, sizePt),
		Handler: plot.DefaultTextHandler,
	}
}

func newFigure(name, title string) *Figure {
	p := plot.New()
	p.X.Label.Text = "time since run start (s)"
	p.X.Padding = 0 // fault bands must line up with the time axis
	p.X.Tick.Marker = niceTicks{maxLabels: 12}
	p.Y.Tick.Marker = niceTicks{maxLabels: 8}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Label.Font.Size = tickFontPt
		a.Label.TextStyle.Font.Size = axisFontPt
	}
	return &Figure{Name: name, Title: title, plot: p}
}

func (f *Figure) addLegend(label string, thumb plot.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{label: label, thumb: thumb})
}

// entries is the legend: the data's entries, then one per fault kind.
func (f *Figure) entries() []legendEntry {
	return append(append(slices.Clone(f.legend), f.faultLegend()...), markLegend(f.marks)...)
}

// note adds a note once (a figure laid out again, for its PNG and then its
// SVG, does not repeat it).
func (f *Figure) note(format string, args ...any) {
	if n := fmt.Sprintf(format, args...); !slices.Contains(f.notes, n) {
		f.notes = append(f.notes, n)
	}
}

// Save renders the figure at widthPX×heightPX into path, in the format its
// extension names (.png or .svg), atomically.
func (f *Figure) Save(path string, widthPX, heightPX int) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	b, err := f.Render(format, widthPX, heightPX)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, b)
}

// Render draws the figure as png or svg bytes.
func (f *Figure) Render(format string, widthPX, heightPX int) ([]byte, error) {
	if format != "png" && format != "svg" {
		return nil, fmt.Errorf("reports: unsupported image format %q (want png or svg)", format)
	}
	if widthPX < 200 || heightPX < 150 || widthPX > 10000 || heightPX > 10000 {
		return nil, fmt.Errorf("reports: image size %d×%d px outside 200×150 … 10000×10000", widthPX, heightPX)
	}
	w, h := vg.Length(float64(widthPX)/pxPerPt), vg.Length(float64(heightPX)/pxPerPt)
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("reports: encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// draw lays the figure out: title, then [fault strip over plot | legend].
func (f *Figure) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	l := f.layout(c)
	title := textStyle(titleFontPt, colorText)
	title.XAlign, title.YAlign = draw.XCenter, draw.YTop
	c.FillText(title, vg.Point{X: l.titleAt.X, Y: l.titleAt.Y}, f.Title)
	f.drawLegend(l.legend)
	f.plot.Draw(l.plot)
	l.strip.draw(l.plot, l.data, f.plot, f.faults)
	if f.noData {
		drawNoData(l.data)
	}
}

// figureLayout is where draw puts each part of a figure.
type figureLayout struct {
	titleAt vg.Point
	legend  draw.Canvas // the legend and notes column
	plot    draw.Canvas // the gonum plot, axes included
	data    draw.Canvas // the plot's data area
	strip   labelStrip  // fault lanes and labels, above the data
}

func (f *Figure) layout(c draw.Canvas) figureLayout {
	var l figureLayout
	c = draw.Crop(c, margin, -margin, margin, -margin)
	title := textStyle(titleFontPt, colorText)
	l.titleAt = vg.Point{X: c.Center().X, Y: c.Max.Y}
	c.Max.Y -= title.Height(f.Title) + margin

	legendW := f.legendWidth(c)
	l.plot = draw.Crop(c, 0, -(legendW + 3*margin), 0, 0)
	l.legend = draw.Crop(c, c.Size().X-legendW, 0, 0, 0)
	l.strip = f.faultStrip(l.plot)
	l.plot.Max.Y -= l.strip.height
	l.data = f.plot.DataCanvas(l.plot)
	return l
}

// legendWidth is the width the legend and notes need, at most a third of
// the figure: a long label is better wrapped than the plot squeezed.
func (f *Figure) legendWidth(c draw.Canvas) vg.Length {
	sty := textStyle(legendFontPt, colorText)
	var w vg.Length
	for _, e := range f.entries() {
		w = max(w, thumbWidth+legendGap+sty.Width(e.label))
	}
	w = max(w, vg.Points(150))
	return min(w+margin, c.Size().X/3)
}

const thumbWidth = vg.Length(20)

// legendLine is one line of legend text, at its baseline-top y; thumb is
// set on an entry's first line.
type legendLine struct {
	text  string
	y     vg.Length
	thumb plot.Thumbnailer
}

// legendLayout places the legend's entries in the column c: a thumbnail,
// then the label, wrapped onto more lines when it is wider than the
// column, so no entry is ever cut at the figure's edge. It returns the
// lines and the y below the last.
func (f *Figure) legendLayout(c draw.Canvas) ([]legendLine, vg.Length) {
	sty := textStyle(legendFontPt, colorText)
	lineH := sty.Height("Xg") * 1.15
	textW := c.Max.X - (c.Min.X + thumbWidth + legendGap)
	var out []legendLine
	y := c.Max.Y
	for _, e := range f.entries() {
		for i, l := range wrapLabel(sty, e.label, textW) {
			ln := legendLine{text: l, y: y}
			if i == 0 {
				ln.thumb = e.thumb
			}
			out = append(out, ln)
			y -= lineH
		}
		y -= vg.Points(2)
	}
	return out, y
}

// legendGap is the space between a legend thumbnail and its label.
const legendGap = vg.Length(4)

func (f *Figure) drawLegend(c draw.Canvas) {
	sty := textStyle(legendFontPt, colorText)
	sty.YAlign = draw.YTop
	lineH := sty.Height("Xg") * 1.15
	lines, y := f.legendLayout(c)
	for _, l := range lines {
		if l.thumb != nil {
			tc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: c.Min.X, Y: l.y - lineH + vg.Points(1)}, Max: vg.Point{X: c.Min.X + thumbWidth, Y: l.y - vg.Points(1)}}}
			l.thumb.Thumbnail(&tc)
		}
		c.FillText(sty, vg.Point{X: c.Min.X + thumbWidth + legendGap, Y: l.y}, l.text)
	}
	f.drawNotes(c, y-margin)
}

// wrapLabel is wrapText that also breaks a single word wider than width.
func wrapLabel(sty text.Style, s string, width vg.Length) []string {
	var out []string
	for _, line := range wrapText(sty, s, width) {
		for sty.Width(line) > width && len([]rune(line)) > 1 {
			r := []rune(line)
			n := len(r) - 1
			for n > 1 && sty.Width(string(r[:n])) > width {
				n--
			}
			out = append(out, string(r[:n]))
			line = string(r[n:])
		}
		out = append(out, line)
	}
	return out
}

// drawNotes writes the notes under the legend, word-wrapped to its column.
func (f *Figure) drawNotes(c draw.Canvas, y vg.Length) {
	sty := textStyle(noteFontPt, colorNote)
	sty.YAlign = draw.YTop
	lineH := sty.Height("Xg") * 1.15
	for _, n := range f.notes {
		for _, line := range wrapText(sty, n, c.Size().X) {
			if y-lineH < c.Min.Y {
				return
			}
			c.FillText(sty, vg.Point{X: c.Min.X, Y: y}, line)
			y -= lineH
		}
		y -= lineH / 3
	}
}

func wrapText(sty text.Style, s string, width vg.Length) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		next := strings.TrimSpace(cur + " " + w)
		if cur != "" && sty.Width(next) > width {
			lines = append(lines, cur)
			next = w
		}
		cur = next
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func drawNoData(c draw.Canvas) {
	sty := textStyle(20, colorNote)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	c.FillText(sty, c.Center(), "no data")
}

// Thumbnails for legend entries that are not plotters themselves.

type glyphThumb struct{ sty draw.GlyphStyle }

func (t glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(t.sty, c.Center()) }

type lineThumb struct{ sty draw.LineStyle }

func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.sty, c.Min.X, y, c.Max.X, y)
}

type boxThumb struct{ fill color.Color }

func (t boxThumb) Thumbnail(c *draw.Canvas) {
	pad := vg.Length(2)
	r := vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: c.Min.Y + pad}, Max: vg.Point{X: c.Max.X, Y: c.Max.Y - pad}}
	c.SetColor(t.fill)
	c.Fill(r.Path())
}

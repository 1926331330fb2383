package reports

import (
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours. Outcomes follow Jepsen's convention (ok green, fail red, info
// grey); fault kinds get hues that none of the outcome colours use, so a
// red point inside a band is never mistaken for the band.
var (
	colorOK   = color.NRGBA{R: 0x1a, G: 0x9e, B: 0x3a, A: 0xc0}
	colorFail = color.NRGBA{R: 0xe0, G: 0x4a, B: 0x1b, A: 0xff}
	colorInfo = color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 0xff}
	colorText = color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
	colorNote = color.NRGBA{R: 0x66, G: 0x66, B: 0x66, A: 0xff}
)

// faultHues are per-kind base colours, from Okabe and Ito's palette for
// colour-blind readers (Color Universal Design, 2002): every pair stays
// apart under deuteranopia, protanopia and tritanopia too
// (TestFaultColoursDistinct), and none is an outcome's green or red. Bands
// use them translucent, fault lanes and legend swatches opaque, labels and
// one-shot lines in their ink (darkened until they read on white).
var faultHues = map[string]color.NRGBA{
	"partition": {R: 0x00, G: 0x72, B: 0xb2, A: 0xff}, // blue
	"kill":      {R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}, // reddish purple
	"pause":     {R: 0x56, G: 0xb4, B: 0xe9, A: 0xff}, // sky blue
	"clock":     {R: 0xf0, G: 0xe4, B: 0x42, A: 0xff}, // yellow
	"disk":      {R: 0xe6, G: 0x9f, B: 0x00, A: 0xff}, // orange
	"net":       {R: 0x00, G: 0x00, B: 0x00, A: 0xff}, // black
}

// otherHue is the colour of fault kinds without their own (wipe, unknown
// records): a grey none of faultHues comes near.
var otherHue = color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}

// bandAlpha keeps bands light enough that points inside stay readable.
const bandAlpha = 0x2c

func faultHue(kind string) color.NRGBA {
	if c, ok := faultHues[kind]; ok {
		return c
	}
	return otherHue
}

// faultInk is a kind's colour for text and thin lines: its hue darkened
// until it has a contrast of at least 3:1 on white (WCAG's floor for large
// text and graphics), so a yellow label is still read.
func faultInk(kind string) color.NRGBA {
	c := faultHue(kind)
	for i := 0; i < 20 && contrastOnWhite(c) < 3; i++ {
		c = color.NRGBA{R: uint8(int(c.R) * 7 / 8), G: uint8(int(c.G) * 7 / 8), B: uint8(int(c.B) * 7 / 8), A: 0xff}
	}
	return c
}

// contrastOnWhite is WCAG 2's contrast ratio of c against white.
func contrastOnWhite(c color.NRGBA) float64 {
	return 1.05 / (relativeLuminance(c) + 0.05)
}

func relativeLuminance(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

func faultBand(kind string) color.NRGBA {
	c := faultHue(kind)
	c.A = bandAlpha
	return c
}

// seriesColors is Tableau 10, the palette most plotting tools default to,
// minus green and red (taken by outcomes).
var seriesColors = []color.NRGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
	{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
	{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
	{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
}

func seriesColor(i int) color.NRGBA { return seriesColors[i%len(seriesColors)] }

// shapes gives each f its own marker; shapes repeat after eight fs.
var shapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{},
	draw.PyramidGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{},
}

func shape(i int) draw.GlyphDrawer { return shapes[i%len(shapes)] }

// Role colours for the timeline.
var roleColors = map[string]color.NRGBA{
	"leader":   {R: 0x1f, G: 0x4e, B: 0x9c, A: 0xff},
	"follower": {R: 0x8e, G: 0xb8, B: 0xe5, A: 0xff},
	"observer": {R: 0xb9, G: 0xa3, B: 0xdc, A: 0xff},
	"looking":  {R: 0xf2, G: 0xa1, B: 0x3b, A: 0xff},
	"down":     {R: 0xd9, G: 0xd9, B: 0xd9, A: 0xff},
}

// roleOrder is the legend order of roles.
var roleOrder = []string{"leader", "follower", "observer", "looking", "down"}

func roleColor(role string) color.NRGBA {
	if c, ok := roleColors[role]; ok {
		return c
	}
	return color.NRGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}
}

// quantileDashes distinguishes p50/p95/p99/max lines of one f's colour.
var quantileDashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)},
}

func colorNRGBA(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

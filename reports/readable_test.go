package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zabsim/zabsim/history"
)

// Plots a person reads at a glance: each test here fails on a defect a
// reader of the December 2026 plots met.

// workloadThenFinalReads is 30 s of a 20 ops/s workload, then a final
// phase of 3,000 final-read ops within half a second.
func workloadThenFinalReads() []history.Op {
	var b builder
	for i := range 600 {
		t := int64(i) * 50 * ms
		b.add(t, 0, history.Invoke, history.FWrite, nil)
		b.add(t+2*ms, 0, history.OK, history.FWrite, nil)
	}
	for i := range 3000 {
		t := 30*sec + int64(i)*(sec/6000)
		b.add(t, 1+i%8, history.Invoke, "final-read", nil)
		b.add(t+100_000, 1+i%8, history.OK, "final-read", nil)
	}
	return b.ops
}

// TestThroughputAxisExcludesFinalBurst: the final phase's burst of reads
// does not set the throughput axis (the workload's 20 ops/s would be a
// flat line at the bottom of a 6,000 ops/s axis); a note says what was
// left out.
func TestThroughputAxisExcludesFinalBurst(t *testing.T) {
	f := newRun(workloadThenFinalReads(), nil, PlotOptions{}).throughput()
	if f.plot.Y.Max > 60 {
		t.Errorf("throughput axis runs to %.0f ops/s: set by the final burst, not the workload's 20 ops/s", f.plot.Y.Max)
	}
	if f.plot.Y.Max < 20 {
		t.Errorf("throughput axis runs to %.0f ops/s, below the workload's 20 ops/s", f.plot.Y.Max)
	}
	if !strings.Contains(strings.Join(f.notes, " "), "3000 final-read ops") {
		t.Errorf("no note says the final phase is left out: %q", f.notes)
	}
}

// longRoleSpans has every role the legend lumps into "other (...)", whose
// label is wider than the legend column.
func longRoleSpans() []RoleSpan {
	var spans []RoleSpan
	for i, role := range []string{"leader", "follower", "looking", "down", "failed", "follower (syncing)", "leader (syncing)", "paused", "starting"} {
		spans = append(spans, RoleSpan{Node: "s1", StartNS: int64(i) * sec, EndNS: int64(i+1) * sec, Role: role, Epoch: -1})
	}
	return spans
}

// TestLegendAndLabelsFitTheCanvas: every legend line and every fault label
// is drawn inside the figure, for a legend entry wider than its column
// (the node-roles "other (...)" entry was cut at the right edge) and for a
// fault whose label is long.
func TestLegendAndLabelsFitTheCanvas(t *testing.T) {
	var b builder
	b.add(0, 0, history.Invoke, history.FRead, nil)
	b.add(ms, 0, history.OK, history.FRead, nil)
	b.add(1*sec, history.NemesisProcess, history.Info, "wipe", history.NemesisValue{Nodes: []string{"s5"},
		Detail: "operator cleared the data directory: recovery: storage: corrupt data: log log.200000001 at offset 42562: checksum mismatch"})
	b.add(9*sec, history.NemesisProcess, history.Info, "start partition", history.NemesisValue{Nodes: []string{"s1", "s2", "s3", "s4", "s5"}})
	b.add(10*sec, 0, history.Invoke, history.FRead, nil)
	b.add(10*sec+ms, 0, history.OK, history.FRead, nil)
	figs := Figures(b.ops, longRoleSpans(), PlotOptions{})
	for _, size := range [][2]int{{DefaultWidthPX, DefaultHeightPX}, {800, 500}} {
		for _, f := range figs {
			c := pixelCanvas(size[0], size[1])
			l := f.layout(c)
			sty := textStyle(legendFontPt, colorText)
			lines, bottom := f.legendLayout(l.legend)
			wrapped := false
			for _, ln := range lines {
				x1 := l.legend.Min.X + thumbWidth + legendGap + sty.Width(ln.text)
				if x1 > c.Max.X || x1 > l.legend.Max.X+vg.Points(0.5) {
					t.Errorf("%s at %dx%d: legend line %q ends at %.0f pt, past the column (%.0f) or canvas (%.0f)",
						f.Name, size[0], size[1], ln.text, x1, l.legend.Max.X, c.Max.X)
				}
				if ln.thumb == nil {
					wrapped = true
				}
			}
			if bottom < c.Min.Y {
				t.Errorf("%s at %dx%d: legend runs below the canvas", f.Name, size[0], size[1])
			}
			if f.Name == PlotTimeline && !wrapped {
				t.Errorf("%s at %dx%d: the long \"other (...)\" entry was not wrapped", f.Name, size[0], size[1])
			}
			fsty := textStyle(faultFontPt, colorText)
			for _, pl := range l.strip.placed {
				x0 := labelX(l.data, l.plot, f.plot, pl.fault, fsty.Width(pl.text)) + vg.Points(3)
				if x0 < c.Min.X || x0+fsty.Width(pl.text) > l.plot.Max.X+vg.Points(3.5) {
					t.Errorf("%s at %dx%d: fault label %q spans %.0f–%.0f pt, outside the plot (%.0f–%.0f)",
						f.Name, size[0], size[1], pl.text, x0, x0+fsty.Width(pl.text), c.Min.X, l.plot.Max.X)
				}
			}
		}
	}
}

func pixelCanvas(w, h int) draw.Canvas {
	return draw.New(vgimg.NewWith(vgimg.UseWH(vg.Length(float64(w)/pxPerPt), vg.Length(float64(h)/pxPerPt)), vgimg.UseDPI(96)))
}

// TestShortLabelKeepsNodes: a long fault label is cut at its explanation
// and keeps the nodes it hit.
func TestShortLabelKeepsNodes(t *testing.T) {
	for in, want := range map[string]string{
		"wipe operator cleared the data directory: recovery: storage: corrupt data → s5": "wipe operator cleared the data directory → s5",
		"kill leader → s2": "kill leader → s2",
		"net degrade latency=50ms jitter=10ms loss=0.1 dup=0 reorder=0": "net degrade latency=50ms jitter=10ms loss=0.1 d…",
	} {
		if got := shortLabel(in); got != want {
			t.Errorf("shortLabel(%q) = %q, want %q", in, got, want)
		}
		if n := len([]rune(shortLabel(in))); n > maxFaultLabelRunes+6 {
			t.Errorf("shortLabel(%q) is %d runes long", in, n)
		}
	}
}

// TestFaultColoursDistinct: every two fault kinds' colours differ by a
// CIELAB ΔE of at least 15 for normal vision and under simulated
// deuteranopia, protanopia and tritanopia (Machado et al. 2009, severity
// 1), and from the outcome colours (ok green, fail red); every fault's ink
// has a contrast of at least 3:1 on white. The colours before Okabe-Ito
// (partition blue and pause violet) were ΔE 6 apart for a deuteranope.
func TestFaultColoursDistinct(t *testing.T) {
	kinds := []string{"partition", "kill", "pause", "clock", "disk", "net", "other"}
	visions := []struct {
		name string
		m    *[3][3]float64
	}{{"normal vision", nil}, {"deuteranopia", &deuteranopia}, {"protanopia", &protanopia}, {"tritanopia", &tritanopia}}
	const minDeltaE = 15
	for _, v := range visions {
		for i, a := range kinds {
			for _, b := range kinds[i+1:] {
				if d := deltaE(simulate(faultHue(a), v.m), simulate(faultHue(b), v.m)); d < minDeltaE {
					t.Errorf("%s: fault colours %s and %s are ΔE %.1f apart, want >= %d", v.name, a, b, d, minDeltaE)
				}
			}
			for name, o := range map[string]color.NRGBA{"ok": colorOK, "fail": colorFail} {
				o.A = 0xff
				if d := deltaE(simulate(faultHue(a), v.m), simulate(o, v.m)); d < minDeltaE {
					t.Errorf("%s: fault colour %s and outcome %s are ΔE %.1f apart, want >= %d", v.name, a, name, d, minDeltaE)
				}
			}
		}
	}
	for _, k := range kinds {
		if c := contrastOnWhite(faultInk(k)); c < 3 {
			t.Errorf("fault %s ink has contrast %.2f on white, want >= 3", k, c)
		}
	}
}

// TestOverlappingFaultsStayDistinct: where a partition and a kill overlap
// in time, each still shows in its own colour in its own fault lane
// (translucent bands alone mix into one grey-brown).
func TestOverlappingFaultsStayDistinct(t *testing.T) {
	var b builder
	b.add(0, 0, history.Invoke, history.FRead, nil)
	b.add(ms, 0, history.OK, history.FRead, nil)
	b.nemesis(2*sec, "start partition", "s1", "s2")
	b.nemesis(3*sec, "kill", "s3")
	b.nemesis(6*sec, "restart", "s3")
	b.nemesis(7*sec, "stop partition")
	b.add(10*sec, 0, history.Invoke, history.FRead, nil)
	b.add(10*sec+ms, 0, history.OK, history.FRead, nil)
	f := newRun(b.ops, nil, PlotOptions{}).throughput()
	const w, h = DefaultWidthPX, DefaultHeightPX
	raw, err := f.Render("png", w, h)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	l := f.layout(pixelCanvas(w, h))
	if got := fmt.Sprint(l.strip.kinds); got != "[kill partition]" {
		t.Fatalf("fault lanes %s, want [kill partition]", got)
	}
	x := l.data.X(f.plot.X.Norm(4.5)) // both faults hold at 4.5 s
	var seen []color.NRGBA
	for i, kind := range l.strip.kinds {
		lo, hi := l.strip.kindLane(l.data.Max.Y, i)
		got := pixelAt(img, x, (lo+hi)/2, h)
		if want := faultHue(kind); !near(got, want) {
			t.Errorf("lane %s at 4.5 s is %v, want its colour %v", kind, got, want)
		}
		seen = append(seen, got)
	}
	if len(seen) == 2 && near(seen[0], seen[1]) {
		t.Errorf("the overlapping faults' lanes look alike: %v", seen)
	}
}

// pixelAt reads the pixel at point (x, y) of a figure rendered heightPX
// high (points from the bottom left; pixels from the top left).
func pixelAt(img image.Image, x, y vg.Length, heightPX int) color.NRGBA {
	px, py := int(float64(x)*pxPerPt), heightPX-1-int(float64(y)*pxPerPt)
	return color.NRGBAModel.Convert(img.At(px, py)).(color.NRGBA)
}

func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= 6 && d(a.G, b.G) <= 6 && d(a.B, b.B) <= 6
}

// TestAxesHaveReadableTicks: a 64 s run's time axis labels at least six
// round values (gonum's default labelled three: 0, 30, 60), and the labels
// fit side by side.
func TestAxesHaveReadableTicks(t *testing.T) {
	for _, c := range []struct {
		hi   float64
		want string
	}{
		{64, "0 10 20 30 40 50 60"},
		{34.8, "0 5 10 15 20 25 30"},
		{120, "0 10 20 30 40 50 60 70 80 90 100 110 120"},
		{1.2, "0.0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0 1.1 1.2"},
		{4822, "0 1000 2000 3000 4000"},
	} {
		var labels []string
		for _, tk := range (niceTicks{maxLabels: 12}).Ticks(0, c.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != c.want && c.hi != 4822 {
			t.Errorf("ticks of 0–%g: %s, want %s", c.hi, got, c.want)
		}
		if len(labels) < 5 {
			t.Errorf("ticks of 0–%g: only %d labels", c.hi, len(labels))
		}
	}
	f := newRun(faultyHistory(t), faultySpans(), PlotOptions{}).throughput()
	l := f.layout(pixelCanvas(DefaultWidthPX, DefaultHeightPX))
	sty := textStyle(tickFontPt, colorText)
	var width vg.Length
	n := 0
	for _, tk := range f.plot.X.Tick.Marker.Ticks(f.plot.X.Min, f.plot.X.Max) {
		if tk.Label != "" {
			width += sty.Width(tk.Label) + vg.Points(6)
			n++
		}
	}
	if n < 6 || width > l.data.Size().X {
		t.Errorf("time axis: %d labels needing %.0f pt on a %.0f pt axis", n, width, l.data.Size().X)
	}
	for _, tk := range (logAxis{lo: 0.1, top: 10}).Ticks(0, 0) {
		if tk.Label != "" && strings.ContainsAny(tk.Label, "e") {
			t.Errorf("latency tick label %q", tk.Label)
		}
	}
}

// ---- colour vision ----------------------------------------------------------

// Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
var (
	deuteranopia = [3][3]float64{{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}}
	protanopia   = [3][3]float64{{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}}
	tritanopia   = [3][3]float64{{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}
)

func srgbToLinear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func linearToSRGB(v float64) float64 {
	v = max(0, min(1, v))
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// simulate returns c as seen with the colour vision deficiency m (nil:
// normal vision), as sRGB in [0, 1].
func simulate(c color.NRGBA, m *[3][3]float64) [3]float64 {
	rgb := [3]float64{float64(c.R) / 255, float64(c.G) / 255, float64(c.B) / 255}
	if m == nil {
		return rgb
	}
	lin := [3]float64{srgbToLinear(rgb[0]), srgbToLinear(rgb[1]), srgbToLinear(rgb[2])}
	var out [3]float64
	for i := range 3 {
		out[i] = linearToSRGB(m[i][0]*lin[0] + m[i][1]*lin[1] + m[i][2]*lin[2])
	}
	return out
}

// deltaE is the CIE76 distance of two sRGB colours in CIELAB (D65).
func deltaE(a, b [3]float64) float64 {
	la, lb := toLab(a), toLab(b)
	return math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2]))
}

func toLab(c [3]float64) [3]float64 {
	r, g, b := srgbToLinear(c[0]), srgbToLinear(c[1]), srgbToLinear(c[2])
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

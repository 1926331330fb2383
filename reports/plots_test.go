package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/history"
)

// checkPNG asserts path decodes as a w×h PNG with more than a handful of
// colours (a blank or single-colour image would have one or two).
func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: w, Y: h}) {
		t.Fatalf("%s: size %v, want %dx%d", path, got, w, h)
	}
	if n := distinctColors(img, 16); n < 16 {
		t.Fatalf("%s: only %d distinct colours: the image is blank", path, n)
	}
}

func distinctColors(img image.Image, enough int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= enough {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// svgText parses path as XML (failing on any syntax error) and returns its
// character data.
func svgText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", path, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
	if root != "svg" {
		t.Fatalf("%s: root element %q, want svg", path, root)
	}
	return text.String()
}

func wantPlotFiles() []string {
	var want []string
	for _, n := range PlotNames {
		want = append(want, n+".png", n+".svg")
	}
	return want
}

func TestWritePlotsFaultyRun(t *testing.T) {
	dir := t.TempDir()
	opts := PlotOptions{Scenario: "register-partition", Seed: 42}
	names, err := WritePlots(dir, faultyHistory(t), faultySpans(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, wantPlotFiles()) {
		t.Fatalf("WritePlots returned %v, want %v", names, wantPlotFiles())
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if strings.HasSuffix(n, ".png") {
			checkPNG(t, p, DefaultWidthPX, DefaultHeightPX)
			continue
		}
		text := svgText(t, p)
		for _, want := range []string{"register-partition", "seed 42", "start partition random-halves", "kill leader"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q", n, want)
			}
		}
		if strings.Contains(text, "no data") {
			t.Errorf("%s: says no data for a history with data", n)
		}
	}
	assertNoTempFiles(t, dir)
}

func TestWritePlotsWithoutData(t *testing.T) {
	var allInfo builder
	for p := range 3 {
		allInfo.add(int64(p)*sec, p, history.Invoke, history.FWrite, nil)
	}
	for p := range 3 {
		allInfo.add(int64(5+p)*sec, p, history.Info, history.FWrite, nil)
	}
	cases := map[string][]history.Op{"empty": nil, "nemesis-only": {{Index: 0, Time: 3 * sec, Process: -1, Type: history.Info, F: "kill s1"}}}
	for name, ops := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			names, err := WritePlots(dir, ops, nil, PlotOptions{Scenario: "x", WidthPX: 640, HeightPX: 360})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if strings.HasSuffix(n, ".png") {
					checkPNG(t, filepath.Join(dir, n), 640, 360)
				} else if text := svgText(t, filepath.Join(dir, n)); !strings.Contains(text, "no data") {
					t.Errorf("%s: empty plot lacks the \"no data\" note", n)
				}
			}
		})
	}
	t.Run("all-info", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := WritePlots(dir, allInfo.ops, nil, PlotOptions{}); err != nil {
			t.Fatal(err)
		}
		// Info ops are drawn (latency-raw) and counted (throughput); they
		// have no latency, so the quantile plot has nothing to draw.
		if text := svgText(t, filepath.Join(dir, "latency-raw.svg")); strings.Contains(text, "no data") || !strings.Contains(text, "info") {
			t.Errorf("latency-raw of an all-info history should draw the info row, got text %q", text)
		}
		if text := svgText(t, filepath.Join(dir, "latency-quantiles.svg")); !strings.Contains(text, "no data") {
			t.Errorf("latency-quantiles of an all-info history should say no data")
		}
		if text := svgText(t, filepath.Join(dir, "availability.svg")); strings.Contains(text, "no data") {
			t.Errorf("availability of an all-info history has data (all zero)")
		}
	})
}

func TestRenderIsDeterministic(t *testing.T) {
	ops := faultyHistory(t)
	a := Figures(ops, faultySpans(), PlotOptions{Scenario: "s", Seed: 1})
	b := Figures(ops, faultySpans(), PlotOptions{Scenario: "s", Seed: 1})
	for i := range a {
		for _, format := range []string{"png", "svg"} {
			x, err1 := a[i].Render(format, 800, 400)
			y, err2 := b[i].Render(format, 800, 400)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !bytes.Equal(x, y) {
				t.Fatalf("%s.%s differs between two renders of the same history", a[i].Name, format)
			}
		}
	}
}

func TestRenderRejectsBadRequests(t *testing.T) {
	f := Figures(nil, nil, PlotOptions{})[0]
	for _, c := range []struct {
		format string
		w, h   int
	}{{"gif", 800, 400}, {"png", 0, 400}, {"svg", 800, -1}, {"png", 1 << 20, 400}} {
		if _, err := f.Render(c.format, c.w, c.h); err == nil {
			t.Errorf("Render(%q, %d, %d) succeeded, want an error", c.format, c.w, c.h)
		}
	}
}

func TestLatencyRawThinsOKPointsAndSaysSo(t *testing.T) {
	f := newRun(faultyHistory(t), nil, PlotOptions{MaxPoints: 50}).latencyRaw()
	joined := strings.Join(f.notes, "\n")
	if !strings.Contains(joined, "ops drawn") {
		t.Fatalf("notes %q do not mention thinning", f.notes)
	}
}

func TestWindows(t *testing.T) {
	for _, c := range []struct {
		want  time.Duration
		endNS int64
		wNS   int64
	}{
		{0, 30 * sec, sec},
		{0, 1000 * sec, 2 * sec},
		{0, 3600 * sec, 10 * sec},
		{250 * time.Millisecond, 10 * sec, 250 * ms},
		{time.Millisecond, 3600 * sec, 10 * sec},
		{0, 1 << 62, 10_000_000_000_000_000},
	} {
		if got := windowNS(c.want, c.endNS); got != c.wNS {
			t.Errorf("windowNS(%v, %d) = %d, want %d", c.want, c.endNS, got, c.wNS)
		}
	}
	// The last bucket absorbs a short tail: 30.2 s in 1 s windows is 30
	// buckets, the last one [29 s, 30.2 s).
	r := run{endNS: 30*sec + 200*ms, windowNS: sec}
	if r.windows() != 30 || r.window(30*sec+100*ms) != 29 || r.window(-5) != 0 {
		t.Fatalf("windows=%d window(30.1s)=%d window(-5)=%d", r.windows(), r.window(30*sec+100*ms), r.window(-5))
	}
	if s, e := r.windowBounds(29); s != 29*sec || e != 30*sec+200*ms {
		t.Fatalf("last window bounds [%d, %d)", s, e)
	}
}

func TestCompletionsCountByCompletionTime(t *testing.T) {
	var b builder
	b.add(100*ms, 0, history.Invoke, "read", nil)
	b.add(1500*ms, 0, history.OK, "read", nil) // completes in window 1
	b.add(200*ms, 1, history.Invoke, "write", nil)
	b.add(300*ms, 1, history.Fail, "write", nil) // window 0
	b.add(400*ms, 2, history.Invoke, "write", nil)
	b.add(2500*ms, 2, history.Info, "write", nil)          // window 2
	b.add(2600*ms, 1, history.Invoke, "read", nil)         // never completes: not counted
	b.add(700*ms, 3, history.Invoke, history.FNotify, nil) // a watch event: not a request
	b.add(700*ms, 3, history.OK, history.FNotify, nil)
	ops := b.ops
	slices.SortStableFunc(ops, func(x, y history.Op) int { return int(x.Time - y.Time) })
	for i := range ops {
		ops[i].Index = i
	}
	if err := history.Validate(ops); err != nil {
		t.Fatal(err)
	}
	r := newRun(ops, nil, PlotOptions{})
	if fs := fNames(r.pairs); slices.Contains(fs, history.FNotify) {
		t.Fatalf("notifications plotted as requests: %v", fs)
	}
	got := r.completions()
	want := map[history.Type][]int{history.OK: {0, 1, 0}, history.Fail: {1, 0, 0}, history.Info: {0, 0, 1}}
	for typ, w := range want {
		if !slices.Equal(got[typ], w) {
			t.Errorf("%s completions per window = %v, want %v", typ, got[typ], w)
		}
	}
}

func TestNearestRank(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]float64{0.5: 5, 0.95: 10, 0.99: 10, 1: 10, 0: 1} {
		if got := nearestRank(xs, q); got != want {
			t.Errorf("nearestRank(1..10, %v) = %v, want %v", q, got, want)
		}
	}
}

func TestNaturalOrder(t *testing.T) {
	got := spanNodes([]RoleSpan{{Node: "s10"}, {Node: "s2"}, {Node: "s1"}, {Node: "s2"}, {Node: "obs"}})
	if want := []string{"obs", "s1", "s2", "s10"}; !slices.Equal(got, want) {
		t.Fatalf("spanNodes = %v, want %v", got, want)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestPlotsSurviveBadInput(t *testing.T) {
	ops := []history.Op{
		{Index: 0, Time: math.MinInt64, Process: 0, Type: history.Invoke, F: "read"},
		{Index: 1, Time: -5 * sec, Process: 1, Type: history.Invoke, F: ""},
		{Index: 2, Time: math.MaxInt64, Process: 0, Type: history.OK, F: "read"},
		{Index: 3, Time: -sec, Process: 1, Type: history.Fail, F: ""},
		{Index: 4, Time: 7, Process: history.NemesisProcess, Type: history.Info, F: "kill", Value: []byte(`{"nodes":"not a list"}`)},
		{Index: 5, Time: 3, Process: 2, Type: history.Invoke, F: "write"}, // never completes
	}
	spans := []RoleSpan{
		{Node: "s1", StartNS: 10, EndNS: 5, Role: "leader"},            // ends before it starts
		{Node: "", StartNS: 0, EndNS: 5, Role: "leader"},               // no node
		{Node: "s1", StartNS: -sec, EndNS: math.MaxInt64, Role: "???"}, // unknown role, huge end
	}
	dir := t.TempDir()
	names, err := WritePlots(dir, ops, spans, PlotOptions{WidthPX: 400, HeightPX: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".png") {
			checkPNG(t, filepath.Join(dir, n), 400, 200)
		} else {
			svgText(t, filepath.Join(dir, n))
		}
	}
	roles := newRun(ops, spans, PlotOptions{}).timeline(spans)
	if !strings.Contains(strings.Join(roles.notes, " "), "2 spans") {
		t.Errorf("timeline notes %q do not count the 2 skipped spans", roles.notes)
	}
}

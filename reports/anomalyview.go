package reports

import (
	"fmt"
	"html"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// The run page's account of a failure: the history around every op an
// anomaly cites (one table row per record, anchored op-INDEX so anomalies
// and drawings link to it) and, for a linearizability failure, the failing
// window of each failing key drawn as a timeline (checker.LinearWindows).

// excerptRadius is how many records around a cited one its excerpt shows.
const excerptRadius = 6

// maxLinkedOps bounds the cited ops a page links (and excerpts); ops
// beyond it are named as plain numbers.
const maxLinkedOps = 200

// excerptRow is one history record in an excerpt.
type excerptRow struct {
	Gap                                              bool // a "…" row: records left out before this one
	ID                                               string
	Index                                            int
	Time, Process, Type, F, Value, Node, Zxid, Error string
	Cited                                            bool
}

// failView is everything the page shows about the failures.
type failView struct {
	Excerpt []excerptRow
	Windows []windowView
	linked  map[int]bool
}

type windowView struct {
	Early        []earlyOp // open ops called before the window, not drawn
	Checker, Key string
	Confirmed    bool
	FromStart    bool
	Ops          int
	From, To     string
	SVG          template.HTML
}

type earlyOp struct {
	Index  int
	Text   string
	Linked bool
	ID     string
}

// opAnchor is the id of a history record's row.
func opAnchor(i int) string { return "op-" + strconv.Itoa(i) }

// buildFailView collects the cited ops of every checker that did not say
// valid, the windows of the linearizability failures, and the excerpt that
// holds them all.
func buildFailView(ops []history.Op, checkers []flatChecker) failView {
	v := failView{linked: map[int]bool{}}
	if len(ops) == 0 || !slices.ContainsFunc(checkers, func(fc flatChecker) bool { return fc.Result.Valid != checker.Valid }) {
		return v
	}
	pos := make(map[int]int, len(ops))
	for i, op := range ops {
		pos[op.Index] = i
	}
	want := map[int]bool{}  // positions in ops to show
	cited := map[int]bool{} // record indexes an anomaly names
	link := func(idx, radius int) {
		p, ok := pos[idx]
		if !ok || (len(v.linked) >= maxLinkedOps && !v.linked[idx]) {
			return
		}
		v.linked[idx] = true
		for q := max(0, p-radius); q <= min(len(ops)-1, p+radius); q++ {
			want[q] = true
		}
		if c, ok := completionOf(ops, p); ok {
			want[c] = true
		}
	}
	for _, fc := range checkers {
		if fc.Result.Valid == checker.Valid {
			continue
		}
		for ai, a := range fc.Result.Anomalies {
			if ai == maxAnomaliesShown {
				break
			}
			for _, i := range a.Ops {
				cited[i] = true
				link(i, excerptRadius)
			}
		}
		if baseName(fc.Name) != "linearizable" || fc.Result.Valid != checker.Invalid {
			continue
		}
		for _, w := range checker.LinearWindows(ops, fc.Result) {
			for _, op := range w.Ops {
				link(op.Index, 0)
			}
			wv := windowView{Checker: fc.Name, Key: w.Key, Confirmed: w.Confirmed, FromStart: w.FromStart, Ops: len(w.Ops),
				From: formatSeconds(nsToS(w.FromNS)), To: formatSeconds(nsToS(w.ToNS)), SVG: windowSVG(w, v.linked)}
			for _, op := range w.Ops {
				if op.Early {
					wv.Early = append(wv.Early, earlyOp{Index: op.Index, Text: op.Text, Linked: v.linked[op.Index], ID: opAnchor(op.Index)})
				}
			}
			v.Windows = append(v.Windows, wv)
		}
	}
	positions := make([]int, 0, len(want))
	for p := range want {
		positions = append(positions, p)
	}
	slices.Sort(positions)
	for k, p := range positions {
		op := ops[p]
		row := excerptRow{Gap: k > 0 && positions[k-1] != p-1, ID: opAnchor(op.Index), Index: op.Index,
			Time: strconv.FormatFloat(nsToS(op.Time), 'f', 6, 64), Process: processName(op.Process), Type: string(op.Type),
			F: op.F, Value: string(op.Value), Node: op.Node, Error: op.Error, Cited: cited[op.Index]}
		if op.Zxid != 0 {
			row.Zxid = "0x" + strconv.FormatInt(op.Zxid, 16)
		}
		v.Excerpt = append(v.Excerpt, row)
	}
	return v
}

// completionOf finds the completion of the invoke at position p (the next
// record of its process), if p is an invoke.
func completionOf(ops []history.Op, p int) (int, bool) {
	if ops[p].Type != history.Invoke {
		return 0, false
	}
	for q := p + 1; q < len(ops); q++ {
		if ops[q].Process == ops[p].Process {
			return q, ops[q].Type != history.Invoke
		}
	}
	return 0, false
}

func processName(p int) string {
	switch p {
	case history.NemesisProcess:
		return "nemesis"
	case history.ClusterProcess:
		return "cluster"
	}
	return strconv.Itoa(p)
}

func baseName(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// opLinks renders op indexes, each a link to its excerpt row when the
// page has one.
func (v failView) opLinks(ops []int) template.HTML {
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteString(", ")
		}
		if v.linked[op] {
			fmt.Fprintf(&b, `<a href="#%s">%d</a>`, opAnchor(op), op)
		} else {
			b.WriteString(strconv.Itoa(op))
		}
	}
	return template.HTML(b.String())
}

// Window drawing geometry, in SVG user units (px).
const (
	winLeft    = 70.0 // room for process labels
	winWidth   = 1180.0
	winRowH    = 46.0
	winBarH    = 12.0
	winTop     = 28.0
	winBottom  = 34.0
	winFontPx  = 11.0
	winCharPx  = 6.8 // average glyph width at winFontPx, for label placement
	winMinBarW = 3.0
)

// windowSVG draws a failing window: one row per client process, each op a
// bar from its call to its reply (an info op runs dashed to the window's
// end), its text beside it, cited ops red; every bar links to its history
// row.
func windowSVG(w checker.FailingWindow, linked map[int]bool) template.HTML {
	// Open ops called before the window are listed under the drawing,
	// not drawn: each would be a bar across all of it.
	w.Ops = slices.DeleteFunc(slices.Clone(w.Ops), func(op checker.WindowOp) bool { return op.Early })
	var procs []int
	for _, op := range w.Ops {
		procs = append(procs, op.Process)
	}
	slices.Sort(procs)
	procs = slices.Compact(procs)
	row := map[int]int{}
	for i, p := range procs {
		row[p] = i
	}
	span := float64(max(w.ToNS-w.FromNS, 1))
	plotW := winWidth - winLeft - 20
	x := func(t int64) float64 { return winLeft + plotW*float64(t-w.FromNS)/span }
	height := winTop + float64(len(procs))*winRowH + winBottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="window" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="failing window of key %s">`,
		winWidth, height, winWidth, height, html.EscapeString(w.Key))
	fmt.Fprintf(&b, `<style>text{font:%.0fpx ui-monospace,Menlo,Consolas,monospace;fill:#222}.cited text{fill:#b91c1c;font-weight:600}</style>`, winFontPx)
	for i, p := range procs {
		y := winTop + float64(i)*winRowH
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"></line>`, winLeft, y+winRowH/2, winWidth-10, y+winRowH/2)
		fmt.Fprintf(&b, `<text x="4" y="%.1f">process %d</text>`, y+winRowH/2+4, p)
	}
	// Labels alternate above and below the bar when the previous label on
	// the row would overlap.
	lastEnd := map[int][2]float64{}
	for _, op := range w.Ops {
		r := row[op.Process]
		y := winTop + float64(r)*winRowH + winRowH/2 - winBarH/2
		x0, x1 := x(op.CallNS), x(op.ReturnNS)
		x1 = max(x1, x0+winMinBarW)
		fill, stroke, dash := "#9ec5e8", "#2b6cb0", ""
		if strings.HasPrefix(op.Text, "read(") {
			fill, stroke = "#b7e1c1", "#2f855a"
		}
		if op.Open {
			fill, stroke, dash = "#e2e2e2", "#777", ` stroke-dasharray="4 3"`
		}
		class := ""
		if op.Cited {
			fill, stroke, class = "#fca5a5", "#b91c1c", ` class="cited"`
		}
		label := fmt.Sprintf("%d %s", op.Index, op.Text)
		if op.Node != "" { // which server answered tells a deposed leader from a late reply
			node, _, _ := strings.Cut(op.Node, ":")
			label += " on " + node
			if op.Zxid != 0 {
				label += " zxid 0x" + strconv.FormatInt(op.Zxid, 16)
			}
		}
		lw := float64(len([]rune(label))) * winCharPx
		lane := 0
		if lastEnd[r][0] > x0 {
			lane = 1
			if lastEnd[r][1] > x0 {
				lane = 0
			}
		}
		ends := lastEnd[r]
		ends[lane] = x0 + lw + 6
		lastEnd[r] = ends
		ty := y - 3
		if lane == 1 {
			ty = y + winBarH + winFontPx
		}
		tx := min(x0, winWidth-lw-4)
		title := fmt.Sprintf("op %d, process %d: %s; called %s s, %s", op.Index, op.Process, op.Text,
			strconv.FormatFloat(nsToS(op.CallNS), 'f', 6, 64), returned(op))
		if op.Node != "" {
			title += ", served by " + op.Node
		}
		if op.Zxid != 0 {
			title += ", zxid 0x" + strconv.FormatInt(op.Zxid, 16)
		}
		open, closeTag := "", ""
		if linked[op.Index] {
			open, closeTag = fmt.Sprintf(`<a href="#%s">`, opAnchor(op.Index)), "</a>"
		}
		fmt.Fprintf(&b, `<g%s>%s<title>%s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="%s"%s></rect><text x="%.1f" y="%.1f">%s</text>%s</g>`,
			class, open, html.EscapeString(title), x0, y, x1-x0, winBarH, fill, stroke, dash, tx, ty, html.EscapeString(label), closeTag)
	}
	// Time axis: five ticks, in ms from the window's start.
	axisY := winTop + float64(len(procs))*winRowH + 4
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"></line>`, winLeft, axisY, winLeft+plotW, axisY)
	for k := 0; k <= 4; k++ {
		t := w.FromNS + int64(float64(k)/4*span)
		tx := x(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"></line><text x="%.1f" y="%.1f" text-anchor="middle">+%s ms</text>`,
			tx, axisY, tx, axisY+4, tx, axisY+16, strconv.FormatFloat(float64(t-w.FromNS)/1e6, 'f', 3, 64))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="14">key %s, from %s s</text>`, winLeft, html.EscapeString(w.Key), strconv.FormatFloat(nsToS(w.FromNS), 'f', 6, 64))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func returned(op checker.WindowOp) string {
	if op.Open {
		return "no definite reply (it may take effect any time after its call)"
	}
	return "returned " + strconv.FormatFloat(nsToS(op.ReturnNS), 'f', 6, 64) + " s"
}

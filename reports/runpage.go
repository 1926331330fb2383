package reports

import (
	"fmt"
	"html/template"
	"path/filepath"
	"strings"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Files a run directory may hold besides the plots; the run page links
// those that exist and names the others as not produced.
var runFiles = []struct{ Name, What string }{
	{"history.jsonl", "the history, one JSON record per line"},
	{"nemesis.txt", "the fault schedule"},
	{"timeline.html", "Porcupine's linearizability visualization"},
	{"summary.json", "this summary as JSON"},
}

type fileLink struct {
	Name, Href, What string
	Present          bool
}

type plotImg struct {
	Name, PNG, SVG string
}

type faultRow struct {
	Kind, Label, Start, End string
}

type runPageData struct {
	S        RunSummary
	Checkers []checkerRow
	Failing  []checkerRow // the checkers that did not say valid
	Fail     failView
	Files    []fileLink
	Logs     []fileLink
	Plots    []plotImg
	Faults   []faultRow
	Live     string
}

// RunPage is what a run's index.html shows.
type RunPage struct {
	Summary RunSummary
	// Plots are image file names relative to the run directory, as
	// WritePlots returns them; each PNG is embedded and its SVG linked.
	Plots []string
	// Faults are listed in a table (Faults(ops) computes them).
	Faults []Fault
	// Ops is the run's history, when the page should show the records
	// around every anomaly (each cited op a link to its row) and draw the
	// failing window of a linearizability failure. Nil leaves them out.
	Ops []history.Op
	// Live names the target of a live run ("zabsim", "zookeeper"); empty
	// for a simulated run. A live page says so instead of "simulated time".
	Live string
	// Logs are the servers' log files, relative to the run directory
	// (logs/s1.log, cluster/s1/server.log), linked from the page.
	Logs []string
	_    struct{}
}

// WriteRunPage writes dir/index.html for one run: verdicts per checker with
// their anomalies, op counts, trace hash, times, the repro command, the
// faults, links to those of the run's files that exist, and the plots.
func WriteRunPage(dir string, page RunPage) error {
	s := page.Summary
	fail := buildFailView(page.Ops, flattenCheckers(s.Checkers))
	data := runPageData{S: s, Checkers: checkerRows(s.Checkers, fail), Fail: fail, Plots: plotImages(dir, page.Plots), Live: page.Live}
	for _, c := range data.Checkers {
		if c.Valid != checker.Valid {
			data.Failing = append(data.Failing, c)
		}
	}
	for _, l := range page.Logs {
		if exists(dir, l) {
			data.Logs = append(data.Logs, fileLink{Name: l, Href: relHref(l), Present: true})
		}
	}
	for _, f := range page.Faults {
		row := faultRow{Kind: f.Kind, Label: f.Label, Start: formatSeconds(nsToS(f.StartNS)), End: formatSeconds(nsToS(f.EndNS))}
		switch {
		case f.Instant:
			row.End = "(one-shot)"
		case f.Open:
			row.End += " (never healed)"
		}
		data.Faults = append(data.Faults, row)
	}
	for _, f := range runFiles {
		data.Files = append(data.Files, fileLink{Name: f.Name, Href: relHref(f.Name), What: f.What, Present: exists(dir, f.Name)})
	}
	return renderPage(filepath.Join(dir, "index.html"), runPageTmpl, data)
}

// plotImages pairs each existing PNG with its SVG sibling, in input order.
func plotImages(dir string, plots []string) []plotImg {
	var out []plotImg
	for _, p := range plots {
		stem, ok := strings.CutSuffix(p, ".png")
		if !ok || !exists(dir, p) {
			continue
		}
		img := plotImg{Name: filepath.Base(stem), PNG: relHref(p)}
		if exists(dir, stem+".svg") {
			img.SVG = relHref(stem + ".svg")
		}
		out = append(out, img)
	}
	return out
}

// WriteRunReport renders a run directory's report: every plot (PNG and
// SVG) and index.html. It does not write summary.json or history.jsonl,
// which the run itself owns; index.html links them when they exist.
// page.Ops is the history the plots are drawn from; page.Plots and
// page.Faults are filled in.
func WriteRunReport(dir string, page RunPage, spans []RoleSpan) error {
	s := page.Summary
	plots, err := WritePlots(dir, page.Ops, spans, PlotOptions{Scenario: s.Scenario, Seed: s.Seed, Anomalies: AnomalyMarks(s.Checkers, page.Ops)})
	if err != nil {
		return err
	}
	page.Plots, page.Faults = plots, Faults(page.Ops)
	return WriteRunPage(dir, page)
}

func verdictClass(v checker.Validity) string { return verdictName(v) }

var runPageTmpl = template.Must(template.New("run").Funcs(pageFuncs).Funcs(template.FuncMap{"class": verdictClass}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.S.Scenario}} seed {{.S.Seed}}: {{verdict .S.Valid}}</title>
<style>{{css}}</style>
</head>
<body>
<h1>{{.S.Scenario}} <small>seed {{.S.Seed}}</small> <span class="badge {{class .S.Valid}}" id="verdict">{{verdict .S.Valid}}</span></h1>
<dl>
<dt>scenario</dt><dd>{{.S.Scenario}}</dd>
<dt>seed</dt><dd>{{.S.Seed}}</dd>
<dt>bug switches</dt><dd>{{if .S.Bugs}}{{range $i, $b := .S.Bugs}}{{if $i}}, {{end}}<code>{{$b}}</code>{{end}}{{else}}none{{end}}</dd>
<dt>trace hash</dt><dd><code>{{.S.TraceHash}}</code></dd>
{{if .Live}}<dt>run</dt><dd id="live">live, against a real <b>{{.Live}}</b> cluster (wall clock, real processes: not reproducible by seed)</dd>
<dt>duration</dt><dd>{{seconds .S.SimSeconds}} s</dd>{{else}}<dt>run</dt><dd>simulated</dd>
<dt>simulated time</dt><dd>{{seconds .S.SimSeconds}} s</dd>{{end}}
<dt>wall time</dt><dd>{{seconds .S.WallSeconds}} s</dd>
<dt>ops</dt><dd>{{.S.Ops.Invoked}} invoked: {{.S.Ops.OK}} ok, {{.S.Ops.Fail}} fail, {{.S.Ops.Info}} info; {{.S.Ops.Nemesis}} nemesis records</dd>
</dl>
{{if .Failing}}<h2 id="what-went-wrong">What went wrong</h2>
{{range .Failing}}<p><b>{{.Name}}</b> ({{verdict .Valid}}). {{.Explain}}</p>
{{end}}{{end}}<h2>Reproduce</h2>
<pre><code id="repro">{{.S.Repro}}</code></pre>
<h2>Checkers</h2>
{{if .Checkers}}<table>
<tr><th>checker</th><th>verdict</th><th>anomalies</th><th>counts</th></tr>
{{range .Checkers}}<tr><td>{{.Name}}</td><td class="{{class .Valid}}">{{verdict .Valid}}</td><td>{{if .Anomalies}}<ul>{{range .Anomalies}}<li{{if .N}} id="anomaly-{{.N}}"{{end}}>{{if .N}}<span class="fail">A{{.N}}</span> {{end}}<b>{{.Kind}}</b>: {{.Explanation}}{{if .Ops}} <span class="missing">(ops {{.Ops}})</span>{{end}}</li>{{end}}{{if .More}}<li>… and {{.More}} more in summary.json</li>{{end}}</ul>{{else}}none{{end}}</td><td><small>{{.Counts}}</small></td></tr>
{{end}}</table>{{else}}<p class="missing">No checker results recorded.</p>{{end}}
{{if .Fail.Windows}}<h2 id="failing-windows">Failing windows</h2>
<p>Each drawing is the stretch of one key's history around what the linearizability checker cites: every operation on the key that was in flight then, one row per client process, a bar from call to reply. Red bars are the cited ops; a dashed grey bar has no definite reply and may take effect any time after its call. Each bar links to its record below.</p>
{{range .Fail.Windows}}<h3>key <code>{{.Key}}</code>: {{.Ops}} ops, {{.From}}–{{.To}} s</h3>
<p>{{if .Confirmed}}These ops alone, {{if .FromStart}}from the key's initial state{{else}}from whatever state the key was in before them{{end}}, have no linearization: Porcupine finds no order that explains every reply.{{else}}Not confirmed on its own: the ops before this window matter too (the whole key's history has no linearization).{{end}}</p>
<figure class="window">{{.SVG}}</figure>
{{if .Early}}<p>Also part of the check, not drawn: {{len .Early}} earlier op{{if gt (len .Early) 1}}s{{end}} on <code>{{.Key}}</code> with no definite reply, which may have taken effect inside the window:
{{range $i, $e := .Early}}{{if $i}}, {{end}}{{if $e.Linked}}<a href="#{{$e.ID}}">{{$e.Index}}</a>{{else}}{{$e.Index}}{{end}} <code>{{$e.Text}}</code>{{end}}.</p>
{{end}}{{end}}{{end}}{{if .Fail.Excerpt}}<h2 id="history">History around the anomalies</h2>
<p>The records around every op an anomaly cites (highlighted), with the completion of each; times in seconds since the run started. All records are in <a href="history.jsonl">history.jsonl</a>.</p>
<table class="history">
<tr><th>index</th><th>time (s)</th><th>process</th><th>type</th><th>f</th><th>value</th><th>node</th><th>zxid</th><th>error</th></tr>
{{range .Fail.Excerpt}}{{if .Gap}}<tr class="gap"><td colspan="9">…</td></tr>
{{end}}<tr id="{{.ID}}"{{if .Cited}} class="cited"{{end}}><td class="num">{{.Index}}</td><td class="num">{{.Time}}</td><td>{{.Process}}</td><td>{{.Type}}</td><td>{{.F}}</td><td><code>{{.Value}}</code></td><td>{{.Node}}</td><td>{{.Zxid}}</td><td>{{.Error}}</td></tr>
{{end}}</table>{{end}}
<h2>Faults</h2>
{{if .Faults}}<table>
<tr><th>start (s)</th><th>end (s)</th><th>kind</th><th>fault</th></tr>
{{range .Faults}}<tr><td class="num">{{.Start}}</td><td class="num">{{.End}}</td><td>{{.Kind}}</td><td><code>{{.Label}}</code></td></tr>
{{end}}</table>{{else}}<p class="missing">No faults were injected.</p>{{end}}
<h2>Files</h2>
<ul>
{{range .Files}}{{if .Present}}<li><a href="{{.Href}}">{{.Name}}</a>: {{.What}}</li>{{else}}<li class="missing">{{.Name}}: not produced for this run</li>{{end}}
{{end}}</ul>
{{if .Logs}}<h2 id="logs">Server logs</h2>
<ul>
{{range .Logs}}<li><a href="{{.Href}}">{{.Name}}</a></li>
{{end}}</ul>{{end}}
<h2>Plots</h2>
{{range .Plots}}<figure><a href="{{if .SVG}}{{.SVG}}{{else}}{{.PNG}}{{end}}"><img src="{{.PNG}}" alt="{{.Name}} plot"></a><figcaption>{{.Name}}{{if .SVG}} (<a href="{{.SVG}}">SVG</a>){{end}}</figcaption></figure>
{{else}}<p class="missing">No plots.</p>
{{end}}</body>
</html>
`))

// describe is a one-line verdict summary for suite pages and JUnit: which
// checkers failed and their first anomaly.
func describe(s RunSummary) string {
	var parts []string
	if s.Error != "" {
		parts = append(parts, "error: "+s.Error)
	}
	for _, fc := range flattenCheckers(s.Checkers) {
		if fc.Result.Valid == checker.Valid {
			continue
		}
		part := fc.Name + " " + verdictName(fc.Result.Valid)
		if len(fc.Result.Anomalies) > 0 {
			a := fc.Result.Anomalies[0]
			part += fmt.Sprintf(": %s: %s", a.Kind, a.Explanation)
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

package serve

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/reports"
)

type indexData struct {
	Title              string
	Store              string
	F                  filter
	Runs               []Run
	Suites             []Suite
	More               int
	Total, TotalSuites int
	Scenarios, BugList []string
}

type runData struct {
	Title    string
	R        Run
	Checkers []namedResult
	Files    []fileRow
	Plots    []string
	Report   bool
	History  bool
	Others   []Run
}

type plotPair struct {
	Name string
	A, B bool
}

type compareData struct {
	Title    string
	A, B     Run
	Plots    []plotPair
	Checkers []checkerPair
}

// escapePath escapes each segment of a slash path for a URL path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

var funcs = template.FuncMap{
	"css":     func() template.CSS { return template.CSS(reports.PageCSS() + serveCSS) },
	"verdict": verdictWord,
	"files": func(rel string, name ...string) string {
		p := rel
		if len(name) > 0 {
			p += "/" + name[0]
		}
		return "/files/" + escapePath(p)
	},
	"runHref":     func(rel string) string { return "/run/" + escapePath(rel) },
	"historyHref": historyHref,
	"firstN": func(n int, xs []checker.Anomaly) []checker.Anomaly {
		return xs[:min(n, len(xs))]
	},
	"timeS": func(ns int64) string { return strconv.FormatFloat(float64(ns)/1e9, 'f', 3, 64) },
	"raw":   func(b []byte) string { return string(b) },
	"compareHref": func(a, b string) string {
		return "/compare?" + url.Values{"a": {a}, "b": {b}}.Encode()
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "?"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"join":    func(xs []string) string { return strings.Join(xs, ", ") },
	"size":    func(n int64) string { return strconv.FormatInt(n, 10) },
	"seconds": func(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) },
	"selected": func(a, b string) template.HTMLAttr {
		if a == b {
			return "selected"
		}
		return ""
	},
	"split": strings.Fields,
	"valid": func(v checker.Validity) bool { return v == checker.Valid },
}

const serveCSS = `
nav{margin:.3em 0 1em}nav a{margin-right:1em}
form.filter{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:end;background:#f8f8f8;border:1px solid #ddd;padding:.6em}
form.filter label{display:flex;flex-direction:column;font-size:.85em}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1em}.side img{width:100%}
td.valid,td.invalid,td.unknown{white-space:nowrap}
tr.differs td:first-child{font-weight:600}tr.mark td{background:#fff3cd;font-weight:600}
ul.anomalies{margin:.2em 0;padding-left:1.2em}
`

const head = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>{{css}}</style>
</head>
<body>
<nav><a href="/">all runs</a><a href="/?verdict=failed">failures</a><a href="/files/">store files</a></nav>
`

var indexTmpl = template.Must(template.New("index").Funcs(funcs).Parse(head + `
<h1>zabsim results <small><code>{{.Store}}</code></small></h1>
<form class="filter" method="get" action="/">
<label>scenario<select name="scenario"><option value="">any</option>{{range .Scenarios}}<option {{selected . $.F.Scenario}}>{{.}}</option>{{end}}</select></label>
<label>verdict<select name="verdict"><option value="">any</option>{{range $v := (print "failed valid invalid unknown" | split)}}<option {{selected $v $.F.Verdict}}>{{$v}}</option>{{end}}</select></label>
<label>bug switch<select name="bug"><option value="">any</option><option {{selected "none" .F.Bug}}>none</option>{{range .BugList}}<option {{selected . $.F.Bug}}>{{.}}</option>{{end}}</select></label>
<label>kind<select name="kind"><option value="">any</option>{{range $v := (print "run live suite hunt" | split)}}<option {{selected $v $.F.Kind}}>{{$v}}</option>{{end}}</select></label>
<label>from<input type="date" name="from" value="{{.F.From}}"></label>
<label>to<input type="date" name="to" value="{{.F.To}}"></label>
<button type="submit">filter</button> <a href="/">clear</a>
</form>
<h2>Suites</h2>
{{if .Suites}}<table id="suites">
<tr><th>when (UTC)</th><th>suite</th><th>runs</th><th>invalid</th><th>unknown</th><th>valid</th><th>scenarios</th></tr>
{{range .Suites}}<tr><td>{{when .When}}</td><td><a href="{{files .Rel "index.html"}}">{{.Name}}</a> <small><code>{{.Rel}}</code></small></td><td class="num">{{.Runs}}</td><td class="num{{if .Invalid}} invalid{{end}}">{{.Invalid}}</td><td class="num{{if .Unknown}} unknown{{end}}">{{.Unknown}}</td><td class="num">{{.Valid}}</td><td><small>{{join .Scenarios}}</small></td></tr>
{{end}}</table>{{else}}<p class="missing">No suite{{if .TotalSuites}} matches the filter (the store has {{.TotalSuites}}){{end}}.</p>{{end}}
<h2>Runs</h2>
<p id="count">{{len .Runs}}{{if .More}}+{{.More}}{{end}} of {{.Total}} runs{{if .More}} ({{.More}} more not listed: narrow the filter){{end}}.</p>
{{if .Runs}}<form method="get" action="/compare">
<p>Pick a run as A and one as B, then <button type="submit">compare them side by side</button></p>
<table id="runs">
<tr><th>A</th><th>B</th><th>when (UTC)</th><th>verdict</th><th>scenario</th><th>seed</th><th>bug switches</th><th>kind</th><th>why</th><th>files</th></tr>
{{range .Runs}}<tr><td><input type="radio" name="a" value="{{.Rel}}" aria-label="A"></td><td><input type="radio" name="b" value="{{.Rel}}" aria-label="B"></td><td>{{when .When}}</td><td class="{{verdict .Valid}}">{{verdict .Valid}}</td><td>{{.Scenario}}</td><td class="num"><a href="{{runHref .Rel}}">{{.Seed}}</a></td><td>{{join .Bugs}}</td><td>{{.Kind}}{{if .Target}} ({{.Target}}){{end}}{{if .Suite}} <a href="{{files .Suite "index.html"}}">suite</a>{{end}}</td><td><small>{{.Failing}}</small></td><td><a href="{{runHref .Rel}}">run</a> · <a href="{{files .Rel}}/">files</a></td></tr>
{{end}}</table>
</form>{{end}}
</body>
</html>
`))

var runTmpl = template.Must(template.New("run").Funcs(funcs).Parse(head + `
<h1>{{.R.Scenario}} <small>seed {{.R.Seed}}</small> <span class="badge {{verdict .R.Valid}}" id="verdict">{{verdict .R.Valid}}</span></h1>
<dl>
<dt>directory</dt><dd><code>{{.R.Rel}}</code></dd>
<dt>when (UTC)</dt><dd>{{when .R.When}}</dd>
<dt>kind</dt><dd>{{.R.Kind}}{{if .R.Target}}, against {{.R.Target}}{{end}}{{if .R.Suite}}, in suite <a href="{{files .R.Suite "index.html"}}">{{.R.Suite}}</a>{{end}}</dd>
<dt>bug switches</dt><dd>{{if .R.Bugs}}{{join .R.Bugs}}{{else}}none{{end}}</dd>
<dt>trace hash</dt><dd><code>{{.R.Summary.TraceHash}}</code></dd>
<dt>ops</dt><dd>{{.R.Summary.Ops.Invoked}} invoked: {{.R.Summary.Ops.OK}} ok, {{.R.Summary.Ops.Fail}} fail, {{.R.Summary.Ops.Info}} info; {{.R.Summary.Ops.Nemesis}} nemesis records</dd>
<dt>{{if .R.Target}}run time{{else}}simulated time{{end}}</dt><dd>{{seconds .R.Summary.SimSeconds}} s (wall {{seconds .R.Summary.WallSeconds}} s)</dd>
<dt>zabsim</dt><dd>{{.R.Summary.Version}}</dd>
{{if .R.Summary.Invocation}}<dt>command</dt><dd><code>{{.R.Summary.Invocation}}</code></dd>{{end}}
{{if .R.Summary.Repro}}<dt>reproduce</dt><dd><code>{{.R.Summary.Repro}}</code></dd>{{end}}
</dl>
<p>{{if .Report}}<a href="{{files .R.Rel "index.html"}}" id="report">report page</a> (checkers, anomalies, faults, plots) · {{end}}<a href="{{files .R.Rel}}/">all files</a></p>
<h2>Checkers</h2>
<table>
<tr><th>checker</th><th>verdict</th><th>anomalies</th></tr>
{{range .Checkers}}<tr><td>{{.Name}}</td><td class="{{verdict .Result.Valid}}">{{verdict .Result.Valid}}</td><td>{{if .Result.Anomalies}}{{len .Result.Anomalies}}<ul class="anomalies">{{range firstN 5 .Result.Anomalies}}<li><b>{{.Kind}}</b>: {{.Explanation}}{{if and $.History .Ops}} <a href="{{historyHref $.R.Rel .Ops}}">history around ops {{range $i, $o := .Ops}}{{if $i}}, {{end}}{{$o}}{{end}}</a>{{end}}</li>{{end}}</ul>{{else}}none{{end}}</td></tr>
{{end}}</table>
{{if .History}}<p><a href="{{historyHref .R.Rel nil}}" id="history">history</a> (as a table, 200 records a page)</p>{{end}}
<h2>Compare</h2>
{{if .Others}}<form method="get" action="/compare"><input type="hidden" name="a" value="{{.R.Rel}}">
<label>with another run of {{.R.Scenario}}: <select name="b">{{range .Others}}<option value="{{.Rel}}">{{when .When}} seed {{.Seed}} {{verdict .Valid}} ({{.Kind}})</option>{{end}}</select></label>
<button type="submit">compare</button></form>
<p>{{with index .Others 0}}<a href="{{compareHref $.R.Rel .Rel}}" id="compare-latest">compare with the newest other run</a>{{end}}</p>
{{else}}<p class="missing">No other run of {{.R.Scenario}} in the store.</p>{{end}}
<h2>Files</h2>
<table>
<tr><th>file</th><th>bytes</th></tr>
{{range .Files}}<tr><td><a href="{{files $.R.Rel .Name}}">{{.Name}}</a></td><td class="num">{{size .Size}}</td></tr>
{{end}}</table>
<h2>Plots</h2>
{{range .Plots}}<figure><img src="{{files $.R.Rel (print . ".png")}}" alt="{{.}} plot"><figcaption>{{.}}</figcaption></figure>
{{else}}<p class="missing">No plots in this run directory.</p>{{end}}
</body>
</html>
`))

var compareTmpl = template.Must(template.New("compare").Funcs(funcs).Parse(head + `
<h1>Two runs side by side</h1>
<table id="compare">
<tr><th></th><th><a href="{{runHref .A.Rel}}">A</a> <small><code>{{.A.Rel}}</code></small></th><th><a href="{{runHref .B.Rel}}">B</a> <small><code>{{.B.Rel}}</code></small></th></tr>
<tr><td>verdict</td><td class="{{verdict .A.Valid}}">{{verdict .A.Valid}}</td><td class="{{verdict .B.Valid}}">{{verdict .B.Valid}}</td></tr>
<tr><td>scenario</td><td>{{.A.Scenario}}</td><td>{{.B.Scenario}}</td></tr>
<tr><td>seed</td><td>{{.A.Seed}}</td><td>{{.B.Seed}}</td></tr>
<tr><td>when (UTC)</td><td>{{when .A.When}}</td><td>{{when .B.When}}</td></tr>
<tr><td>kind</td><td>{{.A.Kind}} {{.A.Target}}</td><td>{{.B.Kind}} {{.B.Target}}</td></tr>
<tr><td>bug switches</td><td>{{join .A.Bugs}}</td><td>{{join .B.Bugs}}</td></tr>
<tr><td>trace hash</td><td><code>{{.A.Summary.TraceHash}}</code></td><td><code>{{.B.Summary.TraceHash}}</code></td></tr>
<tr><td>ops invoked / ok / fail / info</td><td>{{.A.Summary.Ops.Invoked}} / {{.A.Summary.Ops.OK}} / {{.A.Summary.Ops.Fail}} / {{.A.Summary.Ops.Info}}</td><td>{{.B.Summary.Ops.Invoked}} / {{.B.Summary.Ops.OK}} / {{.B.Summary.Ops.Fail}} / {{.B.Summary.Ops.Info}}</td></tr>
<tr><td>nemesis records</td><td>{{.A.Summary.Ops.Nemesis}}</td><td>{{.B.Summary.Ops.Nemesis}}</td></tr>
<tr><td>sim / wall s</td><td>{{seconds .A.Summary.SimSeconds}} / {{seconds .A.Summary.WallSeconds}}</td><td>{{seconds .B.Summary.SimSeconds}} / {{seconds .B.Summary.WallSeconds}}</td></tr>
<tr><td>zabsim</td><td>{{.A.Summary.Version}}</td><td>{{.B.Summary.Version}}</td></tr>
{{range .Checkers}}<tr{{if ne .A .B}} class="differs"{{end}}><td>checker {{.Name}}{{if ne .A .B}} ≠{{end}}</td><td class="{{.A}}">{{or .A "—"}}</td><td class="{{.B}}">{{or .B "—"}}</td></tr>
{{end}}</table>
<p><a href="{{compareHref .B.Rel .A.Rel}}">swap A and B</a></p>
<h2>Plots</h2>
{{range .Plots}}<h3>{{.Name}}</h3>
<div class="side"><div>{{if .A}}<img src="{{files $.A.Rel (print .Name ".png")}}" alt="A {{.Name}}">{{else}}<p class="missing">A has no {{.Name}} plot</p>{{end}}</div><div>{{if .B}}<img src="{{files $.B.Rel (print .Name ".png")}}" alt="B {{.Name}}">{{else}}<p class="missing">B has no {{.Name}} plot</p>{{end}}</div></div>
{{else}}<p class="missing">Neither run has plots.</p>{{end}}
</body>
</html>
`))

var historyTmpl = template.Must(template.New("history").Funcs(funcs).Parse(head + `
<h1>{{.R.Scenario}} <small>seed {{.R.Seed}}</small>: history</h1>
<p><a href="{{runHref .R.Rel}}">the run</a> · <a href="{{files .R.Rel "history.jsonl"}}">history.jsonl</a> ({{.Total}} records){{if .Ops}} · records {{.Ops}} highlighted{{end}}</p>
{{if .Missing}}<p class="missing">The history has no record {{range $i, $m := .Missing}}{{if $i}}, {{end}}{{$m}}{{end}}.</p>{{end}}
<p>{{if .Prev}}<a href="{{.Prev}}">earlier</a>{{end}} {{if .Next}}<a href="{{.Next}}">later</a>{{end}}</p>
<table id="history">
<tr><th>index</th><th>time (s)</th><th>process</th><th>type</th><th>f</th><th>value</th><th>node</th><th>zxid</th><th>error</th></tr>
{{range .Rows}}<tr{{if .Mark}} class="mark"{{end}} id="op-{{.Index}}"><td class="num">{{.Index}}</td><td class="num">{{timeS .Time}}</td><td class="num">{{.Process}}</td><td>{{.Type}}</td><td>{{.F}}</td><td><code>{{raw .Value}}</code></td><td>{{.Node}}</td><td class="num">{{if .Zxid}}{{printf "0x%x" .Zxid}}{{end}}</td><td>{{.Error}}</td></tr>
{{else}}<tr><td colspan="9" class="missing">No records here.</td></tr>
{{end}}</table>
<p>{{if .Prev}}<a href="{{.Prev}}">earlier</a>{{end}} {{if .Next}}<a href="{{.Next}}">later</a>{{end}}</p>
</body>
</html>
`))

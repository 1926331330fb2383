package reports

import (
	"cmp"
	"html/template"
	"path"
	"path/filepath"
	"slices"
)

// SuiteRun is one run of a suite: its summary and its directory relative to
// the suite directory.
type SuiteRun struct {
	Dir     string
	Summary RunSummary
}

// Totals counts runs by verdict.
type Totals struct {
	Runs, Valid, Invalid, Unknown int
}

func (t *Totals) add(s RunSummary) {
	t.Runs++
	switch verdictRank(s.Valid) {
	case 0:
		t.Invalid++
	case 1:
		t.Unknown++
	default:
		t.Valid++
	}
}

// SuiteTotals counts runs by verdict.
func SuiteTotals(runs []SuiteRun) Totals {
	var t Totals
	for _, r := range runs {
		t.add(r.Summary)
	}
	return t
}

// sortRuns orders runs failures first (invalid, unknown, valid), then by
// scenario and seed, so the first row is the first thing to look at.
func sortRuns(runs []SuiteRun) []SuiteRun {
	out := slices.Clone(runs)
	slices.SortStableFunc(out, func(a, b SuiteRun) int {
		return cmp.Or(
			cmp.Compare(verdictRank(a.Summary.Valid), verdictRank(b.Summary.Valid)),
			cmp.Compare(a.Summary.Scenario, b.Summary.Scenario),
			cmp.Compare(a.Summary.Seed, b.Summary.Seed),
			cmp.Compare(a.Dir, b.Dir))
	})
	return out
}

type suiteRow struct {
	Run    SuiteRun
	Href   string
	Detail string
}

type scenarioRow struct {
	Scenario string
	Totals   Totals
	Cells    []suiteRow // by seed
}

type suitePageData struct {
	Title     string
	Totals    Totals
	Scenarios []scenarioRow
	Rows      []suiteRow
}

// WriteSuitePage writes dir/index.html over a suite's runs: totals, a
// scenario × seed grid of verdicts (scenarios with failures first), and a
// table of every run, failures first, with its repro command. Each run links
// to its directory's index.html when that exists, else to the directory.
func WriteSuitePage(dir, title string, runs []SuiteRun) error {
	data := suitePageData{Title: title, Totals: SuiteTotals(runs)}
	byScenario := map[string]*scenarioRow{}
	for _, r := range sortRuns(runs) {
		row := suiteRow{Run: r, Href: runHref(dir, r.Dir), Detail: describe(r.Summary)}
		data.Rows = append(data.Rows, row)
		sc := byScenario[r.Summary.Scenario]
		if sc == nil {
			sc = &scenarioRow{Scenario: r.Summary.Scenario}
			byScenario[r.Summary.Scenario] = sc
		}
		sc.Totals.add(r.Summary)
		sc.Cells = append(sc.Cells, row)
	}
	for _, sc := range byScenario {
		slices.SortFunc(sc.Cells, func(a, b suiteRow) int { return cmp.Compare(a.Run.Summary.Seed, b.Run.Summary.Seed) })
		data.Scenarios = append(data.Scenarios, *sc)
	}
	slices.SortFunc(data.Scenarios, func(a, b scenarioRow) int {
		return cmp.Or(cmp.Compare(b.Totals.Invalid, a.Totals.Invalid), cmp.Compare(b.Totals.Unknown, a.Totals.Unknown),
			cmp.Compare(a.Scenario, b.Scenario))
	})
	return renderPage(filepath.Join(dir, "index.html"), suitePageTmpl, data)
}

func runHref(suiteDir, runDir string) string {
	if exists(suiteDir, path.Join(filepath.ToSlash(runDir), "index.html")) {
		return relHref(path.Join(filepath.ToSlash(runDir), "index.html"))
	}
	return relHref(filepath.ToSlash(runDir)) + "/"
}

var suitePageTmpl = template.Must(template.New("suite").Funcs(pageFuncs).Funcs(template.FuncMap{"class": verdictClass}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}: {{.Totals.Invalid}} invalid, {{.Totals.Unknown}} unknown of {{.Totals.Runs}}</title>
<style>{{css}}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p id="totals">{{.Totals.Runs}} runs: <span class="badge invalid">{{.Totals.Invalid}} invalid</span> <span class="badge unknown">{{.Totals.Unknown}} unknown</span> <span class="badge valid">{{.Totals.Valid}} valid</span></p>
<h2>Scenarios × seeds</h2>
<table class="grid">
<tr><th>scenario</th><th>invalid</th><th>unknown</th><th>valid</th><th>seeds</th></tr>
{{range .Scenarios}}<tr><td>{{.Scenario}}</td><td class="num">{{.Totals.Invalid}}</td><td class="num">{{.Totals.Unknown}}</td><td class="num">{{.Totals.Valid}}</td><td>{{range .Cells}}<a class="{{class .Run.Summary.Valid}}" href="{{.Href}}" title="{{verdict .Run.Summary.Valid}}: {{.Run.Summary.Repro}}">{{.Run.Summary.Seed}}</a>{{end}}</td></tr>
{{end}}</table>
<h2>Runs, failures first</h2>
<table>
<tr><th>verdict</th><th>scenario</th><th>seed</th><th>why</th><th>ops ok/fail/info</th><th>sim s</th><th>wall s</th><th>repro</th></tr>
{{range .Rows}}<tr><td class="{{class .Run.Summary.Valid}}">{{verdict .Run.Summary.Valid}}</td><td>{{.Run.Summary.Scenario}}</td><td><a href="{{.Href}}">{{.Run.Summary.Seed}}</a></td><td>{{.Detail}}</td><td class="num">{{.Run.Summary.Ops.OK}}/{{.Run.Summary.Ops.Fail}}/{{.Run.Summary.Ops.Info}}</td><td class="num">{{seconds .Run.Summary.SimSeconds}}</td><td class="num">{{seconds .Run.Summary.WallSeconds}}</td><td><code>{{.Run.Summary.Repro}}</code></td></tr>
{{end}}</table>
</body>
</html>
`))

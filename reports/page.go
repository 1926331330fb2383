package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/checker"
)

// pageCSS is shared by every page: inline, so a page opened from a CI
// artifact or a file:// URL fetches nothing.
const pageCSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1260px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.valid{background:#e3f4e6;color:#14532d}.invalid{background:#fde2e0;color:#7f1d1d;font-weight:600}.unknown{background:#fff3cd;color:#6b4e00;font-weight:600}
.badge{display:inline-block;padding:.1em .5em;border-radius:.3em}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;user-select:all}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.4em 0}
.missing{color:#888}.grid a{display:inline-block;min-width:3.5em;margin:1px;padding:.1em .3em;text-align:center;text-decoration:none;border-radius:.2em}
tr.cited td{background:#fde2e0}tr.gap td{color:#888;text-align:center}table.history td{font-size:.85em}
figure.window{overflow-x:auto;margin:.5em 0}figure.window svg{max-width:none}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
`

// pageFuncs are the helpers templates may call.
var pageFuncs = template.FuncMap{
	"css":     func() template.CSS { return template.CSS(pageCSS) },
	"verdict": verdictName,
	"seconds": func(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) },
}

// renderPage executes t with data and writes the page atomically.
func renderPage(path string, t *template.Template, data any) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("reports: render %s: %w", path, err)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// exists reports whether dir/name is an existing file or directory.
func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
	return err == nil
}

// relHref turns a relative file path into an href: slashes, each segment
// path-escaped (html/template escapes the attribute, not the path).
func relHref(p string) string {
	parts := strings.Split(filepath.ToSlash(p), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// maxAnomaliesShown bounds each checker's anomaly list on a page; the rest
// are counted.
const maxAnomaliesShown = 20

type anomalyRow struct {
	N                 int // A<N> on the plots; 0 for a valid checker's notes
	Kind, Explanation string
	Ops               template.HTML // the cited op indexes, linked to the history excerpt where the page has one
}

type checkerRow struct {
	Name      string
	Valid     checker.Validity
	Explain   string // what the checker promises and what it found (not valid only)
	Anomalies []anomalyRow
	More      int
	Counts    string
}

func checkerRows(rs []checker.Result, v failView) []checkerRow {
	var rows []checkerRow
	n := 0 // anomalies are numbered A1, A2, ... as the plots mark them
	for _, fc := range flattenCheckers(rs) {
		row := checkerRow{Name: fc.Name, Valid: fc.Result.Valid, Counts: formatCounts(fc.Result.Counts)}
		if fc.Result.Valid != checker.Valid {
			row.Explain = explainChecker(fc.Name, fc.Result)
		}
		for i, a := range fc.Result.Anomalies {
			if i == maxAnomaliesShown {
				row.More = len(fc.Result.Anomalies) - i
				break
			}
			if fc.Result.Valid != checker.Valid {
				n++
			}
			row.Anomalies = append(row.Anomalies, anomalyRow{N: n, Kind: a.Kind, Explanation: a.Explanation, Ops: v.opLinks(a.Ops)})
		}
		rows = append(rows, row)
	}
	return rows
}

// formatCounts renders counts as "k=v" pairs with sorted keys.
func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Itoa(m[k])
	}
	return strings.Join(parts, " ")
}

func formatInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

// PageCSS is the style sheet every report page inlines, for other pages
// (zabsim serve) to look the same.
func PageCSS() string { return pageCSS }

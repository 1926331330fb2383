// Package serve is `zabsim serve`: a local web UI over a results store, as
// Jepsen's `lein run serve` is over its store/. It lists the store's runs
// and suites (filtered by scenario, verdict, bug switch, kind and date),
// shows one run's summary, files and plots beside its report page, and
// two runs side by side. It only reads what runs wrote (summary.json,
// suite.json, the run directories' files); it never runs anything.
//
// Every file is read through an os.Root opened on the store, so no
// request — a crafted path, "..", an absolute path or a symlink pointing
// out — reads anything outside the store.
package serve

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zabsim/zabsim/rundir"
)

// Server serves one results store.
type Server struct {
	dir  string
	root *os.Root
	fsys fs.FS

	mu       sync.Mutex
	cached   Listing
	cachedAt time.Time
}

// listingTTL is how long a scan of the store is reused: pages opened in
// quick succession (a run page, then a comparison) do not each read every
// summary of a large store, and a new run shows within seconds.
const listingTTL = 3 * time.Second

// listing scans the store, or returns the scan of the last listingTTL.
func (s *Server) listing() Listing {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := time.Now(); s.cachedAt.IsZero() || now.Sub(s.cachedAt) > listingTTL {
		s.cached, s.cachedAt = scan(s.fsys), now
	}
	return s.cached
}

// New opens the store at dir, which must be an existing directory.
func New(dir string) (*Server, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("results store %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("results store %s is not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("results store %s: %w", dir, err)
	}
	return &Server{dir: dir, root: root, fsys: root.FS()}, nil
}

// Close releases the store.
func (s *Server) Close() error { return s.root.Close() }

// Handler routes the UI's pages:
//
//	/                      runs and suites, filtered by query parameters
//	/run/REL               one run: summary, checkers, files, plots
//	/history/REL?op=N,M    a run's history around the records an anomaly names
//	/compare?a=REL&b=REL   two runs side by side
//	/files/REL             a file of the store, as written (report pages, plots, logs)
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /run/{rel...}", s.run)
	mux.HandleFunc("GET /history/{rel...}", s.history)
	mux.HandleFunc("GET /compare", s.compare)
	mux.Handle("GET /files/", http.StripPrefix("/files", http.HandlerFunc(s.files)))
	return mux
}

// files serves the store's files. http.FileServer over the os.Root's FS
// cleans the path and refuses "..", and the root refuses to leave the
// store through a symlink.
func (s *Server) files(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.FileServer(http.FS(s.fsys)).ServeHTTP(w, r)
}

// relPath validates a store-relative path from a request: a clean, local
// slash path ("" and "." are refused).
func relPath(p string) (string, bool) {
	p = strings.Trim(p, "/")
	if p == "" || !fs.ValidPath(p) || p == "." || strings.Contains(p, "\\") {
		return "", false
	}
	return p, true
}

// loadRun reads the run directory rel.
// requestedRun is the run directory a request's {rel} names; when there is
// none it answers 404 and reports false.
func (s *Server) requestedRun(w http.ResponseWriter, r *http.Request) (string, Run, bool) {
	rel, ok := relPath(r.PathValue("rel"))
	if !ok {
		http.Error(w, "not a run directory", http.StatusNotFound)
		return "", Run{}, false
	}
	run, ok := s.loadRun(rel)
	if !ok {
		http.Error(w, rel+": not a run directory of this store (no readable summary.json)", http.StatusNotFound)
		return "", Run{}, false
	}
	return rel, run, true
}

func (s *Server) loadRun(rel string) (Run, bool) {
	r, ok := readRun(s.fsys, rel)
	if !ok {
		return Run{}, false
	}
	if sr, ok := s.suiteOf(rel); ok {
		r.Kind, r.Suite = "suite", sr
		r.When = when(s.fsys, sr, path.Join(sr, rundir.SuiteFile))
	}
	return r, true
}

// suiteOf is the suite directory holding the run directory rel, if any.
func (s *Server) suiteOf(rel string) (string, bool) {
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if _, err := fs.Stat(s.fsys, path.Join(d, rundir.SuiteFile)); err == nil {
			return d, true
		}
	}
	return "", false
}

// filter is the index page's query.
type filter struct {
	Scenario, Verdict, Bug, Kind, From, To string
	from, to                               time.Time
}

func parseFilter(r *http.Request) (filter, error) {
	q := r.URL.Query()
	f := filter{Scenario: q.Get("scenario"), Verdict: q.Get("verdict"), Bug: q.Get("bug"), Kind: q.Get("kind"),
		From: q.Get("from"), To: q.Get("to")}
	if f.Verdict != "" && !slices.Contains([]string{"valid", "invalid", "unknown", "failed"}, f.Verdict) {
		return f, fmt.Errorf("verdict must be valid, invalid, unknown or failed, not %q", f.Verdict)
	}
	if f.Kind != "" && !slices.Contains([]string{"run", "live", "suite", "hunt"}, f.Kind) {
		return f, fmt.Errorf("kind must be run, live, suite or hunt, not %q", f.Kind)
	}
	var err error
	if f.From != "" {
		if f.from, err = time.Parse(time.DateOnly, f.From); err != nil {
			return f, fmt.Errorf("from must be a date (YYYY-MM-DD), not %q", f.From)
		}
	}
	if f.To != "" {
		if f.to, err = time.Parse(time.DateOnly, f.To); err != nil {
			return f, fmt.Errorf("to must be a date (YYYY-MM-DD), not %q", f.To)
		}
		f.to = f.to.AddDate(0, 0, 1) // the whole day
	}
	return f, nil
}

func (f filter) dateOK(t time.Time) bool {
	return (f.from.IsZero() || !t.Before(f.from)) && (f.to.IsZero() || t.Before(f.to))
}

func (f filter) runOK(r Run) bool {
	if f.Scenario != "" && r.Scenario != f.Scenario || f.Kind != "" && r.Kind != f.Kind {
		return false
	}
	if f.Bug != "" && !(slices.Contains(r.Bugs, f.Bug) || f.Bug == "none" && len(r.Bugs) == 0) {
		return false
	}
	switch v := verdictWord(r.Valid); f.Verdict {
	case "", v:
	case "failed":
		if v == "valid" {
			return false
		}
	default:
		return false
	}
	return f.dateOK(r.When)
}

func (f filter) suiteOK(s Suite) bool {
	if f.Kind != "" && f.Kind != "suite" {
		return false
	}
	if f.Scenario != "" && !slices.Contains(s.Scenarios, f.Scenario) {
		return false
	}
	switch f.Verdict {
	case "valid":
		if s.Valid == 0 {
			return false
		}
	case "invalid":
		if s.Invalid == 0 {
			return false
		}
	case "unknown":
		if s.Unknown == 0 {
			return false
		}
	case "failed":
		if s.Invalid+s.Unknown == 0 {
			return false
		}
	}
	return f.dateOK(s.When)
}

// maxRows bounds the runs one index page lists.
const maxRows = 1000

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		http.Error(w, "bad filter: "+err.Error(), http.StatusBadRequest)
		return
	}
	all := s.listing()
	data := indexData{Title: "zabsim results: " + s.dir, Store: s.dir, F: f, Total: len(all.Runs), TotalSuites: len(all.Suites)}
	var scs, bugs []string
	for _, run := range all.Runs {
		scs = appendNew(scs, run.Scenario)
		for _, b := range run.Bugs {
			bugs = appendNew(bugs, b)
		}
		if !f.runOK(run) {
			continue
		}
		if len(data.Runs) == maxRows {
			data.More++
			continue
		}
		data.Runs = append(data.Runs, run)
	}
	for _, su := range all.Suites {
		if f.suiteOK(su) {
			data.Suites = append(data.Suites, su)
		}
	}
	slices.Sort(scs)
	slices.Sort(bugs)
	data.Scenarios, data.BugList = scs, bugs
	render(w, indexTmpl, data)
}

func appendNew(xs []string, x string) []string {
	if x == "" || slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	rel, run, ok := s.requestedRun(w, r)
	if !ok {
		return
	}
	data := runData{Title: fmt.Sprintf("%s seed %d: %s", run.Scenario, run.Seed, verdictWord(run.Valid)), R: run, Checkers: flatten(run.Summary.Checkers), Files: s.listFiles(rel),
		Plots: s.plots(rel), Report: s.exists(path.Join(rel, "index.html")), History: s.hasHistory(rel)}
	// Runs of the same scenario to compare with, newest first.
	for _, o := range s.listing().Runs {
		if o.Scenario == run.Scenario && o.Rel != rel && len(data.Others) < 200 {
			data.Others = append(data.Others, o)
		}
	}
	render(w, runTmpl, data)
}

func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	var runs [2]Run
	for i, key := range []string{"a", "b"} {
		rel, ok := relPath(r.URL.Query().Get(key))
		if !ok {
			http.Error(w, "compare needs two run directories: ?a=REL&b=REL", http.StatusBadRequest)
			return
		}
		if runs[i], ok = s.loadRun(rel); !ok {
			http.Error(w, rel+": not a run directory of this store", http.StatusNotFound)
			return
		}
	}
	data := compareData{A: runs[0], B: runs[1],
		Title: fmt.Sprintf("compare %s seed %d and %s seed %d", runs[0].Scenario, runs[0].Seed, runs[1].Scenario, runs[1].Seed)}
	pa, pb := s.plots(runs[0].Rel), s.plots(runs[1].Rel)
	for _, name := range plotOrder {
		row := plotPair{Name: name}
		row.A, row.B = slices.Contains(pa, name), slices.Contains(pb, name)
		if row.A || row.B {
			data.Plots = append(data.Plots, row)
		}
	}
	data.Checkers = compareCheckers(runs[0], runs[1])
	render(w, compareTmpl, data)
}

// plotOrder is the order of a run's plots (reports.PlotNames, and bench's).
var plotOrder = []string{"latency-raw", "latency-quantiles", "throughput", "availability", "node-roles"}

// plots lists the plot stems of plotOrder whose PNG the run has.
func (s *Server) plots(rel string) []string {
	var out []string
	for _, p := range plotOrder {
		if s.exists(path.Join(rel, p+".png")) {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) exists(p string) bool {
	_, err := fs.Stat(s.fsys, p)
	return err == nil
}

// fileRow is one file of a run directory.
type fileRow struct {
	Name string // relative to the run directory
	Size int64
}

// maxFiles bounds the files a run page lists.
const maxFiles = 500

// listFiles lists the run directory's files (logs and node directories of
// live runs included), sorted, without following symlinks.
func (s *Server) listFiles(rel string) []fileRow {
	var out []fileRow
	_ = fs.WalkDir(s.fsys, rel, func(p string, d fs.DirEntry, err error) error {
		if err != nil || len(out) >= maxFiles {
			return nil
		}
		if d.IsDir() {
			if p != rel && strings.Count(strings.TrimPrefix(p, rel+"/"), "/") >= 3 {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		out = append(out, fileRow{Name: strings.TrimPrefix(p, rel+"/"), Size: fi.Size()})
		return nil
	})
	return out
}

type checkerPair struct {
	Name string
	A, B string // verdict words, "" when the run has no such checker
}

func compareCheckers(a, b Run) []checkerPair {
	var names []string
	va, vb := map[string]string{}, map[string]string{}
	for _, c := range flatten(a.Summary.Checkers) {
		names = appendNew(names, c.Name)
		va[c.Name] = verdictWord(c.Result.Valid)
	}
	for _, c := range flatten(b.Summary.Checkers) {
		names = appendNew(names, c.Name)
		vb[c.Name] = verdictWord(c.Result.Valid)
	}
	out := make([]checkerPair, 0, len(names))
	for _, n := range names {
		out = append(out, checkerPair{Name: n, A: va[n], B: vb[n]})
	}
	return out
}

func render(w http.ResponseWriter, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

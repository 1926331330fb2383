package serve

import (
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/rundir"
)

// History pages show a window of a run's history.jsonl as a table: around
// the ops an anomaly names (?op=12,57, highlighted, with ?context records
// either side), or from a record on (?from=N).
const (
	defaultContext = 15
	maxContext     = 200
	historyPage    = 200 // records per page without ?op
)

type historyRow struct {
	history.Op
	Mark bool
}

type historyData struct {
	Title      string
	R          Run
	Rows       []historyRow
	Total      int
	Ops        string // the ?op list, as given
	Prev, Next string // hrefs, "" at either end
	Missing    []int  // ?op indexes the history does not have
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	rel, run, ok := s.requestedRun(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	marks, err := parseInts(q.Get("op"))
	if err != nil {
		http.Error(w, "op must be record indexes separated by commas: "+err.Error(), http.StatusBadRequest)
		return
	}
	context, from := defaultContext, 0
	if v := q.Get("context"); v != "" {
		if context, err = strconv.Atoi(v); err != nil || context < 0 || context > maxContext {
			http.Error(w, fmt.Sprintf("context must be 0 to %d records", maxContext), http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			http.Error(w, "from must be a record index (0 or more)", http.StatusBadRequest)
			return
		}
	}
	f, err := s.fsys.Open(path.Join(rel, rundir.HistoryFile))
	if err != nil {
		http.Error(w, rel+": no history.jsonl", http.StatusNotFound)
		return
	}
	ops, err := history.Read(f)
	f.Close()
	if err != nil {
		http.Error(w, rel+": "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	data := historyData{Title: fmt.Sprintf("%s seed %d: history", run.Scenario, run.Seed), R: run, Total: len(ops), Ops: q.Get("op")}
	lo, hi := from, from+historyPage
	if len(marks) > 0 {
		lo, hi = slices.Min(marks)-context, slices.Max(marks)+context+1
		hi = min(hi, lo+2*maxContext+1+len(marks)) // a list spanning the whole history still shows a page
	}
	for _, m := range marks {
		if !slices.ContainsFunc(ops, func(o history.Op) bool { return o.Index == m }) {
			data.Missing = append(data.Missing, m)
		}
	}
	// Records are ordered by Index; select by it, not by position.
	for _, op := range ops {
		if op.Index >= lo && op.Index < hi {
			data.Rows = append(data.Rows, historyRow{Op: op, Mark: slices.Contains(marks, op.Index)})
		}
	}
	base := "/history/" + escapePath(rel)
	if len(ops) > 0 {
		if lo > ops[0].Index {
			data.Prev = fmt.Sprintf("%s?from=%d", base, max(0, lo-historyPage))
		}
		if hi <= ops[len(ops)-1].Index {
			data.Next = fmt.Sprintf("%s?from=%d", base, hi)
		}
	}
	render(w, historyTmpl, data)
}

// parseInts reads "12,57" (empty: none); at most 100 indexes.
func parseInts(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 100 {
		return nil, fmt.Errorf("at most 100")
	}
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a record index", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// historyHref links a window of rel's history around ops.
func historyHref(rel string, ops []int) string {
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = strconv.Itoa(o)
	}
	h := "/history/" + escapePath(rel)
	if len(ops) > 0 {
		h += "?op=" + strings.Join(parts, ",")
	}
	return h
}

// hasHistory reports whether the run directory rel has a history file.
func (s *Server) hasHistory(rel string) bool {
	_, err := fs.Stat(s.fsys, path.Join(rel, rundir.HistoryFile))
	return err == nil
}

package serve

import (
	"cmp"
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
)

// Run is one run directory found in the store, as the index lists it.
type Run struct {
	Rel      string // slash path relative to the store root
	Kind     string // "run", "live", "suite" (a run of a suite) or "hunt" (a hunt's shrunk run)
	Suite    string // the suite directory's Rel, for a run of a suite
	Scenario string
	Seed     uint64
	Valid    checker.Validity
	Failing  string // the checkers that did not pass
	Bugs     []string
	Target   string    // a live run's target
	When     time.Time // from the directory's timestamp, else summary.json's mtime
	Summary  rundir.Summary
}

// Suite is one suite directory found in the store.
type Suite struct {
	Rel                           string
	Name                          string
	When                          time.Time
	Runs, Valid, Invalid, Unknown int
	Scenarios                     []string
}

// Listing is everything the store holds, newest first.
type Listing struct {
	Runs   []Run
	Suites []Suite
}

// maxWalkDepth bounds the directory walk: the store's layout is at most
// live/TARGET/SCENARIO/STAMP (4), and --out directories inside it a few
// more.
const maxWalkDepth = 8

// scan walks the store (never following symlinks: latest links would list
// runs twice) and reads every run's summary.json and suite's suite.json.
// Unreadable or corrupt files are skipped: a listing shows what it can.
func scan(fsys fs.FS) Listing {
	var l Listing
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != "." && strings.Count(p, "/") >= maxWalkDepth {
			return fs.SkipDir
		}
		if r, ok := readRun(fsys, p); ok {
			l.Runs = append(l.Runs, r)
			return fs.SkipDir
		}
		if s, runs, ok := readSuite(fsys, p); ok {
			l.Suites = append(l.Suites, s)
			l.Runs = append(l.Runs, runs...)
			return fs.SkipDir
		}
		return nil
	})
	slices.SortStableFunc(l.Runs, func(a, b Run) int { return cmp.Or(b.When.Compare(a.When), cmp.Compare(a.Rel, b.Rel)) })
	slices.SortStableFunc(l.Suites, func(a, b Suite) int { return cmp.Or(b.When.Compare(a.When), cmp.Compare(a.Rel, b.Rel)) })
	return l
}

// readRun reads the run directory rel, if it is one.
func readRun(fsys fs.FS, rel string) (Run, bool) {
	p := path.Join(rel, rundir.SummaryFile)
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Run{}, false
	}
	var sum rundir.Summary
	if json.Unmarshal(b, &sum) != nil {
		return Run{}, false
	}
	r := Run{Rel: rel, Kind: "run", Scenario: sum.Scenario, Seed: sum.Seed, Valid: sum.Valid,
		Failing: failing(sum.Checkers), Bugs: sum.Bugs, When: when(fsys, rel, p), Summary: sum}
	switch {
	case sum.Live != nil:
		r.Kind, r.Target = "live", sum.Live.Target
	case strings.HasPrefix(rel, "hunts/"):
		r.Kind = "hunt" // a hunt's shrunk run
	}
	if sum.Error != "" && r.Failing == "" {
		r.Failing = "error: " + firstLine(sum.Error)
	}
	return r, true
}

// readSuite reads the suite directory rel, if it is one, and its runs.
func readSuite(fsys fs.FS, rel string) (Suite, []Run, bool) {
	p := path.Join(rel, rundir.SuiteFile)
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Suite{}, nil, false
	}
	var entries []rundir.SuiteEntry
	if json.Unmarshal(b, &entries) != nil {
		return Suite{}, nil, false
	}
	s := Suite{Rel: rel, Name: suiteName(rel), When: when(fsys, rel, p)}
	var runs []Run
	for _, e := range entries {
		s.Runs++
		switch e.Valid {
		case checker.Valid:
			s.Valid++
		case checker.Invalid:
			s.Invalid++
		default:
			s.Unknown++
		}
		if !slices.Contains(s.Scenarios, e.Scenario) {
			s.Scenarios = append(s.Scenarios, e.Scenario)
		}
		runRel := path.Join(rel, strings.ReplaceAll(e.Dir, "\\", "/"))
		if !fs.ValidPath(runRel) || !strings.HasPrefix(runRel, rel+"/") {
			continue // an entry pointing outside its suite (older merges): not this suite's to show
		}
		r, ok := readRun(fsys, runRel)
		if !ok {
			r = Run{Rel: runRel, Scenario: e.Scenario, Seed: e.Seed, Valid: e.Valid, Failing: e.Failing}
			if e.Error != "" {
				r.Failing = "error: " + firstLine(e.Error)
			}
		}
		r.Kind, r.Suite, r.When = "suite", rel, s.When
		runs = append(runs, r)
	}
	slices.Sort(s.Scenarios)
	return s, runs, true
}

// suiteName is a suite directory's suite name: its parent's name in the
// store's layout (suites/NAME/STAMP), else its own.
func suiteName(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) >= 3 && parts[0] == "suites" {
		return parts[1]
	}
	return parts[len(parts)-1]
}

// stampLayout is the store's directory timestamp (rundir/store.go).
const stampLayout = "20060102T150405.000Z"

// when is the time in the nearest directory name of rel that starts with a
// store timestamp, else the modification time of file.
func when(fsys fs.FS, rel, file string) time.Time {
	parts := strings.Split(rel, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if len(parts[i]) >= len(stampLayout) {
			if t, err := time.Parse(stampLayout, parts[i][:len(stampLayout)]); err == nil {
				return t.UTC()
			}
		}
	}
	if fi, err := fs.Stat(fsys, file); err == nil {
		return fi.ModTime().UTC()
	}
	return time.Time{}
}

// failing names the checkers that did not pass, as suite.json does.
func failing(rs []checker.Result) string {
	var out []string
	for _, c := range flatten(rs) {
		if c.Result.Valid != checker.Valid {
			out = append(out, c.Name+" "+verdictWord(c.Result.Valid))
		}
	}
	return strings.Join(out, ", ")
}

type namedResult = checker.Leaf

// flatten lists the leaf checkers of composed results ("all/linearizable").
func flatten(rs []checker.Result) []namedResult { return checker.Leaves(rs) }

func verdictWord(v checker.Validity) string { return rundir.VerdictWord(v) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

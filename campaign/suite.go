package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// SuiteOptions configure RunSuite.
type SuiteOptions struct {
	Seeds    []uint64
	Parallel int // worlds run at once (default 1)
	Shard    int // this shard's index, in [0, Shards)
	Shards   int // number of shards (default 1)
	Out      string
	Bugs     []string
	// PlotFailuresOnly renders plots only for runs that did not pass;
	// passing runs get an index page without plots (large sweeps).
	PlotFailuresOnly bool
	// Invocation is the command line that ran the suite, recorded in every
	// run's summary.
	Invocation string
	// Progress, if set, is called after every run (from one goroutine at a
	// time).
	Progress func(done, total, failures int, e rundir.SuiteEntry)
	// Stop, once closed, starts no new run; the worlds in flight finish
	// and are listed (Ctrl-C).
	Stop <-chan struct{}
	// Discard, once closed, stops waiting for the worlds in flight: their
	// run directories are removed and they are not listed (a second
	// Ctrl-C).
	Discard <-chan struct{}
	// Resume continues an interrupted suite in Out: the runs that finished
	// there (their summary.json written) are kept and listed, not run
	// again; the others are run. Out must hold no run of a scenario and
	// seed outside this suite's share, nor one made with other bug
	// switches (ErrResumeMismatch).
	Resume bool
	// Resumed, if set, is told how many runs Resume kept before any new
	// run starts.
	Resumed func(kept, total int)
}

// ErrResumeMismatch reports a suite directory that does not hold an
// interrupted run of the suite being resumed.
var ErrResumeMismatch = errors.New("not an interrupted run of this suite")

// ErrInterrupted is RunSuite's error when Stop or Discard ended the suite
// before every run was done; suite.json then lists the runs that finished.
var ErrInterrupted = errors.New("suite interrupted")

type job struct {
	s    scenario.Scenario
	seed uint64
}

// RunSuite runs every scenario with every seed (this shard's share), writing
// one run directory each and suite.json; it returns the entries sorted by
// scenario and seed.
func RunSuite(scs []scenario.Scenario, opts SuiteOptions) ([]rundir.SuiteEntry, error) {
	if opts.Shards == 0 {
		opts.Shards = 1
	}
	if opts.Shard < 0 || opts.Shard >= opts.Shards {
		return nil, fmt.Errorf("shard %d/%d out of range", opts.Shard, opts.Shards)
	}
	var jobs []job
	n := 0
	for _, s := range scs {
		for _, seed := range opts.Seeds {
			if n%opts.Shards == opts.Shard {
				jobs = append(jobs, job{s, seed})
			}
			n++
		}
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, err
	}
	total := len(jobs)
	var kept []rundir.SuiteEntry
	if opts.Resume {
		var err error
		if kept, jobs, err = finishedRuns(jobs, opts); err != nil {
			return nil, err
		}
		if opts.Resumed != nil {
			opts.Resumed(len(kept), total)
		}
	}
	entries := append(kept, runJobs(jobs, opts)...)
	sortEntries(entries)
	if err := rundir.WriteSuite(opts.Out, entries); err != nil {
		return entries, err
	}
	if len(entries) < total {
		return entries, ErrInterrupted
	}
	return entries, nil
}

// finishedRuns splits jobs into the runs an interrupted suite in opts.Out
// finished (listed again from their summaries) and those still to run. A
// run directory without summary.json was cut off mid-write: it is removed
// and run again; a finished run without its report page gets one.
func finishedRuns(jobs []job, opts SuiteOptions) (kept []rundir.SuiteEntry, todo []job, err error) {
	want := map[string]job{}
	for _, j := range jobs {
		want[RunDirName(j.s.Name, j.seed)] = j
	}
	// Every run directory there must be one of this suite's.
	found, _ := filepath.Glob(filepath.Join(opts.Out, "*", "seed-*"))
	for _, d := range found {
		rel, _ := filepath.Rel(opts.Out, d)
		if _, ok := want[rel]; !ok {
			return nil, nil, fmt.Errorf("%s holds %s, which this suite's scenarios, --seeds and --shard do not name: %w "+
				"(resume with the flags the suite was started with)", opts.Out, filepath.ToSlash(rel), ErrResumeMismatch)
		}
	}
	for _, j := range jobs {
		rel := RunDirName(j.s.Name, j.seed)
		dir := filepath.Join(opts.Out, rel)
		sum, _, err := rundir.LoadRun(dir)
		if err != nil {
			if err := os.RemoveAll(dir); err != nil {
				return nil, nil, err
			}
			todo = append(todo, j)
			continue
		}
		wantBugs := scenario.MergeBugs(j.s.Bugs, opts.Bugs)
		if got := scenario.MergeBugs(sum.Bugs, nil); strings.Join(got, ",") != strings.Join(wantBugs, ",") {
			return nil, nil, fmt.Errorf("%s ran with bug switches [%s], not [%s]: %w (resume with the suite's own --bug flags)",
				filepath.Join(opts.Out, rel), strings.Join(got, " "), strings.Join(wantBugs, " "), ErrResumeMismatch)
		}
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
			plots := !opts.PlotFailuresOnly || sum.Valid != checker.Valid
			if err := rundir.Rewrite(dir, plots); err != nil {
				return nil, nil, fmt.Errorf("report of the finished run %s: %w", dir, err)
			}
		}
		kept = append(kept, entryOf(j.s.Name, j.seed, rel, dir, sum))
	}
	return kept, todo, nil
}

// entryOf is the suite entry of the run directory dir (rel to the suite).
func entryOf(name string, seed uint64, rel, dir string, sum rundir.Summary) rundir.SuiteEntry {
	e := rundir.SuiteEntry{Scenario: name, Seed: seed, Dir: rel, Valid: sum.Valid, TraceHash: sum.TraceHash,
		SimSeconds: sum.SimSeconds, WallSeconds: sum.WallSeconds, Repro: rundir.ReproCommand(dir), Error: sum.Error}
	if sum.Valid != checker.Valid {
		e.Failing = rundir.DescribeFailures(checker.Result{Valid: sum.Valid, Children: sum.Checkers})
	}
	return e
}

// RescanSuite lists a suite directory's runs as they are on disk: the
// entries of its suite.json whose run directories are still there, and
// every run directory (SCENARIO/seed-N with a summary.json) it does not
// list — runs copied or written in later — so a report rewritten over it
// is current. It also writes the new suite.json.
func RescanSuite(dir string) ([]rundir.SuiteEntry, error) {
	old, err := rundir.ReadSuite(dir)
	if err != nil {
		return nil, err
	}
	listed := map[string]rundir.SuiteEntry{}
	for _, e := range old {
		listed[filepath.ToSlash(e.Dir)] = e
	}
	found, _ := filepath.Glob(filepath.Join(dir, "*", "seed-*"))
	sort.Strings(found)
	var out []rundir.SuiteEntry
	for _, d := range found {
		rel, _ := filepath.Rel(dir, d)
		sum, _, err := rundir.LoadRun(d)
		if err != nil {
			continue // not a (finished) run directory
		}
		if e, ok := listed[filepath.ToSlash(rel)]; ok {
			out = append(out, e)
			continue
		}
		out = append(out, entryOf(sum.Scenario, sum.Seed, rel, d, sum))
	}
	sortEntries(out)
	return out, rundir.WriteSuite(dir, out)
}

// runJobs runs the jobs on opts.Parallel workers until they are done, or
// opts.Stop is closed (no new job starts; those running finish), or
// opts.Discard is closed (the worlds in flight are abandoned: a world
// still simulating writes nothing, one being written is waited for, and
// the directories of both are removed).
func runJobs(jobs []job, opts SuiteOptions) []rundir.SuiteEntry {
	par := max(opts.Parallel, 1)
	work := make(chan job)
	results := make(chan rundir.SuiteEntry)
	g := &discardGate{inFlight: map[string]bool{}}
	g.idle = sync.NewCond(&g.mu)
	var wg sync.WaitGroup
	for i := 0; i < par; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				dir := filepath.Join(opts.Out, RunDirName(j.s.Name, j.seed))
				e := runOne(j, opts, func() bool { return g.begin(dir) }, g.end)
				select {
				case results <- e: // the collector takes dir off inFlight
				case <-opts.Discard:
					return // the collector has gone and removed dir
				}
			}
		}()
	}
	go func() {
		defer func() {
			close(work)
			wg.Wait()
			close(results)
		}()
		for _, j := range jobs {
			select {
			case <-opts.Stop:
				return
			case <-opts.Discard:
				return
			default:
			}
			select {
			case work <- j:
			case <-opts.Stop:
				return
			case <-opts.Discard:
				return
			}
		}
	}()
	var out []rundir.SuiteEntry
	failures := 0
	for {
		select {
		case e, ok := <-results:
			if !ok {
				return out
			}
			g.collected(filepath.Join(opts.Out, RunDirName(e.Scenario, e.Seed)))
			out = append(out, e)
			if e.Failed() {
				failures++
			}
			if opts.Progress != nil {
				opts.Progress(len(out), len(jobs), failures, e)
			}
		case <-opts.Discard:
			g.discard()
			return out
		}
	}
}

// discardGate lets a suite discard its worlds in flight without a half-
// written run directory: a run directory is written only between begin
// and end, and discard waits for the writes under way, then removes every
// run directory not yet collected; begin refuses once discarded.
type discardGate struct {
	mu        sync.Mutex
	idle      *sync.Cond // signalled when writing drops to 0
	writing   int
	discarded bool
	inFlight  map[string]bool // run directories written but not collected
}

func (g *discardGate) begin(dir string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.discarded {
		return false
	}
	g.writing++
	g.inFlight[dir] = true
	return true
}

func (g *discardGate) end() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writing--
	g.idle.Broadcast()
}

func (g *discardGate) collected(dir string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.inFlight, dir)
}

func (g *discardGate) discard() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.discarded = true
	for g.writing > 0 {
		g.idle.Wait()
	}
	for dir := range g.inFlight {
		_ = os.RemoveAll(dir)
	}
}

// RunDirName is a run's directory inside a suite.
func RunDirName(scenario string, seed uint64) string {
	return filepath.Join(scenario, "seed-"+strconv.FormatUint(seed, 10))
}

// runOne runs and writes one run; the run directory is written only if
// begin allows it, and end follows the writing.
func runOne(j job, opts SuiteOptions, begin func() bool, end func()) rundir.SuiteEntry {
	rel := RunDirName(j.s.Name, j.seed)
	e := rundir.SuiteEntry{Scenario: j.s.Name, Seed: j.seed, Dir: rel, Valid: checker.Unknown}
	e.Repro = rundir.RunCommand(j.s, j.seed, scenario.MergeBugs(j.s.Bugs, opts.Bugs), "")
	o, err := simrun.Execute(j.s, j.seed, simrun.Options{Bugs: opts.Bugs, Timeline: true})
	if err != nil {
		e.Error = err.Error()
		return e
	}
	if !begin() {
		e.Error = "discarded: the suite was interrupted"
		return e // write nothing
	}
	defer end()
	dir := filepath.Join(opts.Out, rel)
	o.Summary.Invocation = opts.Invocation
	plots := rundir.PlotsAll
	if opts.PlotFailuresOnly {
		plots = rundir.PlotsIfFailing
	}
	if err := rundir.Write(dir, o, plots); err != nil {
		e.Error = err.Error()
		return e
	}
	e.Valid, e.TraceHash = o.Summary.Valid, o.Summary.TraceHash
	e.SimSeconds, e.WallSeconds = o.Summary.SimSeconds, o.Summary.WallSeconds
	e.Repro = rundir.ReproCommand(dir)
	if !o.Valid() {
		e.Failing = rundir.DescribeFailures(o.Check)
	}
	return e
}

func sortEntries(es []rundir.SuiteEntry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].Scenario != es[j].Scenario {
			return es[i].Scenario < es[j].Scenario
		}
		return es[i].Seed < es[j].Seed
	})
}

// Merge combines shard directories into out: every run directory is
// brought into out under its own name (hard-linked where the file system
// allows, else copied), so the merged suite stands on its own when the
// shard directories move or go; its summary and re-run commands name the
// new place. One suite.json lists them all. Duplicate (scenario, seed)
// pairs are an error.
func Merge(out string, shardDirs []string) ([]rundir.SuiteEntry, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var all []rundir.SuiteEntry
	for _, d := range shardDirs {
		es, err := rundir.ReadSuite(d)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			key := fmt.Sprintf("%s/%d", e.Scenario, e.Seed)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("%s seed %d appears in both %s and %s", e.Scenario, e.Seed, prev, d)
			}
			seen[key] = d
			src := filepath.Join(d, e.Dir)
			e.Dir = RunDirName(e.Scenario, e.Seed)
			dst := filepath.Join(out, e.Dir)
			if _, err := os.Stat(src); err == nil {
				if err := copyTree(src, dst); err != nil {
					return nil, fmt.Errorf("merge %s: %w", src, err)
				}
				if err := replaceRepro(dst); err != nil {
					return nil, fmt.Errorf("merge %s: %w", src, err)
				}
				if _, err := os.Stat(filepath.Join(dst, "index.html")); err == nil {
					if err := rundir.Rewrite(dst, false); err != nil { // its repro command names the new place
						return nil, fmt.Errorf("merge %s: %w", src, err)
					}
				}
				e.Repro = rundir.ReproCommand(dst)
			}
			all = append(all, e)
		}
	}
	sortEntries(all)
	return all, rundir.WriteSuite(out, all)
}

// copyTree makes dst a copy of the directory src: files are hard-linked
// when src and dst share a file system (zabsim never rewrites a finished
// run's files in place: it renames new ones over them), else copied;
// symlinks are not followed.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		if os.Link(p, target) == nil {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// replaceRepro makes the summary.json of a run directory brought to dir
// name dir in its re-run commands (the write replaces the hard link).
func replaceRepro(dir string) error {
	sum, _, err := rundir.LoadRun(dir)
	if err != nil {
		return nil // not a complete run: nothing names a place
	}
	sum.Place(dir, strings.TrimPrefix(sum.Repro, rundir.ReproCommand("")))
	return rundir.WriteSummary(dir, sum)
}

// ParseSeeds reads "1-100", "7", or "1,5,9-12".
func ParseSeeds(s string) ([]uint64, error) {
	var out []uint64
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty seed range")
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad seed %q in %q", lo, s)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil {
				return nil, fmt.Errorf("bad seed %q in %q", hi, s)
			}
		}
		if b < a {
			return nil, fmt.Errorf("seed range %q runs backwards", part)
		}
		if b-a >= 1_000_000 || len(out) > 1_000_000 {
			return nil, fmt.Errorf("seed range %q is too large (at most 1,000,000 seeds)", s)
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	return out, nil
}

// ParseShard reads "i/n" with 0 <= i < n.
func ParseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("bad shard %q: want i/n with 0 <= i < n", s)
	}
	return i, n, nil
}

// ShardRuns is how many of a suite's runs shard i of n runs (runs are
// dealt to shards in turn).
func ShardRuns(runs, i, n int) int {
	total := 0
	for k := range runs {
		if k%n == i {
			total++
		}
	}
	return total
}

// ResumeDir checks the directory an interrupted suite is resumed in: an
// existing directory. It returns the directory itself, a latest link
// resolved, so the suite's runs and links name it.
func ResumeDir(dir string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("--resume %s: %v", dir, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("--resume %s is not a suite directory", dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("--resume %s: %v", dir, err)
	}
	return real, nil
}

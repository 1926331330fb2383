package campaign

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// HuntOptions bound a bug hunt. Use keyed literals.
type HuntOptions struct {
	MaxSeeds  int    // seeds tried at most (default 200)
	StartSeed uint64 // first seed (default 1)
	Parallel  int    // worlds run at once (default 1); the result does not depend on it
	Shrink    bool   // shrink the first failing run
	// ShrinkRuns bounds the shrinker's simulated runs (default 60).
	ShrinkRuns int
}

func (o HuntOptions) withDefaults() HuntOptions {
	if o.MaxSeeds <= 0 {
		o.MaxSeeds = 200
	}
	if o.StartSeed == 0 {
		o.StartSeed = 1
	}
	o.Parallel = max(o.Parallel, 1)
	if o.ShrinkRuns <= 0 {
		o.ShrinkRuns = 60
	}
	return o
}

// HuntResult is what a hunt found.
type HuntResult struct {
	Bug      string `json:"bug"`
	Scenario string `json:"scenario"` // the scenario that failed (the first hunted one if none did)
	Detected bool   `json:"detected"`
	// SeedsToDetect counts the seeds tried up to and including the first
	// failing one (MaxSeeds when nothing failed).
	SeedsToDetect int      `json:"seeds_to_detect"`
	Seed          uint64   `json:"seed,omitempty"`
	Failing       []string `json:"failing,omitempty"` // checkers that failed at Seed
	// SimSeconds is the simulated time of every run up to the detecting
	// seed; WallSeconds the hunt's elapsed time.
	SimSeconds  float64 `json:"sim_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	Command     string  `json:"command,omitempty"` // reproduces the first failing run
	// Unattributed lists runs that failed with the switch on but also with
	// every switch off: zabsim defects (or checkers too strict), never
	// counted as detections.
	Unattributed []CleanFailure `json:"unattributed,omitempty"`
	Shrunk       *ShrinkResult  `json:"-"`
}

// huntRun is one (scenario, seed) run of a hunt.
type huntRun struct {
	scenario scenario.Scenario
	seed     uint64
	failing  []string
	simS     float64
	err      error
}

// Hunt runs the scenarios that hunt bug, with the switch on, over seeds
// StartSeed, StartSeed+1, ... until a checker fails, then optionally
// shrinks that run. Seeds run in batches of Parallel worlds and the lowest
// failing seed wins, so the result is the same for any Parallel.
func Hunt(bug string, opts HuntOptions) (HuntResult, error) {
	scs, err := scenario.BugScenarios(bug)
	if err != nil {
		return HuntResult{}, err
	}
	opts = opts.withDefaults()
	start := time.Now()
	res := HuntResult{Bug: bug, Scenario: scs[0].Name, SeedsToDetect: opts.MaxSeeds}
	hit, err := firstFailure(scs, []string{bug}, opts, &res.SimSeconds, &res.Unattributed)
	if err != nil {
		return res, err
	}
	if hit != nil {
		res.Detected, res.Scenario, res.Seed, res.Failing = true, hit.scenario.Name, hit.seed, hit.failing
		res.SeedsToDetect = int(hit.seed-opts.StartSeed) + 1
		res.Command = rundir.RunCommand(hit.scenario, hit.seed, []string{bug}, "")
		if opts.Shrink {
			sh, err := Shrink(hit.scenario, hit.seed, []string{bug}, ShrinkOptions{MaxRuns: opts.ShrinkRuns})
			if err != nil {
				return res, fmt.Errorf("shrinking %s seed %d: %w", hit.scenario.Name, hit.seed, err)
			}
			res.Shrunk = sh
		}
	}
	res.WallSeconds = time.Since(start).Seconds()
	return res, nil
}

// firstFailure runs every scenario with every seed in batches and returns
// the failing run with the lowest seed (then the earliest scenario), or nil.
// A failing run counts only if the same scenario and seed pass with every
// switch off; otherwise it is appended to unattributed and the hunt goes
// on. simS accumulates the simulated seconds of runs up to that seed.
func firstFailure(scs []scenario.Scenario, bugs []string, opts HuntOptions, simS *float64, unattributed *[]CleanFailure) (*huntRun, error) {
	end := opts.StartSeed + uint64(opts.MaxSeeds)
	for lo := opts.StartSeed; lo < end; lo += uint64(opts.Parallel) {
		hi := min(lo+uint64(opts.Parallel), end)
		var jobs []huntRun
		for seed := lo; seed < hi; seed++ {
			for _, s := range scs {
				jobs = append(jobs, huntRun{scenario: s, seed: seed})
			}
		}
		runHuntJobs(jobs, bugs, opts.Parallel)
		for i := range jobs {
			j := &jobs[i]
			if j.err != nil {
				return nil, fmt.Errorf("scenario %s seed %d: %w", j.scenario.Name, j.seed, j.err)
			}
			*simS += j.simS
			if len(j.failing) == 0 {
				continue
			}
			clean := huntRun{scenario: j.scenario, seed: j.seed}
			if clean.run(nil); clean.err != nil {
				return nil, fmt.Errorf("scenario %s seed %d (switches off): %w", j.scenario.Name, j.seed, clean.err)
			}
			if len(clean.failing) == 0 {
				return j, nil
			}
			*unattributed = append(*unattributed, clean.cleanFailure())
		}
	}
	return nil, nil
}

// runHuntJobs runs jobs in place on par goroutines. Parallelism lives
// across worlds only: each world is single-threaded and deterministic.
func runHuntJobs(jobs []huntRun, bugs []string, par int) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(par, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				jobs[i].run(bugs)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (j *huntRun) run(bugs []string) {
	o, err := simrun.Execute(j.scenario, j.seed, simrun.Options{Bugs: bugs})
	if err != nil {
		j.err = err
		return
	}
	j.simS = float64(o.Result.SimNS) / 1e9
	if o.Check.Valid != checker.Valid {
		j.failing = rundir.FailingCheckers(o.Check)
		if len(j.failing) == 0 {
			j.failing = []string{o.Check.Valid.String()}
		}
	}
}

func (j *huntRun) cleanFailure() CleanFailure {
	return CleanFailure{Scenario: j.scenario.Name, Seed: j.seed, Failing: j.failing,
		Command: rundir.RunCommand(j.scenario, j.seed, nil, "")}
}

// CleanFailure is a run that failed with every bug switch off: a defect in
// zabsim itself (or a checker too strict), never to be hidden.
type CleanFailure struct {
	Scenario string   `json:"scenario"`
	Seed     uint64   `json:"seed"`
	Failing  []string `json:"failing"`
	Command  string   `json:"command"`
}

// CleanSweep runs the scenarios that hunt bug with every switch off over
// seeds [StartSeed, StartSeed+MaxSeeds) and returns every failing run: the
// false-positive check. The run count is len(scenarios)*MaxSeeds.
func CleanSweep(bug string, opts HuntOptions) (runs int, failures []CleanFailure, err error) {
	scs, err := scenario.BugScenarios(bug)
	if err != nil {
		return 0, nil, err
	}
	opts = opts.withDefaults()
	var jobs []huntRun
	for seed := opts.StartSeed; seed < opts.StartSeed+uint64(opts.MaxSeeds); seed++ {
		for _, s := range scs {
			jobs = append(jobs, huntRun{scenario: s, seed: seed})
		}
	}
	runHuntJobs(jobs, nil, opts.Parallel)
	for _, j := range jobs {
		if j.err != nil {
			return len(jobs), failures, fmt.Errorf("scenario %s seed %d: %w", j.scenario.Name, j.seed, j.err)
		}
		if len(j.failing) > 0 {
			failures = append(failures, j.cleanFailure())
		}
	}
	return len(jobs), failures, nil
}

// median of a non-empty list of ints (the lower middle for even lengths,
// so it is always a measured value).
func median(xs []int) int {
	s := append([]int(nil), xs...)
	sort.Ints(s)
	return s[(len(s)-1)/2]
}

// CatalogueOptions configure Catalogue. Use keyed literals.
type CatalogueOptions struct {
	// Offsets are the first seeds of the repeated hunts (default 1, 1001,
	// 2001, 3001, 4001): the median over them is the figure to quote.
	Offsets  []uint64
	MaxSeeds int // per hunt (default 200)
	Parallel int
	// CleanSeeds is how many seeds the false-positive sweep runs per
	// scenario with every switch off (default 50; negative: none).
	CleanSeeds int
	// Bugs limits the catalogue to these switches (default: every huntable
	// one).
	Bugs []string
	// Progress, if set, is called after each bug's row.
	Progress func(CatalogueRow)
}

// CatalogueRow is one bug switch's line of the catalogue.
type CatalogueRow struct {
	Bug      string `json:"bug"`
	JIRA     string `json:"jira"`
	Trigger  string `json:"trigger"`
	Symptom  string `json:"symptom"`
	Scenario string `json:"scenario"`
	// Detected is true when every hunt found the bug.
	Detected bool `json:"detected"`
	// SeedsToDetect is the first offset's figure; PerOffset every
	// offset's (MaxSeeds where a hunt found nothing); Median their median.
	SeedsToDetect int      `json:"seeds_to_detect"`
	PerOffset     []int    `json:"per_offset"`
	Median        int      `json:"median"`
	Seed          uint64   `json:"seed,omitempty"`
	Failing       []string `json:"failing,omitempty"`
	Command       string   `json:"command,omitempty"`
	SimSeconds    float64  `json:"sim_seconds"`
	WallSeconds   float64  `json:"wall_seconds"`
	// CleanRuns and CleanFailures are the false-positive sweep; Unattributed
	// are hunt runs that failed with the switch off too.
	CleanRuns     int            `json:"clean_runs"`
	CleanFailures []CleanFailure `json:"clean_failures,omitempty"`
	Unattributed  []CleanFailure `json:"unattributed,omitempty"`
}

// Catalogue hunts every huntable bug switch from every offset and runs the
// false-positive sweep, returning one row per switch sorted by name.
func Catalogue(infos []BugDoc, opts CatalogueOptions) ([]CatalogueRow, error) {
	if len(opts.Offsets) == 0 {
		opts.Offsets = []uint64{1, 1001, 2001, 3001, 4001}
	}
	if opts.CleanSeeds == 0 {
		opts.CleanSeeds = 50
	}
	doc := map[string]BugDoc{}
	for _, d := range infos {
		doc[d.Name] = d
	}
	bugs := opts.Bugs
	if len(bugs) == 0 {
		bugs = scenario.HuntableBugs()
	}
	var rows []CatalogueRow
	for _, bug := range bugs {
		row, err := catalogueRow(bug, opts)
		if err != nil {
			return rows, err
		}
		d := doc[bug]
		row.JIRA, row.Trigger, row.Symptom = d.JIRA, d.Trigger, d.Symptom
		if opts.Progress != nil {
			opts.Progress(row)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// BugDoc is what the catalogue says about a switch (server/bugs' table has it).
type BugDoc struct{ Name, JIRA, Trigger, Symptom string }

func catalogueRow(bug string, opts CatalogueOptions) (CatalogueRow, error) {
	start := time.Now()
	row := CatalogueRow{Bug: bug, Detected: true}
	for i, off := range opts.Offsets {
		r, err := Hunt(bug, HuntOptions{MaxSeeds: opts.MaxSeeds, StartSeed: off, Parallel: opts.Parallel})
		if err != nil {
			return row, err
		}
		row.PerOffset = append(row.PerOffset, r.SeedsToDetect)
		row.Detected = row.Detected && r.Detected
		row.SimSeconds += r.SimSeconds
		row.Unattributed = append(row.Unattributed, r.Unattributed...)
		if i == 0 {
			row.Scenario, row.SeedsToDetect, row.Seed, row.Failing, row.Command = r.Scenario, r.SeedsToDetect, r.Seed, r.Failing, r.Command
		}
	}
	row.Median = median(row.PerOffset)
	if opts.CleanSeeds > 0 {
		runs, fails, err := CleanSweep(bug, HuntOptions{MaxSeeds: opts.CleanSeeds, Parallel: opts.Parallel})
		if err != nil {
			return row, err
		}
		row.CleanRuns, row.CleanFailures = runs, fails
	}
	row.WallSeconds = time.Since(start).Seconds()
	return row, nil
}

// CatalogueMarkdown renders the rows as a Markdown table plus the repro
// commands and every false positive.
func CatalogueMarkdown(rows []CatalogueRow) string {
	var b strings.Builder
	b.WriteString("| bug | JIRA | scenario | detected | seeds to detect | median | per offset | switch-off runs (failures) | wall s |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %d | %s | %d (%d) | %.1f |\n", r.Bug, r.JIRA, r.Scenario, yesNo(r.Detected),
			r.SeedsToDetect, r.Median, joinInts(r.PerOffset), r.CleanRuns, len(r.CleanFailures)+len(r.Unattributed), r.WallSeconds)
	}
	b.WriteString("\nReproduce the first detection of each:\n\n")
	for _, r := range rows {
		if r.Command != "" {
			fmt.Fprintf(&b, "- %s: `%s` (failing: %s)\n", r.Bug, r.Command, strings.Join(r.Failing, ", "))
		}
	}
	var fps []CleanFailure
	for _, r := range rows {
		fps = append(fps, r.CleanFailures...)
		fps = append(fps, r.Unattributed...)
	}
	if len(fps) > 0 {
		b.WriteString("\nFailures with every switch off (zabsim defects, not bug detections):\n\n")
		for _, f := range fps {
			fmt.Fprintf(&b, "- `%s` (failing: %s)\n", f.Command, strings.Join(f.Failing, ", "))
		}
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// WriteCatalogue writes bugs.json and bugs.md into dir.
func WriteCatalogue(dir string, rows []CatalogueRow) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bugs.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bugs.md"), []byte(CatalogueMarkdown(rows)), 0o644)
}

// joinInts writes 1, 16, 64.
func joinInts(ns []int) string {
	ss := make([]string, len(ns))
	for i, n := range ns {
		ss[i] = strconv.Itoa(n)
	}
	return strings.Join(ss, ", ")
}

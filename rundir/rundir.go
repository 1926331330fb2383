package rundir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/reports"
)

// Summary is summary.json: the reports package's run summary (scenario,
// seed, bugs, trace hash, verdicts, op counts, times, repro command) plus
// what only a simulated run knows.
type Summary struct {
	reports.RunSummary
	Events  uint64 `json:"events"`
	Commits int    `json:"commits"`
	// Command re-runs a built-in scenario by name; Repro re-runs the run
	// directory.
	Command string `json:"command"`
	// Live is set for runs against real processes (zabsim live), which a
	// seed cannot reproduce; Repro then says so instead of naming a command.
	Live *LiveInfo `json:"live,omitempty"`
	// Version is the zabsim that made the run (WriteRun fills it in).
	Version string `json:"zabsim_version"`
	// Invocation is the full command line that made the run (empty when
	// a program called the library).
	Invocation string `json:"invocation,omitempty"`
}

// Files of a run directory.
const (
	SummaryFile  = "summary.json"
	ScenarioFile = "scenario.json"
	HistoryFile  = "history.jsonl"
	NemesisFile  = "nemesis.txt"
	TimelineFile = "timeline.html"
	RolesFile    = "roles.json"
)

// Outcome is a run and its verdict.
type Outcome struct {
	Result  *Result
	Check   checker.Result
	Summary Summary
}

// Valid reports the verdict: true only when every checker said valid.
func (o *Outcome) Valid() bool { return o.Check.Valid == checker.Valid }

// Execute runs and checks one scenario; viz receives Porcupine's HTML.
func Execute(s Scenario, seed uint64, opts Options, vizOut *bytes.Buffer) (*Outcome, error) {
	start := time.Now()
	res, err := Run(s, seed, opts)
	if err != nil {
		return nil, err
	}
	var viz *bytes.Buffer
	if vizOut != nil {
		viz = vizOut
	}
	var chk checker.Result
	if viz != nil {
		chk, err = Check(res.Scenario, res, viz)
	} else {
		chk, err = Check(res.Scenario, res, nil)
	}
	if err != nil {
		return nil, err
	}
	if viz != nil && viz.Len() == 0 {
		// No linearizability checker drew one: draw the plain timeline.
		if err := historyTimeline(res.History, viz); err != nil {
			return nil, err
		}
	}
	return &Outcome{Result: res, Check: chk, Summary: summarize(res, chk, time.Since(start))}, nil
}

func summarize(res *Result, chk checker.Result, wall time.Duration) Summary {
	return Summary{
		RunSummary: reports.RunSummary{
			Scenario: res.Scenario.Name, Seed: res.Seed, Bugs: res.Bugs, TraceHash: res.TraceHash,
			Valid: chk.Valid, Checkers: chk.Children, Ops: reports.CountOps(res.History),
			SimSeconds: float64(res.SimNS) / 1e9, WallSeconds: wall.Seconds(), Repro: "zabsim repro DIR",
		},
		Events: res.Events, Commits: res.Commits, Command: runCommand(res),
	}
}

// runCommand is the exact command that reproduces a built-in scenario run.
func runCommand(res *Result) string {
	cmd := fmt.Sprintf("zabsim run --scenario %s --seed %d", res.Scenario.Name, res.Seed)
	if !builtin(res.Scenario) {
		// A scenario from a file (or one a shrinker made): the run
		// directory's copy of it; WriteRun puts in the directory.
		cmd = fmt.Sprintf("zabsim run --scenario-file %s --seed %d", ScenarioFile, res.Seed)
	}
	for _, b := range res.Bugs {
		cmd += " --bug " + b
	}
	return cmd
}

// builtin reports whether s is the built-in scenario of its name.
func builtin(s Scenario) bool {
	b, err := ByName(s.Name)
	return err == nil && bytes.Equal(b.Defaults().JSON(), s.Defaults().JSON())
}

// WriteRun writes a run directory: every file is written to a temporary
// name and renamed, and summary.json goes last, so a directory with a
// summary is complete.
func WriteRun(dir string, o *Outcome, viz []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if o.Summary.Live == nil {
		o.placeIn(dir)
	}
	if o.Summary.Version == "" {
		o.Summary.Version = Version()
	}
	var hist bytes.Buffer
	if err := history.WriteAll(&hist, o.Result.History); err != nil {
		return err
	}
	roles, _ := json.MarshalIndent(o.Result.Roles, "", "  ")
	files := []struct {
		name string
		data []byte
	}{
		{ScenarioFile, o.Result.Scenario.JSON()},
		{HistoryFile, hist.Bytes()},
		{NemesisFile, nemesisText(o.Result.Schedule, o.Result.History)},
		{RolesFile, roles},
	}
	if viz != nil {
		files = append(files, struct {
			name string
			data []byte
		}{TimelineFile, viz})
	}
	if len(o.Result.Logs) > 0 {
		if err := os.MkdirAll(filepath.Join(dir, LogsDir), 0o755); err != nil {
			return err
		}
	}
	for _, l := range o.Result.Logs {
		files = append(files, struct {
			name string
			data []byte
		}{filepath.Join(LogsDir, l.Node+".log"), l.Text})
	}
	for _, f := range files {
		if err := WriteFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	sum, err := json.MarshalIndent(o.Summary, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, SummaryFile), append(sum, '\n'))
}

// nemesisText is nemesis.txt: the schedule (which parses back), then, as
// comments, what each step did when applied: the nodes a target resolved
// to, a partition's exact shape ("s1,s2 | s3"), why a step did less.
func nemesisText(sched nemesis.Schedule, ops []history.Op) []byte {
	var b strings.Builder
	b.WriteString(sched.String())
	first := true
	for _, op := range ops {
		if !op.IsNemesis() {
			continue
		}
		if first {
			b.WriteString("\n# As applied (the nodes each step hit; a partition's groups, | between them):\n")
			first = false
		}
		var v history.NemesisValue
		_ = json.Unmarshal(op.Value, &v)
		what := v.Detail
		if what == "" {
			what = op.F
		}
		fmt.Fprintf(&b, "# %v %s", time.Duration(op.Time), what)
		if len(v.Nodes) > 0 && v.Shape == "" {
			fmt.Fprintf(&b, " → %s", strings.Join(v.Nodes, ","))
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path (mode 0644).
var WriteFileAtomic = reports.WriteFileAtomic

// ErrNotRunDir reports a directory that is not a complete run directory.
var ErrNotRunDir = errors.New("not a run directory")

// LoadRun reads a run directory's summary and scenario.
func LoadRun(dir string) (Summary, Scenario, error) {
	var sum Summary
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return sum, Scenario{}, fmt.Errorf("%s: %w: %v", dir, ErrNotRunDir, err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return sum, Scenario{}, fmt.Errorf("%s: corrupt %s: %w", dir, SummaryFile, err)
	}
	sb, err := os.ReadFile(filepath.Join(dir, ScenarioFile))
	if err != nil {
		return sum, Scenario{}, fmt.Errorf("%s: %w: %v", dir, ErrNotRunDir, err)
	}
	s, err := ParseFile(ScenarioFile, sb)
	if err != nil {
		return sum, Scenario{}, fmt.Errorf("%s: %w", dir, err)
	}
	return sum, s, nil
}

// ReproResult is what Repro found.
type ReproResult struct {
	Want, Got string
	Outcome   *Outcome
}

// Matches reports whether the trace hash reproduced.
func (r ReproResult) Matches() bool { return r.Want == r.Got }

// Repro re-runs a run directory's scenario and seed and compares trace
// hashes.
func Repro(dir string) (ReproResult, error) { return ReproWith(dir, nil) }

// ReproWith is Repro with log receiving every simulated process's log
// lines and the servers' logs (as zabsim run --log does); nil discards them.
func ReproWith(dir string, log io.Writer) (ReproResult, error) {
	sum, s, err := LoadRun(dir)
	if err != nil {
		return ReproResult{}, err
	}
	if sum.Live != nil {
		return ReproResult{}, fmt.Errorf("%s: %w", dir, ErrLiveRun)
	}
	// The scenario file already carries the run's bugs merged in.
	o, err := Execute(s, sum.Seed, Options{Bugs: extraBugs(s.Bugs, sum.Bugs), Log: log}, nil)
	if err != nil {
		return ReproResult{}, err
	}
	o.placeIn(dir)
	return ReproResult{Want: sum.TraceHash, Got: o.Result.TraceHash, Outcome: o}, nil
}

// placeIn makes a simulated run's re-run commands name run directory dir
// (a file scenario is re-run from the directory's copy).
func (o *Outcome) placeIn(dir string) {
	o.Summary.Repro = "zabsim repro " + dir
	o.Summary.Command = strings.Replace(o.Summary.Command, "--scenario-file "+ScenarioFile, "--scenario-file "+filepath.Join(dir, ScenarioFile), 1)
}

func extraBugs(have, want []string) []string {
	in := map[string]bool{}
	for _, b := range have {
		in[b] = true
	}
	var out []string
	for _, b := range want {
		if !in[b] {
			out = append(out, b)
		}
	}
	return out
}

// failingCheckers names the checkers that did not say valid.
func failingCheckers(r checker.Result) []string {
	var out []string
	for _, c := range r.Children {
		if c.Valid != checker.Valid {
			out = append(out, c.Name)
		}
	}
	return out
}

// describeFailures is a one-line account of what failed: each checker
// that did not say valid, with its verdict ("linearizable invalid,
// liveness unknown").
func describeFailures(r checker.Result) string {
	var f []string
	for _, c := range r.Children {
		if c.Valid != checker.Valid {
			f = append(f, c.Name+" "+VerdictWord(c.Valid))
		}
	}
	if len(f) == 0 {
		return VerdictWord(r.Valid)
	}
	return strings.Join(f, ", ")
}

// DescribeFailures is describeFailures for the CLI's messages.
func DescribeFailures(r checker.Result) string { return describeFailures(r) }

// VerdictWord names a verdict in words: valid, invalid or unknown.
func VerdictWord(v checker.Validity) string {
	switch v {
	case checker.Valid:
		return "valid"
	case checker.Invalid:
		return "invalid"
	}
	return "unknown"
}

package rundir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/reports"
	"github.com/zabsim/zabsim/scenario"
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
	// Version is the zabsim that made the run (Write fills it in).
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
	// SuiteFile lists a suite directory's runs.
	SuiteFile = "suite.json"
)

// LiveInfo describes a run against real processes in its summary.
type LiveInfo struct {
	Target    string `json:"target"` // "zabsim" or "zookeeper"
	Nodes     int    `json:"nodes"`  // voting servers
	Observers int    `json:"observers,omitempty"`
	// Note says why the run cannot be reproduced by its seed.
	Note string `json:"note"`
}

// Result is everything a run directory holds of a run.
type Result struct {
	Scenario  scenario.Scenario
	Seed      uint64
	Bugs      []string
	TraceHash string
	History   []history.Op
	Schedule  nemesis.Schedule
	Roles     []RoleChange
	SimNS     int64
	Events    uint64
	Commits   int
	// Invariants are the online Zab invariant violations (one zxid chain,
	// primary order, no committed txn lost, one leader per epoch).
	Invariants []string
	// Progressing are the Unfinished workers that still completed an
	// operation in the run's last scenario.ProgressWindow: cut off, not stuck.
	Progressing []string
	// Unfinished are workers that did not finish their final phase in the
	// healed tail: a liveness failure.
	Unfinished []string
	// Logs are the servers' logs (LogsDir/NODE.log), in node order.
	Logs []NodeLog
}

// LogsDir is the run directory's folder of per-server logs: LogsDir/NODE.log.
const LogsDir = "logs"

// NodeLog is one server's log of a simulated run (LogsDir/NODE.log).
type NodeLog struct {
	Node string
	Text []byte
}

// Outcome is a run and its verdict.
type Outcome struct {
	Result  *Result
	Check   checker.Result
	Summary Summary
	// Timeline is timeline.html: Porcupine's visualization of the
	// linearizability verdict, or the plain history timeline; nil writes
	// none.
	Timeline []byte
}

// Valid reports the verdict: true only when every checker said valid.
func (o *Outcome) Valid() bool { return o.Check.Valid == checker.Valid }

// Summarize is the summary of a simulated run and its verdict; its re-run
// commands name no directory until Write places it (Summary.Place).
func Summarize(res *Result, chk checker.Result, wall time.Duration) Summary {
	return Summary{
		RunSummary: reports.RunSummary{
			Scenario: res.Scenario.Name, Seed: res.Seed, Bugs: res.Bugs, TraceHash: res.TraceHash,
			Valid: chk.Valid, Checkers: chk.Children, Ops: reports.CountOps(res.History),
			SimSeconds: float64(res.SimNS) / 1e9, WallSeconds: wall.Seconds(), Repro: ReproCommand("DIR"),
		},
		Events: res.Events, Commits: res.Commits, Command: RunCommand(res.Scenario, res.Seed, res.Bugs, ""),
	}
}

// ReproCommand is the command that re-runs run directory dir and checks
// its trace hash.
func ReproCommand(dir string) string { return "zabsim repro " + dir }

// RunCommand is the exact command that re-runs a simulated run of s with
// seed and bugs: a built-in scenario by name; any other (a file, a drawn
// configuration's or a shrinker's) from the scenario.json of run directory
// dir ("" for the directory's own, relative, until Place names it).
func RunCommand(s scenario.Scenario, seed uint64, bugs []string, dir string) string {
	if !builtin(s) {
		return FileRunCommand(filepath.Join(dir, ScenarioFile), seed, bugs)
	}
	return runCommand("--scenario "+s.Name, seed, bugs)
}

// FileRunCommand is the command that runs scenario file file with seed and
// bugs.
func FileRunCommand(file string, seed uint64, bugs []string) string {
	return runCommand("--scenario-file "+file, seed, bugs)
}

func runCommand(scenarioFlag string, seed uint64, bugs []string) string {
	cmd := fmt.Sprintf("zabsim run %s --seed %d", scenarioFlag, seed)
	for _, b := range bugs {
		cmd += " --bug " + b
	}
	return cmd
}

// builtin reports whether s is the built-in scenario of its name.
func builtin(s scenario.Scenario) bool {
	b, err := scenario.ByName(s.Name)
	return err == nil && bytes.Equal(b.Defaults().JSON(), s.Defaults().JSON())
}

// Plots says what a run's report draws.
type Plots uint8

const (
	// PlotsAll draws every plot.
	PlotsAll Plots = iota
	// PlotsIfFailing draws plots only for a run that did not pass; a
	// passing run gets its page without them (large sweeps).
	PlotsIfFailing
)

// Write writes run directory dir and renders its report (plots and
// index.html) from the outcome in memory, in one call. Every file is
// written to a temporary name and renamed, summary.json after the run's
// data, so a directory with a summary holds the whole run; the report
// follows it. A simulated run's summary names dir in its re-run commands.
// On failure dir is removed: no half-written run directory stays.
func Write(dir string, o *Outcome, plots Plots) error {
	err := writeFiles(dir, o)
	if err == nil {
		err = writeReport(dir, o.Summary, o.Result.History, o.Result.Roles, plots == PlotsAll || !o.Valid())
	}
	if err != nil {
		_ = os.RemoveAll(dir)
	}
	return err
}

// writeFiles writes the run's files, summary.json last.
func writeFiles(dir string, o *Outcome) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if o.Summary.Live == nil {
		o.Summary.Place(dir, "")
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
	if o.Timeline != nil {
		files = append(files, struct {
			name string
			data []byte
		}{TimelineFile, o.Timeline})
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
	return WriteSummary(dir, o.Summary)
}

// WriteSummary writes a run directory's summary.json.
func WriteSummary(dir string, sum Summary) error {
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, SummaryFile), append(b, '\n'))
}

// Place makes a simulated run's re-run commands name run directory dir:
// the run directory's repro command, and a scenario file's re-run command,
// which names the directory's copy of the scenario (old is the directory
// the summary named before, "" for none).
func (sum *Summary) Place(dir, old string) {
	sum.Repro = ReproCommand(dir)
	sum.Command = strings.Replace(sum.Command, "--scenario-file "+filepath.Join(old, ScenarioFile),
		"--scenario-file "+filepath.Join(dir, ScenarioFile), 1)
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
func LoadRun(dir string) (Summary, scenario.Scenario, error) {
	var sum Summary
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return sum, scenario.Scenario{}, fmt.Errorf("%s: %w: %v", dir, ErrNotRunDir, err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return sum, scenario.Scenario{}, fmt.Errorf("%s: corrupt %s: %w", dir, SummaryFile, err)
	}
	sb, err := os.ReadFile(filepath.Join(dir, ScenarioFile))
	if err != nil {
		return sum, scenario.Scenario{}, fmt.Errorf("%s: %w: %v", dir, ErrNotRunDir, err)
	}
	s, err := scenario.ParseFile(ScenarioFile, sb)
	if err != nil {
		return sum, scenario.Scenario{}, fmt.Errorf("%s: %w", dir, err)
	}
	return sum, s, nil
}

// FailingCheckers names the checkers that did not say valid.
func FailingCheckers(r checker.Result) []string {
	var out []string
	for _, c := range r.Children {
		if c.Valid != checker.Valid {
			out = append(out, c.Name)
		}
	}
	return out
}

// DescribeFailures is a one-line account of what failed: each checker
// that did not say valid, with its verdict ("linearizable invalid,
// liveness unknown").
func DescribeFailures(r checker.Result) string {
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

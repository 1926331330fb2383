package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zabsim runs the CLI in-process and returns its exit code and output.
func zabsim(t *testing.T, args ...string) (int, string) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	cliArgs = args
	err := root.Execute()
	if err != nil {
		out.WriteString("zabsim: " + err.Error() + "\n")
	}
	return exitCodeQuiet(err), out.String()
}

// exitCodeQuiet is exitCode without printing.
func exitCodeQuiet(err error) int {
	old := os.Stderr
	devnull, _ := os.Open(os.DevNull)
	os.Stderr = devnull
	defer func() { os.Stderr = old; devnull.Close() }()
	return exitCode(err)
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badFile, []byte("name: x\nservers: 3\nworkload: register\nfaults: [teleport]\n"), 0o644)
	notRun := filepath.Join(dir, "empty")
	os.MkdirAll(notRun, 0o755)
	cases := [][]string{
		{"run", "--scenario", "no-such-scenario", "--out", filepath.Join(dir, "x")},
		{"run", "--scenario-file", badFile, "--out", filepath.Join(dir, "y")},
		{"run", "--scenario", "register-partition", "--seed", "notanumber"},
		{"run", "--scenario", "register-partition", "--bug", "zk-0000", "--out", filepath.Join(dir, "z")},
		{"run"},
		{"suite", "--suite", "nope"},
		{"suite", "--scenario", "nope"},
		{"suite", "--suite", "default", "--scenario", "api-chaos"},
		{"suite", "--seeds", "9-1", "--out", filepath.Join(dir, "s")},
		{"suite", "--shard", "3/2", "--out", filepath.Join(dir, "s2")},
		{"repro", filepath.Join(dir, "missing")},
		{"repro", notRun},
		{"shrink", notRun},
		{"report", notRun},
		{"merge", "--out", filepath.Join(dir, "m"), notRun},
		{"no-such-command"},
		{"list", "--no-such-flag"},
	}
	for _, args := range cases {
		code, out := zabsim(t, args...)
		if code != 2 {
			t.Errorf("zabsim %s: exit %d, want 2\n%s", strings.Join(args, " "), code, out)
		}
		if !strings.Contains(out, "zabsim:") {
			t.Errorf("zabsim %s: no error message:\n%s", strings.Join(args, " "), out)
		}
	}
	// Nothing was written half-way for bad input.
	for _, name := range []string{"x", "y", "z"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("bad input left %s behind", name)
		}
	}
}

func TestRunValidThenRepro(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out := zabsim(t, "run", "--scenario", "sequential-clock", "--seed", "4", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, f := range []string{"summary.json", "history.jsonl", "nemesis.txt", "index.html", "throughput.png", "timeline.html", "logs/s1.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	log := filepath.Join(t.TempDir(), "repro.log")
	code, out = zabsim(t, "repro", dir, "--log", log)
	if code != 0 || !strings.Contains(out, "reproduced trace") {
		t.Fatalf("repro exit %d:\n%s", code, out)
	}
	// --log holds the servers' lines (faults, roles), as logs/ does.
	b, err := os.ReadFile(log)
	s1, _ := os.ReadFile(filepath.Join(dir, "logs", "s1.log"))
	if err != nil || !strings.Contains(string(b), "s1: process started") || !strings.Contains(string(s1), "process started") ||
		!strings.Contains(string(b), ": fault: ") {
		t.Errorf("repro --log (%v) lacks the servers' lines:\n%.500s", err, b)
	}
}

func TestViolationExitsOne(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a failing scenario")
	}
	dir := filepath.Join(t.TempDir(), "bug")
	code, out := zabsim(t, "run", "--scenario", "bug-ack-before-fsync", "--seed", "1", "--bug", "ack-before-fsync", "--out", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "durability") || !strings.Contains(out, "zabsim repro") {
		t.Fatalf("output does not name the failing checker and the repro command:\n%s", out)
	}
}

func TestListNamesEverything(t *testing.T) {
	code, out := zabsim(t, "list")
	if code != 0 {
		t.Fatal(out)
	}
	for _, want := range []string{"register-partition", "mixed-chaos", "default", "durability", "linearizable", "zk-3911", "zk-1208"} {
		if !strings.Contains(out, want) {
			t.Errorf("list does not mention %s", want)
		}
	}
}

// TestScenarioFileRefused: a scenario file asking for nonsense exits 2 with
// the file, the field and the reason, and writes nothing (issue 20).
func TestScenarioFileRefused(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	for name, body := range map[string]string{
		"unitless.yaml": "name: x\nservers: 3\nworkload: register\nduration: 30\n",
		"zero.yaml":     "name: x\nservers: 0\nworkload: register\nduration: 10s\n",
		"late.yaml":     "name: x\nservers: 3\nworkload: register\nduration: 10s\nschedule: \"2s kill one\\n11s restart all\"\n",
		"evil.yaml":     "name: ../../evil\nservers: 3\nworkload: register\nduration: 10s\n",
	} {
		file := filepath.Join(dir, name)
		os.WriteFile(file, []byte(body), 0o644)
		code, out := zabsim(t, "run", "--scenario-file", file, "--store", store)
		field := map[string]string{"unitless.yaml": "duration:", "zero.yaml": "servers:", "late.yaml": "schedule:", "evil.yaml": "name:"}[name]
		if code != 2 || !strings.Contains(out, file+": "+field) {
			t.Errorf("%s: exit %d, want 2 naming the file and %q:\n%s", name, code, field, out)
		}
	}
	if _, err := os.Stat(store); err == nil {
		t.Error("a refused scenario file left a store behind")
	}
}

// suite --scenario runs one scenario over the seeds, into a suite
// directory of its own.
func TestSuiteOneScenario(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s")
	code, text := zabsim(t, "suite", "--scenario", "api-chaos", "--seeds", "1-2", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, text)
	}
	for _, seed := range []string{"seed-1", "seed-2"} {
		if _, err := os.Stat(filepath.Join(out, "api-chaos", seed, "summary.json")); err != nil {
			t.Errorf("no run directory for %s: %v", seed, err)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) == 0 {
		t.Fatal("empty suite directory")
	}
}

// zabsim report over a suite directory lists the runs written into it
// since (an old index must not hide them), and drops none it had.
func TestReportPicksUpNewRuns(t *testing.T) {
	suite := filepath.Join(t.TempDir(), "s")
	if code, text := zabsim(t, "suite", "--scenario", "api-chaos", "--seeds", "1", "--quiet", "--out", suite); code != 0 {
		t.Fatalf("suite: exit %d: %s", code, text)
	}
	if code, text := zabsim(t, "run", "--scenario", "api-chaos", "--seed", "4", "--out", filepath.Join(suite, "api-chaos", "seed-4")); code != 0 {
		t.Fatalf("run: exit %d: %s", code, text)
	}
	if code, text := zabsim(t, "report", suite); code != 0 {
		t.Fatalf("report: exit %d: %s", code, text)
	}
	js, _ := os.ReadFile(filepath.Join(suite, "suite.json"))
	page, _ := os.ReadFile(filepath.Join(suite, "index.html"))
	for _, seed := range []string{"seed-1", "seed-4"} {
		if !strings.Contains(string(js), seed) || !strings.Contains(string(page), seed) {
			t.Errorf("%s missing from the rewritten suite.json or index.html", seed)
		}
	}
}

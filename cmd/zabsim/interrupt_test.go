package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/campaign"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
)

// TestSuiteInterruptWritesIndex sends SIGINT to a built zabsim running a
// long suite once two runs have finished: it must let the worlds in
// flight finish (or, after a second SIGINT, discard them), write
// suite.json, index.html and the JUnit XML for the runs that finished, say
// so, exit 130, and leave no run directory that is not complete and
// listed.
func TestSuiteInterruptWritesIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zabsim and runs part of a suite")
	}
	bin := buildBinary(t)
	t.Run("finish", func(t *testing.T) { testSuiteInterrupt(t, bin, 1) })
	t.Run("discard", func(t *testing.T) { testSuiteInterrupt(t, bin, 2) })
}

func testSuiteInterrupt(t *testing.T, bin string, signals int) {
	out := filepath.Join(t.TempDir(), "suite")
	junit := filepath.Join(out, "junit.xml")
	code, stdout, errText := interruptSuite(t, bin, signals, 2, "suite", "--suite", "default", "--seeds", "1-50", "--parallel", "2", "--out", out, "--junit", junit)
	if code != 130 {
		t.Errorf("exit after SIGINT: %d, want exit status 130\n%s", code, errText)
	}
	if !strings.Contains(errText, "interrupted") || !strings.Contains(errText, "runs finished") {
		t.Errorf("no word of the interruption on stderr:\n%s", errText)
	}
	entries, err := rundir.ReadSuite(out)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout, errText)
	}
	if len(entries) < 2 || len(entries) >= 550 {
		t.Errorf("suite.json lists %d runs, want the 2 or more that finished of 550", len(entries))
	}
	listed := map[string]bool{}
	for _, e := range entries {
		listed[e.Dir] = true
		if _, err := os.Stat(filepath.Join(out, e.Dir, "summary.json")); err != nil {
			t.Errorf("listed run %s: %v", e.Dir, err)
		}
	}
	for _, f := range []string{"index.html", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*", "seed-*"))
	for _, d := range dirs {
		rel, _ := filepath.Rel(out, d)
		if !listed[rel] {
			t.Errorf("run directory %s is on disk but not in suite.json (half-written?)", rel)
		}
	}
	t.Logf("%d runs finished before the interrupt took effect", len(entries))
}

// interruptSuite runs zabsim with args, sends SIGINT signals times once
// after progress lines (finished runs) have been printed, and returns the
// exit code, stdout and stderr.
func interruptSuite(t *testing.T, bin string, signals, after int, args ...string) (int, string, string) {
	t.Helper()
	return interruptAfter(t, bin, signals, after, func(line string) bool { return strings.HasPrefix(line, "[") }, args...)
}

// interruptAfter runs zabsim with args, sends SIGINT signals times once
// `after` stderr lines that progress matches have been printed, and
// returns the exit code, stdout and stderr.
func interruptAfter(t *testing.T, bin string, signals, after int, progress func(string) bool, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	var errText strings.Builder
	for finished := 0; finished < after && lines.Scan(); {
		errText.WriteString(lines.Text() + "\n")
		if progress(lines.Text()) {
			finished++
		}
	}
	for i := range signals {
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	}
	// Read stderr to its end before Wait: Wait closes the pipe once the
	// process exits, and a read still under way then loses the last lines
	// (under load this cut the "continue it:" line short).
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stderr); rest <- string(b) }()
	select {
	case tail := <-rest:
		errText.WriteString(tail)
	case <-time.After(2 * time.Minute):
		t.Fatalf("zabsim %s did not exit within 2 minutes of SIGINT", args[0])
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("zabsim %s: %v", strings.Join(args, " "), err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), errText.String()
}

// TestSuiteResume interrupts a suite, then continues it with --resume: the
// runs that finished are kept as they were (not run again), the rest run,
// and suite.json, index.html and the JUnit XML list every run. A --resume
// whose flags name other runs than the directory holds is refused (exit
// 2), as is --resume with --out.
func TestSuiteResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zabsim and runs part of a suite twice")
	}
	bin := buildBinary(t)
	store := filepath.Join(t.TempDir(), "store")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	// Shard 0 of 11 over seeds 1-6: a few runs of the default suite.
	scs, err := scenario.Suite("default")
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for n := range len(scs) * 6 {
		if n%11 == 0 {
			runs = append(runs, campaign.RunDirName(scs[n/6].Name, uint64(n%6+1)))
		}
	}
	flags := []string{"suite", "--suite", "default", "--seeds", "1-6", "--shard", "0/11", "--parallel", "1", "--junit", junit, "--store", store}
	code, _, errText := interruptSuite(t, bin, 1, 1, flags...)
	if code != 130 {
		t.Fatalf("interrupted suite: exit %d, want 130\n%s", code, errText)
	}
	dirs, _ := filepath.Glob(filepath.Join(store, "suites", "default", "2*"))
	if len(dirs) != 1 {
		t.Fatalf("suite directories in the store: %v", dirs)
	}
	out := dirs[0]
	// Resumed through the store's latest link, as README.md shows.
	latest := filepath.Join(store, "suites", "default", "latest")
	if !strings.Contains(errText, "--resume "+out) {
		t.Errorf("the interruption does not say how to continue (--resume %s):\n%s", out, errText)
	}
	before, err := rundir.ReadSuite(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 || len(before) >= len(runs) {
		t.Fatalf("the interrupted suite finished %d of %d runs; the test needs some but not all", len(before), len(runs))
	}
	kept := map[string][]byte{}
	for _, e := range before {
		b, err := os.ReadFile(filepath.Join(out, e.Dir, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		kept[e.Dir] = b
	}
	// A partly written run directory (no summary.json) of a run that did
	// not finish is run again.
	var partial string
	for _, rel := range runs {
		if kept[rel] == nil {
			partial = rel
		}
	}
	if err := os.MkdirAll(filepath.Join(out, partial), 0o755); err != nil {
		t.Fatal(err)
	}

	if code, text := zabsim(t, "suite", "--suite", "default", "--seeds", "1-2", "--shard", "0/11", "--resume", out); code != 2 ||
		!strings.Contains(text, "do not name") {
		t.Errorf("--resume with other seeds: exit %d, want 2 naming the mismatch\n%s", code, text)
	}
	if code, text := zabsim(t, append(flags, "--resume", out, "--out", out)...); code != 2 {
		t.Errorf("--resume with --out: exit %d, want 2\n%s", code, text)
	}

	cmd := exec.Command(bin, append(flags, "--resume", latest)...)
	text, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
		t.Fatalf("--resume: exit %d (%v)\n%s", code, err, text)
	}
	if !strings.Contains(string(text), fmt.Sprintf("%d of %d runs finished before", len(before), len(runs))) {
		t.Errorf("--resume does not say what it kept:\n%s", text)
	}
	after, err := rundir.ReadSuite(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(runs) {
		t.Fatalf("after --resume suite.json lists %d runs, want %d", len(after), len(runs))
	}
	for _, e := range after {
		b, err := os.ReadFile(filepath.Join(out, e.Dir, "summary.json"))
		if err != nil {
			t.Errorf("run %s: %v", e.Dir, err)
			continue
		}
		if old, ok := kept[e.Dir]; ok && string(old) != string(b) {
			t.Errorf("run %s finished before the interrupt but was run again", e.Dir)
		}
		if e.TraceHash == "" || e.Error != "" {
			t.Errorf("run %s: trace %q, error %q", e.Dir, e.TraceHash, e.Error)
		}
	}
	x, err := os.ReadFile(junit)
	if err != nil || strings.Count(string(x), "<testcase ") != len(runs) {
		t.Errorf("JUnit after --resume: %d test cases (%v), want %d", strings.Count(string(x), "<testcase "), err, len(runs))
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Error(err)
	}
	for _, link := range []string{latest, filepath.Join(store, "latest")} {
		if got, err := filepath.EvalSymlinks(link); err != nil || got != out {
			t.Errorf("%s → %s (%v) after --resume, want %s", link, got, err, out)
		}
	}
}

// TestShrinkInterruptKeepsBest sends SIGINT to a shrink once it has made
// progress: it must write the smallest failing run found so far (with its
// timeline and server logs), say so, and exit 130; the run reproduces.
func TestShrinkInterruptKeepsBest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zabsim and runs part of a shrink")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := exec.Command(bin, "run", "--scenario", "bug-sync-no-quorum", "--seed", "1", "--bug", "sync-no-quorum", "--out", run).Run(); err == nil {
		t.Fatal("bug-sync-no-quorum seed 1 passed: nothing to shrink")
	}
	min := filepath.Join(dir, "min")
	// SIGINT once the shrink has said something (the first step it dropped).
	code, stdout, _ := interruptAfter(t, bin, 1, 1, func(string) bool { return true }, "shrink", run, "--out", min)
	if code != 130 {
		t.Errorf("exit after SIGINT: %d, want 130\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "interrupted: kept the smallest failing run found") {
		t.Errorf("no word of the interruption:\n%s", stdout)
	}
	for _, f := range []string{"summary.json", "timeline.html", "index.html", "logs/s1.log"} {
		if _, err := os.Stat(filepath.Join(min, f)); err != nil {
			t.Errorf("interrupted shrink's run directory: %v", err)
		}
	}
	out, err := exec.Command(bin, "repro", min).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "reproduced trace") {
		t.Errorf("the kept run does not reproduce its failure (%v):\n%s", err, out)
	}
}

package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/scenarios"
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
	cmd := exec.Command(bin, "suite", "--suite", "default", "--seeds", "1-50", "--parallel", "2", "--out", out, "--junit", junit)
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
	for finished := 0; finished < 2 && lines.Scan(); {
		errText.WriteString(lines.Text() + "\n")
		if strings.HasPrefix(lines.Text(), "[") {
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
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stderr); rest <- string(b) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("zabsim suite did not exit within 2 minutes of SIGINT")
	}
	errText.WriteString(<-rest)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("exit after SIGINT: %v, want exit status 130\n%s", err, errText.String())
	}
	if !strings.Contains(errText.String(), "interrupted") || !strings.Contains(errText.String(), "runs finished") {
		t.Errorf("no word of the interruption on stderr:\n%s", errText.String())
	}
	entries, err := scenarios.ReadSuite(out)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), errText.String())
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
	cmd := exec.Command(bin, "shrink", run, "--out", min)
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
	if !lines.Scan() { // the first step it dropped
		t.Fatalf("shrink said nothing before it ended")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("zabsim shrink did not exit within 2 minutes of SIGINT")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("exit after SIGINT: %v, want 130\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "interrupted: kept the smallest failing run found") {
		t.Errorf("no word of the interruption:\n%s", stdout.String())
	}
	for _, f := range []string{"summary.json", "timeline.html", "index.html", "logs/s1.log"} {
		if _, err := os.Stat(filepath.Join(min, f)); err != nil {
			t.Errorf("interrupted shrink's run directory: %v", err)
		}
	}
	out, err := exec.Command(bin, "repro", min).CombinedOutput()
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "reproduced trace") {
		t.Errorf("the kept run does not reproduce its failure (%v):\n%s", err, out)
	}
}

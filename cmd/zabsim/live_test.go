package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live/cluster"
)

// TestLiveBadInputExitsTwo: `zabsim live` refuses bad input before it
// starts a process or writes anything.
func TestLiveBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	cases := [][]string{
		{"live", "--target", "etcd", "--scenario", "register-partition", "--out", out},
		{"live", "--scenario", "no-such-scenario", "--out", out},
		{"live", "--scenario", "observers-partition", "--servers", "1", "--out", out}, // observers beside a standalone server
		{"live", "--scenario", "observers-partition", "--servers", "6", "--out", out}, // 8 servers
		{"live", "--scenario", "register-partition", "--servers", "9", "--out", out},
		{"live", "--scenario", "register-partition", "--duration", "-5s", "--out", out},
		{"live", "--scenario", "register-partition", "--bug", "zk-0000", "--out", out},
		{"live", "--target", "zookeeper", "--scenario", "register-partition", "--bug", "zk-1208", "--out", out},
		{"live", "--crosscheck", "--scenario", "register-partition", "--out", out},
		{"live", "--crosscheck", "--ops", "0"},
	}
	for _, args := range cases {
		code, text := zabsim(t, args...)
		if code != 2 || !strings.Contains(text, "zabsim:") {
			t.Errorf("zabsim %s: exit %d, want 2 with a message\n%s", strings.Join(args, " "), code, text)
		}
	}
	if code, text := zabsim(t, "live"); code != 2 || !strings.Contains(text, "--scenario") {
		t.Errorf("zabsim live without a scenario: exit %d\n%s", code, text)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("bad input left a run directory behind")
	}
}

// TestLiveInterruptStopsEverything sends SIGINT to `zabsim live` in the
// middle of a run: it must exit 1 (no verdict) and leave no server process.
func TestLiveInterruptStopsEverything(t *testing.T) {
	if testing.Short() || os.Getenv("ZABSIM_LIVE") != "1" {
		t.Skip("starts three zabsim server processes: set ZABSIM_LIVE=1 (make test-live does)")
	}
	bin := buildBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin, "live", "--target", "zabsim", "--scenario", "register-partition", "--duration", "30s", "--out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	pids := map[int]bool{}
	lines := bufio.NewScanner(stderr)
	started := regexp.MustCompile(`started \(pid (\d+)\)`)
	for len(pids) < 3 && lines.Scan() {
		if m := started.FindStringSubmatch(lines.Text()); m != nil {
			pid, _ := strconv.Atoi(m[1])
			pids[pid] = true
		}
	}
	if len(pids) < 3 {
		t.Fatalf("saw %d server pids before stderr ended", len(pids))
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	time.Sleep(4 * time.Second) // workers running, a fault maybe in place
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("zabsim live did not exit within 30 s of SIGINT")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit after SIGINT: %v, want exit status 1", err)
	}
	for pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("server process %d outlived zabsim live", pid)
		}
	}
}

// TestLiveDefaultOutZabsim and TestLiveDefaultOutZooKeeper run the
// README's live example as a user does, from a directory of their own and
// with the default (relative) output directory: the node processes run in
// their own directories, so every path they are handed must be absolute
// (they got relative ones: zabsim could not open its zoo.cfg, ZooKeeper's
// log4j its file, and the run stopped half-written with exit 2).
func TestLiveDefaultOutZabsim(t *testing.T) { testLiveDefaultOut(t, "zabsim") }

func TestLiveDefaultOutZooKeeper(t *testing.T) { testLiveDefaultOut(t, "zookeeper") }

func testLiveDefaultOut(t *testing.T, target string) {
	bin := requireLiveCLI(t, target)
	wd := t.TempDir()
	args := []string{"live", "--target", target, "--scenario", "register-partition", "--duration", "10s", "--seed", "3"}
	code, text := zabsimIn(t, bin, wd, args...)
	if code != 0 {
		t.Fatalf("zabsim %s (in %s): exit %d, want 0\n%s", strings.Join(args, " "), wd, code, text)
	}
	dir := runDirectory(t, text)
	if filepath.IsAbs(dir) {
		t.Errorf("the default run directory %s is absolute: the test would not cover a relative one", dir)
	}
	for _, f := range []string{"summary.json", "history.jsonl", "index.html", "cluster/s1/server.log"} {
		if _, err := os.Stat(filepath.Join(wd, dir, f)); err != nil {
			t.Errorf("run directory: %v", err)
		}
	}
	testLiveSameOut(t, bin, wd, args)
}

// testLiveSameOut is two live runs with one (relative) --out: the second
// is refused without --force (exit 2, no server started, the first run
// intact) and with --force replaces the first run and starts its servers
// empty — a run on the first run's data reported phantom reads — and is
// valid.
func testLiveSameOut(t *testing.T, bin, wd string, args []string) {
	args = append(slices.Clone(args), "--out", filepath.Join("mine", "run"))
	if code, text := zabsimIn(t, bin, wd, args...); code != 0 {
		t.Fatalf("first run into --out mine/run: exit %d\n%s", code, text)
	}
	summary := filepath.Join(wd, "mine", "run", "summary.json")
	before, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	code, text := zabsimIn(t, bin, wd, args...)
	if code != 2 || !strings.Contains(text, "--force") || strings.Contains(text, "started (pid") {
		t.Errorf("second run into the same --out: exit %d, want 2 naming --force before any server starts\n%s", code, text)
	}
	if after, _ := os.ReadFile(summary); string(after) != string(before) {
		t.Error("the refused run changed the first run's summary")
	}
	if code, text := zabsimIn(t, bin, wd, append(args, "--force")...); code != 0 {
		t.Fatalf("second run with --force: exit %d, want 0 (valid)\n%s", code, text)
	}
	for _, n := range []string{"s1", "s2", "s3"} {
		log, err := os.ReadFile(filepath.Join(wd, "mine", "run", "cluster", n, "server.log"))
		if err != nil {
			t.Fatal(err)
		}
		if starts := strings.Count(string(log), "=== zabsim live: "+n+" start #1 "); starts != 1 {
			t.Errorf("%s's log has %d first starts: the earlier run's server files were kept", n, starts)
		}
	}
}

// requireLiveCLI skips unless live tests are asked for (ZABSIM_LIVE=1) and,
// for the zookeeper target, Apache ZooKeeper is installed (a failure with
// ZABSIM_REQUIRE_ZK=1); it returns the zabsim binary's absolute path.
func requireLiveCLI(t *testing.T, target string) string {
	t.Helper()
	if testing.Short() || os.Getenv("ZABSIM_LIVE") != "1" {
		t.Skip("starts a real ensemble: set ZABSIM_LIVE=1 (make test-live does)")
	}
	if target == "zookeeper" {
		if err := cluster.ZooKeeperAvailable(); err != nil {
			if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
				t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
			}
			t.Skipf("Apache ZooKeeper unavailable: %v", err)
		}
	}
	bin, err := filepath.Abs(buildBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// zabsimIn runs the zabsim binary with working directory wd and returns
// its exit code and output.
func zabsimIn(t *testing.T, bin, wd string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = wd
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("zabsim %s: %v", strings.Join(args, " "), err)
	return -1, ""
}

// runDirectory is the "run directory: DIR" a run prints.
func runDirectory(t *testing.T, text string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^run directory: (.+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no run directory printed:\n%s", text)
	}
	return m[1]
}

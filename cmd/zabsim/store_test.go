package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/rundir"

	"github.com/zabsim/zabsim/scenario"
)

// TestRunsNeverOverwrite: without --out every run of one scenario and seed
// gets its own directory in the store (latest links the newest); an --out
// that holds a run is refused (exit 2, the run untouched) unless --force
// replaces it.
func TestRunsNeverOverwrite(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	var dirs []string
	for range 2 {
		code, out := zabsim(t, "run", "--scenario", "sequential-clock", "--seed", "4", "--store", store)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		dirs = append(dirs, runDirectory(t, out))
	}
	if dirs[0] == dirs[1] {
		t.Fatalf("two runs wrote one directory %s", dirs[0])
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "summary.json")); err != nil {
			t.Errorf("run directory: %v", err)
		}
	}
	latest, err := filepath.EvalSymlinks(filepath.Join(store, "latest"))
	if want, _ := filepath.EvalSymlinks(dirs[1]); err != nil || latest != want {
		t.Errorf("store/latest → %s (%v), want the newest %s", latest, err, dirs[1])
	}

	out := filepath.Join(t.TempDir(), "mine")
	args := []string{"run", "--scenario", "sequential-clock", "--seed", "4", "--out", out}
	if code, text := zabsim(t, args...); code != 0 {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	before, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, text := zabsim(t, append(args, "--seed", "5")...)
	if code != 2 || !strings.Contains(text, "--force") {
		t.Errorf("a second run into %s: exit %d, want 2 naming --force\n%s", out, code, text)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "summary.json")); string(after) != string(before) {
		t.Error("the refused run changed the earlier summary")
	}
	if code, text := zabsim(t, append(args, "--seed", "5", "--force")...); code != 0 {
		t.Fatalf("--force: exit %d\n%s", code, text)
	}
	if _, err := os.Stat(filepath.Join(out, "marker")); err == nil {
		t.Error("--force kept the earlier directory's files beside the new run")
	}
	if code, text := zabsim(t, "run", "--scenario", "sequential-clock", "--force", "--store", store); code != 2 {
		t.Errorf("--force without --out: exit %d, want 2\n%s", code, text)
	}
}

// TestSuitesNeverOverwrite: two suites without --out leave two suite
// directories; a second suite into one --out is refused.
func TestSuitesNeverOverwrite(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	report := regexp.MustCompile(`(?m)^report: (.+)/index\.html$`)
	var dirs []string
	for range 2 {
		code, out := zabsim(t, "suite", "--suite", "default", "--seeds", "1", "--shard", "0/11", "--parallel", "1", "--store", store)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		m := report.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no report line:\n%s", out)
		}
		dirs = append(dirs, m[1])
		if _, err := os.Stat(filepath.Join(m[1], "suite.json")); err != nil {
			t.Error(err)
		}
	}
	if dirs[0] == dirs[1] || filepath.Dir(dirs[0]) != filepath.Join(store, "suites", "default") {
		t.Errorf("suite directories %v", dirs)
	}
	out := filepath.Join(t.TempDir(), "suite")
	args := []string{"suite", "--suite", "default", "--seeds", "1", "--shard", "0/11", "--parallel", "1", "--out", out}
	if code, text := zabsim(t, args...); code != 0 {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	if code, text := zabsim(t, args...); code != 2 || !strings.Contains(text, "--force") {
		t.Errorf("a second suite into %s: exit %d, want 2 naming --force\n%s", out, code, text)
	}
}

// TestVersionAndInvocation: `zabsim --version` prints the version, and
// every summary.json records it with the full command line that made it.
func TestVersionAndInvocation(t *testing.T) {
	code, out := zabsim(t, "--version")
	if code != 0 || !regexp.MustCompile(`^zabsim \S+ \(go`).MatchString(out) {
		t.Fatalf("zabsim --version: exit %d\n%s", code, out)
	}
	version := strings.Fields(out)[1]
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "--scenario", "sequential-clock", "--seed", "4", "--out", dir}
	if code, text := zabsim(t, args...); code != 0 {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	suite := filepath.Join(t.TempDir(), "suite")
	def, err := scenario.Suite("default")
	if err != nil {
		t.Fatal(err)
	}
	// One run of the suite: shard 0 of as many shards as it has scenarios.
	sargs := []string{"suite", "--suite", "default", "--seeds", "2", "--shard", fmt.Sprintf("0/%d", len(def)), "--parallel", "1", "--out", suite}
	if code, text := zabsim(t, sargs...); code != 0 {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	suiteRuns, err := filepath.Glob(filepath.Join(suite, "*", "seed-2", "summary.json"))
	if err != nil || len(suiteRuns) != 1 {
		t.Fatalf("suite run summaries %v (%v)", suiteRuns, err)
	}
	for path, want := range map[string][]string{filepath.Join(dir, "summary.json"): args, suiteRuns[0]: sargs} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var sum struct {
			Version    string `json:"zabsim_version"`
			Invocation string `json:"invocation"`
		}
		if err := json.Unmarshal(raw, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Version != version {
			t.Errorf("%s: zabsim_version %q, want %q", path, sum.Version, version)
		}
		if w := "zabsim " + strings.Join(want, " "); sum.Invocation != w {
			t.Errorf("%s: invocation %q, want %q", path, sum.Invocation, w)
		}
	}
}

// TestHuntDefaultOutInStore: without --out a hunt keeps its shrunk
// scenario file, its shrunk run directory and hunt.json in a new
// directory of the store (never out/hunt beside the working directory,
// never overwritten); an --out that holds files is refused.
func TestHuntDefaultOutInStore(t *testing.T) {
	if testing.Short() {
		t.Skip("hunts a bug switch twice")
	}
	store := filepath.Join(t.TempDir(), "store")
	re := regexp.MustCompile(`(?m)^hunt directory: (.+)$`)
	var dirs []string
	for range 2 {
		code, out := zabsim(t, "hunt", "--bug", "zk-1154", "--shrink-runs", "3", "--parallel", "1", "--store", store)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no hunt directory printed:\n%s", out)
		}
		dirs = append(dirs, m[1])
		if filepath.Dir(m[1]) != filepath.Join(store, "hunts") {
			t.Errorf("hunt directory %s is not in %s", m[1], filepath.Join(store, "hunts"))
		}
		for _, f := range []string{"zk-1154.json", "hunt.json", filepath.Join("zk-1154", "summary.json"), filepath.Join("zk-1154", "index.html")} {
			if _, err := os.Stat(filepath.Join(m[1], f)); err != nil {
				t.Error(err)
			}
		}
		if !strings.Contains(out, "--scenario-file "+filepath.Join(m[1], "zk-1154.json")) {
			t.Errorf("the shrunk repro does not name the hunt directory's file:\n%s", out)
		}
	}
	if dirs[0] == dirs[1] {
		t.Errorf("two hunts wrote one directory %s", dirs[0])
	}
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "mine"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, text := zabsim(t, "hunt", "--bug", "zk-1154", "--out", out); code != 2 || !strings.Contains(text, "already holds") {
		t.Errorf("hunt into a non-empty --out: exit %d, want 2\n%s", code, text)
	}
}

// TestMergeSpeedAndLinks: merge prints simulated seconds per wall second
// of the runs themselves (not a division by zero), and its index links
// into the merged directory, which keeps working when the shards are gone.
func TestMergeSpeedAndLinks(t *testing.T) {
	root := t.TempDir()
	var shards []string
	for i := range 2 {
		dir := filepath.Join(root, fmt.Sprintf("shard-%d", i))
		args := []string{"suite", "--suite", "default", "--seeds", "1", "--shard", fmt.Sprintf("%d/11", i), "--parallel", "1", "--quiet", "--out", dir}
		if code, out := zabsim(t, args...); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		shards = append(shards, dir)
	}
	merged := filepath.Join(root, "all")
	code, out := zabsim(t, append([]string{"merge", "--out", merged}, shards...)...)
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, out)
	}
	m := regexp.MustCompile(`([\d.]+) simulated s in ([\d.]+) wall s of the runs themselves \((\d+)x per world\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("merge prints no speed:\n%s", out)
	}
	var sim, wall, speed float64
	fmt.Sscan(m[1], &sim)
	fmt.Sscan(m[2], &wall)
	fmt.Sscan(m[3], &speed)
	entries, err := rundir.ReadSuite(merged)
	if err != nil {
		t.Fatal(err)
	}
	runWall := 0.0
	for _, e := range entries {
		runWall += e.WallSeconds
	}
	if want := sim / runWall; speed < want*0.9-1 || speed > want*1.1+1 || speed > 1e6 {
		t.Errorf("merge speed %gx, want about %.0fx (%.1f simulated s over %.3f wall s of the runs)", speed, want, sim, runWall)
	}
	for _, s := range shards {
		if err := os.RemoveAll(s); err != nil {
			t.Fatal(err)
		}
	}
	index, err := os.ReadFile(filepath.Join(merged, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	hrefs := regexp.MustCompile(`href="([^"#]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(hrefs) == 0 {
		t.Fatal("the merged index links nothing")
	}
	for _, h := range hrefs {
		if strings.HasPrefix(h[1], "..") || strings.Contains(h[1], "shard-") {
			t.Errorf("the merged index links %s, outside the merged suite", h[1])
		}
		if _, err := os.Stat(filepath.Join(merged, filepath.FromSlash(h[1]))); err != nil {
			t.Errorf("dead link in the merged index once the shards are gone: %s", h[1])
		}
	}
}

package campaign

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// Every named scenario is deterministic: two runs with the same seed give the
// same trace hash and byte-identical history, and a run directory reproduces.
func TestEveryScenarioIsDeterministic(t *testing.T) {
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			a, err := simrun.Run(s, 7, simrun.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := simrun.Run(s, 7, simrun.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if a.TraceHash != b.TraceHash {
				t.Fatalf("trace hash %s then %s", a.TraceHash, b.TraceHash)
			}
			var ha, hb bytes.Buffer
			if err := history.WriteAll(&ha, a.History); err != nil {
				t.Fatal(err)
			}
			if err := history.WriteAll(&hb, b.History); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ha.Bytes(), hb.Bytes()) {
				t.Fatal("histories differ")
			}
			if len(a.Logs) != len(b.Logs) || len(a.Logs) == 0 {
				t.Fatalf("%d then %d server logs", len(a.Logs), len(b.Logs))
			}
			for i := range a.Logs {
				if a.Logs[i].Node != b.Logs[i].Node || !bytes.Equal(a.Logs[i].Text, b.Logs[i].Text) {
					t.Fatalf("server log %s differs between two runs of one seed", a.Logs[i].Node)
				}
			}
			if len(a.History) < 50 {
				t.Fatalf("only %d history records: the scenario did little", len(a.History))
			}
			c, err := simrun.Run(s, 8, simrun.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.TraceHash == a.TraceHash {
				t.Fatal("seeds 7 and 8 gave the same trace")
			}
		})
	}
}

// TestRunCommandOfAFileScenario: a scenario that is not a built-in one
// (from a file, or a built-in one changed) is re-run from the run
// directory's copy, never by a name that means another scenario.
func TestRunCommandOfAFileScenario(t *testing.T) {
	s, err := scenario.ByName("register-partition")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration, s.HealedTail = secs(6), secs(2)
	o, err := simrun.Execute(s, 3, simrun.Options{Bugs: []string{"zk-1154"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := rundir.Write(dir, o, rundir.PlotsAll); err != nil {
		t.Fatal(err)
	}
	want := "zabsim run --scenario-file " + filepath.Join(dir, rundir.ScenarioFile) + " --seed 3 --bug zk-1154"
	if o.Summary.Command != want {
		t.Fatalf("command %q, want %q", o.Summary.Command, want)
	}
	r, err := Repro(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome.Summary.Command != want {
		t.Fatalf("repro's command %q, want %q", r.Outcome.Summary.Command, want)
	}
}

func TestRunDirectoryReproduces(t *testing.T) {
	s, err := scenario.ByName("register-partition")
	if err != nil {
		t.Fatal(err)
	}
	o, err := simrun.Execute(s, 3, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := rundir.Write(dir, o, rundir.PlotsAll); err != nil {
		t.Fatal(err)
	}
	if err := rundir.Rewrite(dir, true); err != nil {
		t.Fatal(err)
	}
	if want := "zabsim run --scenario register-partition --seed 3"; o.Summary.Command != want {
		t.Errorf("command %q, want %q", o.Summary.Command, want)
	}
	for _, f := range []string{rundir.SummaryFile, rundir.ScenarioFile, rundir.HistoryFile, rundir.NemesisFile, rundir.RolesFile, "index.html", "latency-raw.png", "availability.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Fatalf("%s missing or empty: %v", f, err)
		}
	}
	r, err := Repro(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Matches() {
		t.Fatalf("repro gave %s, the directory says %s", r.Got, r.Want)
	}
	// A tampered trace hash must be reported as a failed reproduction.
	sum, _ := os.ReadFile(filepath.Join(dir, rundir.SummaryFile))
	bad := strings.Replace(string(sum), o.Summary.TraceHash, "0000000000000000", 1)
	if err := os.WriteFile(filepath.Join(dir, rundir.SummaryFile), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := Repro(dir); err != nil || r.Matches() {
		t.Fatalf("tampered summary still matches (err %v)", err)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := scenario.ByName("no-such-scenario"); err == nil || !strings.Contains(err.Error(), "register-partition") {
		t.Errorf("unknown scenario: %v", err)
	}
	if _, err := scenario.Suite("nope"); err == nil {
		t.Error("unknown suite accepted")
	}
	for _, bad := range []string{"", "x", "5-1", "1-2000000", "1,,2", "-3"} {
		if _, err := ParseSeeds(bad); err == nil {
			t.Errorf("seeds %q accepted", bad)
		}
	}
	if seeds, err := ParseSeeds("1-3,7,9-10"); err != nil || len(seeds) != 6 {
		t.Errorf("seeds 1-3,7,9-10 = %v, %v", seeds, err)
	}
	for _, bad := range []string{"", "1", "2/2", "-1/3", "a/b", "0/0"} {
		if _, _, err := ParseShard(bad); err == nil {
			t.Errorf("shard %q accepted", bad)
		}
	}
	if _, _, err := rundir.LoadRun(t.TempDir()); err == nil {
		t.Error("empty directory loaded as a run")
	}
	corrupt := t.TempDir()
	os.WriteFile(filepath.Join(corrupt, rundir.SummaryFile), []byte("{not json"), 0o644)
	if _, _, err := rundir.LoadRun(corrupt); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt summary: %v", err)
	}
	files := map[string]string{
		"bad.yaml":     "name: x\nservers: 3\nworkload: register\nduration: 10s\nfaults: [partition, teleport]\n",
		"unknown.json": `{"name":"x","servers":3,"workload":"register","duration":"10s","colour":"red"}`,
		"range.json":   `{"name":"x","servers":30,"workload":"register","duration":"10s"}`,
		"both.yaml":    "name: x\nworkload: register\nfaults: [kill]\nschedule: \"1s kill one\\n2s restart all\\n\"\n",
		"ext.toml":     "name = 'x'",
		"think.json":   `{"name":"x","workload":"register","duration":"10s","think":["2s","1s"]}`,
	}
	for name, body := range files {
		if _, err := scenario.ParseFile(name, []byte(body)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	good := "name: mine\nservers: 3\nworkload: register\nduration: 12s\nfaults: [partition, kill]\nthink: [1s, 2s]\n"
	s, err := scenario.ParseFile("good.yaml", []byte(good))
	if err != nil {
		t.Fatalf("valid YAML scenario rejected: %v", err)
	}
	if s.Duration.D().Seconds() != 12 || len(s.Faults) != 2 || s.Think[1].D().Seconds() != 2 {
		t.Errorf("parsed %+v", s)
	}
	if _, err := simrun.Run(scenario.Scenario{Name: "x", Servers: 3, Workload: "nope", Duration: secs(5)}, 1, simrun.Options{}); err == nil {
		t.Error("unknown workload ran")
	}
	if _, err := simrun.Run(scenario.Scenario{Name: "x", Servers: 3, Workload: "register", Duration: secs(5)}, 1, simrun.Options{Bugs: []string{"zk-9999"}}); err == nil {
		t.Error("unknown bug switch ran")
	}
}

// A scenario file round-trips through its JSON form.
func TestScenarioJSONRoundTrip(t *testing.T) {
	for _, s := range scenario.All() {
		back, err := scenario.ParseFile("s.json", s.JSON())
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if string(back.JSON()) != string(s.JSON()) {
			t.Fatalf("%s: JSON form does not round-trip:\n%s\n%s", s.Name, s.JSON(), back.JSON())
		}
	}
}

func TestSuiteShardsAndMerge(t *testing.T) {
	s, _ := scenario.ByName("sequential-clock")
	s.Duration = secs(8)
	s.HealedTail = secs(3)
	root := t.TempDir()
	var dirs []string
	for i := 0; i < 2; i++ {
		dir := filepath.Join(root, "shard", string(rune('0'+i)))
		es, err := RunSuite([]scenario.Scenario{s}, SuiteOptions{Seeds: []uint64{1, 2, 3}, Parallel: 2, Shard: i, Shards: 2, Out: dir})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			t.Fatalf("shard %d ran nothing", i)
		}
		dirs = append(dirs, dir)
	}
	merged, err := Merge(filepath.Join(root, "all"), dirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 3 {
		t.Fatalf("merged %d runs, want 3", len(merged))
	}
	shardSummary, err := os.ReadFile(filepath.Join(dirs[0], merged[0].Dir, rundir.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	// The merged suite stands on its own: the shards may move or go.
	moved := filepath.Join(root, "moved")
	if err := os.Rename(filepath.Join(root, "shard"), moved); err != nil {
		t.Fatal(err)
	}
	for _, e := range merged {
		if e.Failed() {
			t.Errorf("%s seed %d failed: %s %s", e.Scenario, e.Seed, e.Failing, e.Error)
		}
		if !filepath.IsLocal(e.Dir) {
			t.Errorf("merged entry %s points outside the merged suite", e.Dir)
		}
		dir := filepath.Join(root, "all", e.Dir)
		sum, _, err := rundir.LoadRun(dir)
		if err != nil {
			t.Errorf("merged entry does not point at its run: %v", err)
			continue
		}
		if want := "zabsim repro " + dir; sum.Repro != want || e.Repro != want {
			t.Errorf("merged run's repro: summary %q, suite.json %q, want %q", sum.Repro, e.Repro, want)
		}
		page, err := os.ReadFile(filepath.Join(dir, "index.html"))
		if err != nil || !strings.Contains(string(page), "zabsim repro "+dir) || strings.Contains(string(page), "shard") {
			t.Errorf("merged run page does not name its new place (%v)", err)
		}
	}
	if after, err := os.ReadFile(filepath.Join(moved, "0", merged[0].Dir, rundir.SummaryFile)); err != nil || string(after) != string(shardSummary) {
		t.Errorf("merge changed the shard's own summary.json (%v)", err)
	}
	if err := WriteSuiteReport(filepath.Join(root, "all"), merged, filepath.Join(root, "junit.xml")); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(filepath.Join(root, "dup"), []string{dirs[0], dirs[0]}); err == nil {
		t.Error("merging a shard twice was accepted")
	}
}

// With a bug switch on, a suite finds a failure, the shrinker reduces it,
// and the shrunk directory reproduces the same trace and fails the same way.
func TestBugFoundShrunkAndReproduced(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small suite and a shrink")
	}
	s, err := scenario.ByName("bug-ack-before-fsync")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	es, err := RunSuite([]scenario.Scenario{s}, SuiteOptions{Seeds: []uint64{1, 2, 3}, Parallel: 2, Out: out, Bugs: []string{"ack-before-fsync"}})
	if err != nil {
		t.Fatal(err)
	}
	var failed *rundir.SuiteEntry
	for i := range es {
		if es[i].Failed() && es[i].Error == "" {
			failed = &es[i]
			break
		}
	}
	if failed == nil {
		t.Fatalf("ack-before-fsync went unnoticed in seeds 1-3: %+v", es)
	}
	sum, sc, err := rundir.LoadRun(filepath.Join(out, failed.Dir))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Shrink(sc, sum.Seed, nil, ShrinkOptions{MaxRuns: 40})
	if err != nil {
		t.Fatal(err)
	}
	if res.StepsTo >= res.StepsFrom {
		t.Errorf("shrink kept all %d nemesis steps", res.StepsFrom)
	}
	min := filepath.Join(out, "min")
	if err := rundir.Write(min, res.Outcome, rundir.PlotsAll); err != nil {
		t.Fatal(err)
	}
	r, err := Repro(min)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Matches() || r.Outcome.Valid() {
		t.Fatalf("shrunk run: reproduced=%v valid=%v", r.Matches(), r.Outcome.Valid())
	}
	got := strings.Join(rundir.FailingCheckers(r.Outcome.Check), ",")
	for _, want := range res.Failing {
		if !strings.Contains(got, want) {
			t.Errorf("shrunk run fails %s, not %s", got, want)
		}
	}
}

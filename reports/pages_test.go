package reports

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

func invalidSummary(seed uint64) RunSummary {
	return RunSummary{
		Scenario: "register-partition", Seed: seed, TraceHash: "9f3a0c1d2e4b5a67", Valid: checker.Invalid,
		Bugs: []string{"ZOOKEEPER-3911"},
		Checkers: []checker.Result{checker.Merge("all",
			checker.Result{Name: "linearizable", Valid: checker.Invalid, Counts: map[string]int{"anomalies": 1, "ops": 812},
				Anomalies: []checker.Anomaly{{Kind: "stale-read", Ops: []int{17, 42}, Explanation: `read of "k1" saw 3 after <write 4> & committed`}}},
			checker.Result{Name: "stats", Valid: checker.Valid},
		)},
		Ops: OpCounts{Invoked: 812, OK: 700, Fail: 100, Info: 12, Nemesis: 5}, SimSeconds: 30, WallSeconds: 1.25,
		Repro: "zabsim run --scenario register-partition --seed " + itoa(seed) + " --bug ZOOKEEPER-3911",
	}
}

func validSummary(scenario string, seed uint64) RunSummary {
	return RunSummary{Scenario: scenario, Seed: seed, TraceHash: "00ff", Valid: checker.Valid,
		Checkers: []checker.Result{{Name: "stats", Valid: checker.Valid}},
		Repro:    "zabsim run --scenario " + scenario + " --seed " + itoa(seed)}
}

func itoa(u uint64) string { return strconv.FormatUint(u, 10) }

// writeRunDir builds a complete run directory the way the scenario runner
// will: history, summary, plots, page.
func writeRunDir(t *testing.T, dir string, s RunSummary, ops []history.Op) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := history.WriteAll(&buf, ops); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "history.jsonl"), buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(filepath.Join(dir, "summary.json"), s); err != nil {
		t.Fatal(err)
	}
	if err := WriteRunReport(dir, RunPage{Summary: s, Ops: ops}, faultySpans()); err != nil {
		t.Fatal(err)
	}
}

var tagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>`)

var voidTags = map[string]bool{"meta": true, "img": true, "br": true, "link": true, "hr": true, "input": true}

// checkBalanced asserts every non-void element is closed in order, which
// html/template does not check for us. Text is escaped by html/template,
// so every '<' in the page starts a tag.
func checkBalanced(t *testing.T, page string) {
	t.Helper()
	body := strings.TrimPrefix(page, "<!DOCTYPE html>")
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(body, -1) {
		name := strings.ToLower(m[2])
		switch {
		case voidTags[name]:
		case m[1] == "":
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			t.Fatalf("</%s> closes %v", name, stack)
		default:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements %v", stack)
	}
}

var linkRE = regexp.MustCompile(`(?:href|src)="([^"]*)"`)

// checkLinks asserts every href and src is a relative link to an existing
// file (no external fetches) and returns them.
func checkLinks(t *testing.T, dir, page string) []string {
	t.Helper()
	var links []string
	for _, m := range linkRE.FindAllStringSubmatch(page, -1) {
		u, err := url.Parse(m[1])
		if err != nil || u.IsAbs() || u.Host != "" || strings.HasPrefix(u.Path, "/") {
			t.Fatalf("link %q is not a relative path", m[1])
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(u.Path))); err != nil {
			t.Errorf("link %q points to nothing: %v", m[1], err)
		}
		links = append(links, u.Path)
	}
	return links
}

func TestRunPage(t *testing.T) {
	dir := t.TempDir()
	s := invalidSummary(42)
	s.Scenario = `register<script>alert(1)</script>`
	writeRunDir(t, dir, s, faultyHistory(t))
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	checkBalanced(t, page)
	links := checkLinks(t, dir, page)
	for _, want := range []string{"history.jsonl", "summary.json", "latency-raw.png", "latency-raw.svg", "node-roles.png"} {
		if !slices.Contains(links, want) {
			t.Errorf("run page does not link %s (links %v)", want, links)
		}
	}
	for _, want := range []string{
		`<code id="repro">zabsim run --scenario register-partition --seed 42 --bug ZOOKEEPER-3911</code>`,
		`id="verdict">invalid<`, "9f3a0c1d2e4b5a67", "ZOOKEEPER-3911", "all/linearizable", "stale-read",
		"&lt;write 4&gt; &amp; committed", `(ops <a href="#op-17">17</a>, <a href="#op-42">42</a>)`, `<tr id="op-17" class="cited">`,
		"What went wrong", "The history breaks it: 1 stale-read.", "timeline.html: not produced", "nemesis.txt: not produced",
		"<code>start partition random-halves → s1,s2,s3</code>", "<td class=\"num\">16.000</td><td class=\"num\">(one-shot)</td>",
		"register&lt;script&gt;", "30.000 s", "812 invoked: 700 ok, 100 fail, 12 info",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("run page has a script or an external reference")
	}
	// Once timeline.html exists the page links it.
	if err := WriteFileAtomic(filepath.Join(dir, "timeline.html"), []byte("<html></html>")); err != nil {
		t.Fatal(err)
	}
	if err := WriteRunPage(dir, RunPage{Summary: s}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "index.html"))
	if !slices.Contains(checkLinks(t, dir, string(b)), "timeline.html") {
		t.Errorf("run page does not link an existing timeline.html")
	}
	assertNoTempFiles(t, dir)
}

func suiteRunsData() []SuiteRun {
	return []SuiteRun{
		{Dir: "register-partition/seed-1", Summary: validSummary("register-partition", 1)},
		{Dir: "register-partition/seed-42", Summary: invalidSummary(42)},
		{Dir: "lock/seed 7", Summary: validSummary("lock", 7)},
		{Dir: "lock/seed-8", Summary: RunSummary{Scenario: "lock", Seed: 8, Valid: checker.Unknown, Repro: "zabsim run --scenario lock --seed 8",
			Checkers: []checker.Result{{Name: "linearizable", Valid: checker.Unknown, Anomalies: []checker.Anomaly{{Kind: "unknown", Explanation: "porcupine timed out"}}}}}},
	}
}

// suiteRuns writes the runs of suiteRunsData under root, all but one with
// a full report.
func suiteRuns(t *testing.T, root string) []SuiteRun {
	ops := faultyHistory(t)
	runs := suiteRunsData()
	for i, r := range runs {
		if i == 2 { // a run directory without a page yet: linked as a directory
			if err := os.MkdirAll(filepath.Join(root, r.Dir), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		writeRunDir(t, filepath.Join(root, r.Dir), r.Summary, ops)
	}
	return runs
}

func TestSuitePage(t *testing.T) {
	root := t.TempDir()
	runs := suiteRuns(t, root)
	if err := WriteSuitePage(root, "nightly", runs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	checkBalanced(t, page)
	links := checkLinks(t, root, page)
	for _, want := range []string{"register-partition/seed-42/index.html", "lock/seed 7/", "lock/seed-8/index.html", "register-partition/seed-1/index.html"} {
		if !slices.Contains(links, want) {
			t.Errorf("suite page does not link %s (links %v)", want, links)
		}
	}
	if !strings.Contains(page, `href="lock/seed%207/"`) {
		t.Errorf("suite page does not escape the space in a run directory's href")
	}
	if !strings.Contains(page, `4 runs: <span class="badge invalid">1 invalid</span> <span class="badge unknown">1 unknown</span> <span class="badge valid">2 valid</span>`) {
		t.Errorf("suite page totals wrong")
	}
	// Failures first: the invalid run's repro precedes the unknown one's,
	// which precedes every valid one's.
	runsTable := page[strings.Index(page, "Runs, failures first"):]
	order := []string{"--seed 42 --bug", "--seed 8<", "--scenario lock --seed 7<", "--scenario register-partition --seed 1<"}
	last := -1
	for _, o := range order {
		i := strings.Index(runsTable, o)
		if i < 0 || i < last {
			t.Fatalf("runs table order: %q at %d, previous at %d", o, i, last)
		}
		last = i
	}
	if !strings.Contains(runsTable, "linearizable unknown: unknown: porcupine timed out") {
		t.Errorf("runs table does not say why seed 8 is unknown")
	}
}

func TestJUnitRoundTrip(t *testing.T) {
	doc := JUnit("nightly", suiteRunsData())
	b, err := MarshalJUnit(doc)
	if err != nil {
		t.Fatal(err)
	}
	var back JUnitTestSuites
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(back, doc) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, doc)
	}
	if doc.Tests != 4 || doc.Failures != 2 || len(doc.Suites) != 2 || doc.Suites[0].Name != "lock" {
		t.Fatalf("tests=%d failures=%d suites=%+v", doc.Tests, doc.Failures, doc.Suites)
	}
	reg := doc.Suites[1]
	if reg.Tests != 2 || reg.Failures != 1 || reg.Cases[0].Name != "seed 1" || reg.Cases[1].Failure == nil {
		t.Fatalf("register suite %+v", reg)
	}
	f := reg.Cases[1].Failure
	for _, want := range []string{"stale-read", "(ops 17, 42)", "repro: zabsim run --scenario register-partition --seed 42 --bug ZOOKEEPER-3911"} {
		if !strings.Contains(f.Body, want) {
			t.Errorf("failure body lacks %q:\n%s", want, f.Body)
		}
	}
	if f.Type != "invalid" || doc.Suites[0].Cases[1].Failure.Type != "unknown" {
		t.Errorf("failure types %q, %q", f.Type, doc.Suites[0].Cases[1].Failure.Type)
	}
}

func TestJUnitSurvivesHostileText(t *testing.T) {
	s := invalidSummary(1)
	s.Checkers[0].Children[0].Anomalies[0].Explanation = "bad \x00\x1b bytes ]]> </failure> & \"quotes\""
	dir := t.TempDir()
	path := filepath.Join(dir, "junit.xml")
	if err := WriteJUnit(path, "x", []SuiteRun{{Dir: "a", Summary: s}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var back JUnitTestSuites
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatalf("hostile text broke the XML: %v", err)
	}
	if body := back.Suites[0].Cases[0].Failure.Body; !strings.Contains(body, "]]> </failure> & \"quotes\"") {
		t.Errorf("failure body lost text: %q", body)
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	s := invalidSummary(7)
	if err := WriteSummary(path, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("summary round trip:\n got %+v\nwant %+v", back, s)
	}
	if err := os.WriteFile(path, []byte(`{"scenario":"x","surprise":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSummary(path); err == nil {
		t.Fatal("ReadSummary accepted an unknown key")
	}
}

func TestCountOps(t *testing.T) {
	got := CountOps(faultyHistory(t))
	if got.Nemesis != 5 || got.Invoked != got.OK+got.Fail+got.Info || got.Info == 0 || got.Fail == 0 {
		t.Fatalf("CountOps = %+v", got)
	}
}

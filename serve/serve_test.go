package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/reports"
	"github.com/zabsim/zabsim/rundir"
)

// fakeStore lays out a store by hand: two runs of one scenario (one with
// a bug switch, failing), a live run, a suite with one run, a secret file
// beside the store and a symlink inside it that points at the secret.
func fakeStore(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	store := filepath.Join(base, "store")
	writeSummary(t, filepath.Join(store, "runs", "register-partition", "20261201T100000.000Z-seed-1"),
		rundir.Summary{RunSummary: reports.RunSummary{Scenario: "register-partition", Seed: 1, Valid: checker.Valid, TraceHash: "aaaa"}})
	writeSummary(t, filepath.Join(store, "runs", "register-partition", "20261205T100000.000Z-seed-2"),
		rundir.Summary{RunSummary: reports.RunSummary{Scenario: "register-partition", Seed: 2, Valid: checker.Invalid, TraceHash: "bbbb",
			Bugs: []string{"zk-1154"}, Checkers: []checker.Result{{Name: "zab-invariants", Valid: checker.Invalid,
				Anomalies: []checker.Anomaly{{Kind: "lost", Ops: []int{12}, Explanation: "committed txn 0x100000003 lost"}}}}}})
	writeSummary(t, filepath.Join(store, "live", "zookeeper", "lock-pause", "20261206T100000.000Z-seed-3"),
		rundir.Summary{RunSummary: reports.RunSummary{Scenario: "lock-pause", Seed: 3, Valid: checker.Valid},
			Live: &rundir.LiveInfo{Target: "zookeeper", Nodes: 3}})
	suite := filepath.Join(store, "suites", "default", "20261207T100000.000Z")
	writeSummary(t, filepath.Join(suite, "bank-disk", "seed-4"),
		rundir.Summary{RunSummary: reports.RunSummary{Scenario: "bank-disk", Seed: 4, Valid: checker.Unknown}})
	entries := []rundir.SuiteEntry{{Scenario: "bank-disk", Seed: 4, Dir: "bank-disk/seed-4", Valid: checker.Unknown},
		{Scenario: "escape", Seed: 9, Dir: "../../../secret", Valid: checker.Valid}}
	b, _ := json.Marshal(entries)
	mustWrite(t, filepath.Join(suite, rundir.SuiteFile), b)
	mustWrite(t, filepath.Join(base, "secret.txt"), []byte("SECRET"))
	if err := os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(store, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../..", filepath.Join(store, "runs", "up")); err != nil {
		t.Fatal(err)
	}
	return store
}

func writeSummary(t *testing.T, dir string, s rundir.Summary) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, rundir.SummaryFile), b)
	var ops []history.Op
	for i := range 40 {
		typ := history.Invoke
		if i%2 == 1 {
			typ = history.OK
		}
		ops = append(ops, history.Op{Index: i, Time: int64(i) * 1e6, Process: 0, Type: typ, F: "read"})
	}
	var hist bytes.Buffer
	if err := history.WriteAll(&hist, ops); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "history.jsonl"), hist.Bytes())
	mustWrite(t, filepath.Join(dir, "throughput.png"), []byte("png"))
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := New(fakeStore(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// runsListed returns which of the fake store's run seeds the index lists.
func runsListed(body string) string {
	var seeds []string
	for _, s := range []string{"seed-1", "seed-2", "seed-3", "seed-4"} {
		if strings.Contains(body, `href="/run/`) && strings.Contains(body, s+`"`) {
			seeds = append(seeds, s)
		}
	}
	return strings.Join(seeds, ",")
}

func TestIndexFilters(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct{ query, want string }{
		{"", "seed-1,seed-2,seed-3,seed-4"},
		{"?scenario=register-partition", "seed-1,seed-2"},
		{"?verdict=invalid", "seed-2"},
		{"?verdict=failed", "seed-2,seed-4"},
		{"?verdict=valid", "seed-1,seed-3"},
		{"?bug=zk-1154", "seed-2"},
		{"?bug=none", "seed-1,seed-3,seed-4"},
		{"?kind=live", "seed-3"},
		{"?kind=suite", "seed-4"},
		{"?from=2026-12-05", "seed-2,seed-3,seed-4"},
		{"?to=2026-12-05", "seed-1,seed-2"},
		{"?from=2026-12-06&to=2026-12-06", "seed-3"},
	} {
		code, body := get(t, ts, "/"+c.query)
		if code != http.StatusOK {
			t.Errorf("%s: HTTP %d", c.query, code)
			continue
		}
		if got := runsListed(body); got != c.want {
			t.Errorf("index%s lists %s, want %s", c.query, got, c.want)
		}
	}
	_, body := get(t, ts, "/")
	if !strings.Contains(body, `href="/files/suites/default/20261207T100000.000Z/index.html"`) {
		t.Error("the index does not link the suite's page")
	}
	for _, want := range []string{`<form method="get" action="/compare">`, `name="a" value="runs/register-partition/20261201T100000.000Z-seed-1"`,
		`name="b" value="live/zookeeper/lock-pause/20261206T100000.000Z-seed-3"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the index has no %s (two runs picked to compare)", want)
		}
	}
	if strings.Contains(body, `/run/secret`) {
		t.Error("a suite entry pointing outside its suite is listed")
	}
	for _, q := range []string{"?verdict=bogus", "?from=yesterday", "?kind=x"} {
		if code, _ := get(t, ts, "/"+q); code != http.StatusBadRequest {
			t.Errorf("index%s: HTTP %d, want 400", q, code)
		}
	}
}

func TestRunAndComparePages(t *testing.T) {
	ts := newTestServer(t)
	a, b := "runs/register-partition/20261201T100000.000Z-seed-1", "runs/register-partition/20261205T100000.000Z-seed-2"
	code, body := get(t, ts, "/run/"+b)
	if code != http.StatusOK {
		t.Fatalf("run page: HTTP %d\n%s", code, body)
	}
	for _, want := range []string{"zk-1154", "committed txn 0x100000003 lost", "/files/" + b + "/history.jsonl",
		`/files/` + b + `/throughput.png`, "/compare?a=runs%2Fregister-partition%2F20261205T100000.000Z-seed-2&amp;b=runs%2Fregister-partition%2F20261201T100000.000Z-seed-1"} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if !strings.Contains(body, `href="/history/`+b+`?op=12"`) {
		t.Error("the run page does not link the history around the anomaly's op 12")
	}
	code, body = get(t, ts, "/history/"+b+"?op=12&context=3")
	if code != http.StatusOK {
		t.Fatalf("history page: HTTP %d\n%s", code, body)
	}
	if got := strings.Count(body, `<tr id="op-`) + strings.Count(body, `<tr class="mark" id="op-`); got != 7 || !strings.Contains(body, `<tr class="mark" id="op-12">`) {
		t.Errorf("history around op 12 with context 3: %d rows, op 12 marked: %v", got, strings.Contains(body, `class="mark" id="op-12"`))
	}
	if _, body := get(t, ts, "/history/"+b+"?op=999"); !strings.Contains(body, "no record 999") {
		t.Error("a history page for a record the history lacks does not say so")
	}
	for _, q := range []string{"?op=x", "?context=-1", "?from=-3"} {
		if code, _ := get(t, ts, "/history/"+b+q); code != http.StatusBadRequest {
			t.Errorf("history%s: HTTP %d, want 400", q, code)
		}
	}
	code, body = get(t, ts, "/compare?a="+a+"&b="+b)
	if code != http.StatusOK {
		t.Fatalf("compare: HTTP %d\n%s", code, body)
	}
	for _, want := range []string{"aaaa", "bbbb", `<td class="invalid">invalid</td>`, "/files/" + a + "/throughput.png", "/files/" + b + "/throughput.png"} {
		if !strings.Contains(body, want) {
			t.Errorf("compare page lacks %q", want)
		}
	}
	if code, _ := get(t, ts, "/run/runs/register-partition"); code != http.StatusNotFound {
		t.Errorf("a directory without summary.json: HTTP %d, want 404", code)
	}
	if code, _ := get(t, ts, "/compare?a="+a); code != http.StatusBadRequest {
		t.Errorf("compare with one run: HTTP %d, want 400", code)
	}
}

// TestNoPathTraversal: no request reads outside the store, whatever its
// path: .., encoded .., absolute paths, symlinks that point out.
func TestNoPathTraversal(t *testing.T) {
	ts := newTestServer(t)
	for _, p := range []string{
		"/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2fsecret.txt", "/files/escape.txt",
		"/files/runs/up/secret.txt", "/files/runs/up/store/../secret.txt", "/files//etc/passwd", "/files/%2fetc%2fpasswd",
		"/run/..%2f..%2fsecret", "/run/runs/up/store/runs/register-partition/20261201T100000.000Z-seed-1",
		"/compare?a=../store/runs&b=/etc", "/compare?a=%2Fetc&b=runs/up", "/history/..%2fsecret", "/history/runs/up/store/runs",
	} {
		code, body := get(t, ts, p)
		if strings.Contains(body, "SECRET") || strings.Contains(body, "root:") {
			t.Errorf("%s: read outside the store (HTTP %d)", p, code)
		}
		if code == http.StatusOK && !strings.HasPrefix(p, "/files//") {
			t.Errorf("%s: HTTP 200, want an error", p)
		}
	}
	if code, body := get(t, ts, "/files/runs/register-partition/20261201T100000.000Z-seed-1/history.jsonl"); code != http.StatusOK || !strings.Contains(body, `"f":"read"`) {
		t.Errorf("a file inside the store: HTTP %d %q", code, body)
	}
}

func TestNewRefusesNonDirectory(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("New accepted a missing store")
	}
	f := filepath.Join(t.TempDir(), "file")
	mustWrite(t, f, nil)
	if _, err := New(f); err == nil {
		t.Error("New accepted a file as the store")
	}
}

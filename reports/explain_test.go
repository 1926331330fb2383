package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// staleReadHistory is a register history of two keys in which process 2's
// sync-read of k1, invoked after process 1's write of k1 completed, returns
// the value before it, amid other traffic.
func staleReadHistory(t *testing.T) []history.Op {
	t.Helper()
	var ops []history.Op
	add := func(at int64, p int, typ history.Type, f string, v history.RegisterValue) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, history.Op{Index: len(ops), Time: at, Process: p, Type: typ, F: f, Value: b})
	}
	i64 := func(v int64) *int64 { return &v }
	i32 := func(v int32) *int32 { return &v }
	// A write of k1 with no definite reply, long before the anomaly: it
	// may have taken effect anywhere after its call.
	add(0, 9, history.Invoke, history.FWrite, history.RegisterValue{Key: "k1", Value: i64(999)})
	add(ms, 9, history.Info, history.FWrite, history.RegisterValue{Key: "k1", Value: i64(999)})
	now := int64(2 * ms)
	for i := range 40 {
		key := "k0"
		if i%2 == 1 {
			key = "k1"
		}
		v := int64(i + 1)
		add(now, 3, history.Invoke, history.FWrite, history.RegisterValue{Key: key, Value: i64(v)})
		add(now+ms, 3, history.OK, history.FWrite, history.RegisterValue{Key: key, Value: i64(v), Version: i32(int32(i/2 + 1))})
		now += 10 * ms
	}
	// k1 is at version 20 (value 40); process 2 reads value 38 (version 19).
	add(now, 2, history.Invoke, history.FSyncRead, history.RegisterValue{Key: "k1"})
	add(now+ms, 2, history.OK, history.FSyncRead, history.RegisterValue{Key: "k1", Value: i64(38), Version: i32(19)})
	v, _ := json.Marshal(history.NemesisValue{Nodes: []string{"s1", "s2", "s3"}, Detail: "start partition isolate-node s3: s1,s2 | s3", Shape: "s1,s2 | s3"})
	ops = append(ops, history.Op{Index: len(ops), Time: now + 2*ms, Process: history.NemesisProcess, Type: history.Info, F: "start partition", Value: v})
	return ops
}

// TestRunPageExplainsFailure: a linearizability failure's page says in
// words what went wrong, draws the failing window of the key, links every
// cited op to its row in the history excerpt (and every link resolves),
// and labels a partition by its shape.
func TestRunPageExplainsFailure(t *testing.T) {
	ops := staleReadHistory(t)
	lin := checker.CheckLinearizable(ops, checker.LinearOptions{})
	if lin.Valid != checker.Invalid {
		t.Fatalf("history should fail linearizability: %v", lin)
	}
	s := RunSummary{Scenario: "register", Seed: 1, Valid: checker.Invalid, Checkers: []checker.Result{lin}, SimSeconds: 1}
	dir := t.TempDir()
	writeRunDir(t, dir, s, ops)
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	checkBalanced(t, page)
	for _, want := range []string{"What went wrong", "must look as if it took effect at one instant", "1 stale-read",
		"Failing windows", "key <code>k1</code>", "have no linearization", "<svg", "History around the anomalies",
		"<code>start partition s1,s2 | s3</code>", "simulated time",
		`Also part of the check, not drawn: 1 earlier op on <code>k1</code> with no definite reply`, `<a href="#op-0">0</a> <code>write(k1, 999) -&gt; ?</code>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	hrefs := regexp.MustCompile(`href="#(op-\d+)"`).FindAllStringSubmatch(page, -1)
	if len(hrefs) < 4 { // two cited ops, from the anomaly and from their bars
		t.Fatalf("page links %d history rows, want >= 4", len(hrefs))
	}
	for _, h := range hrefs {
		if !strings.Contains(page, `id="`+h[1]+`"`) {
			t.Errorf("link #%s has no row", h[1])
		}
	}
	// The stale read (op 82) and the write it missed (op 80) are cited.
	for _, id := range []string{"op-80", "op-82"} {
		if !strings.Contains(page, `<tr id="`+id+`" class="cited">`) {
			t.Errorf("cited op %s is not a highlighted row", id)
		}
	}
}

// TestRunPageLive: a live run's page says live and which target, not
// simulated time, and links the servers' logs that exist.
func TestRunPageLive(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cluster", "s1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster", "s1", "server.log"), []byte("started\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := validSummary("register-partition", 3)
	if err := WriteRunPage(dir, RunPage{Summary: s, Live: "zookeeper", Logs: []string{"cluster/s1/server.log", "cluster/s2/server.log"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	page := string(b)
	links := checkLinks(t, dir, page)
	if !strings.Contains(page, "live, against a real <b>zookeeper</b> cluster") || strings.Contains(page, "simulated") {
		t.Errorf("live page does not say live and its target, or says simulated")
	}
	if !containsString(links, "cluster/s1/server.log") || strings.Contains(page, "cluster/s2/server.log") {
		t.Errorf("live page links %v: want the one log that exists", links)
	}
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestExplainChecker(t *testing.T) {
	r := checker.Result{Name: "lock", Valid: checker.Invalid, Counts: map[string]int{"anomalies": 3, "anomalies:overlapping-holds": 2, "anomalies:duplicate-token": 1},
		Anomalies: []checker.Anomaly{{Kind: "overlapping-holds", Explanation: "c1 and c2 both held the lock at 3.1 s."}}}
	got := explainChecker("all/lock", r)
	for _, want := range []string{"no two clients hold the lock at once", "2 overlapping-holds, 1 duplicate-token", "The first: c1 and c2 both held the lock at 3.1 s.", "held the lock at the same time"} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q: %s", want, got)
		}
	}
	u := explainChecker("custom", checker.Result{Name: "custom", Valid: checker.Unknown, Anomalies: []checker.Anomaly{{Kind: "unknown", Explanation: "timed out"}}})
	if !strings.Contains(u, "The custom checker") || !strings.Contains(u, "could not decide, which is not a pass: timed out.") {
		t.Errorf("unknown verdict of an unlisted checker: %s", u)
	}
	a := explainChecker("mix/api", checker.Result{Name: "api", Valid: checker.Invalid, Counts: map[string]int{"anomalies": 1, "anomalies:missed-watch-event": 1},
		Anomalies: []checker.Anomaly{{Kind: "missed-watch-event", Explanation: "no event"}}})
	if !strings.Contains(a, "reference spec") || !strings.Contains(a, "before (or without) the event") {
		t.Errorf("the api checker's promise and anomaly kind: %s", a)
	}
}

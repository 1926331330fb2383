package checker

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/history"
)

// The sessions rule: ops invoked before the close may succeed; ops of other
// sessions are not constrained; failures after the close are what the
// server owes; an ok after the close is flagged, whatever the workload.
func TestSessionsRule(t *testing.T) {
	const s1, s2 = 0x11, 0x22
	rv := reg("k", nil, nil)
	good := (&hb{}).
		inv(0, 0, "read", rv, sess(s1)).
		closed(5, s1, 0x100000009, "s1").
		ok(6, 0, "read", rv, sess(s1)). // invoked before the close
		inv(7, 0, "read", rv, sess(s1)).fail(8, 0, "read", rv, sess(s1), node("s2"), errName("SESSIONEXPIRED")).
		inv(9, 1, "read", rv, sess(s2)).ok(10, 1, "read", rv, sess(s2), node("s1")).
		// the worker's own record of a step-down: no server answered
		inv(11, 0, "resign", rv, sess(s1)).ok(11, 0, "resign", nil, sess(s1)).
		history(t)
	res := CheckSessions(good)
	wantValid(t, res)
	if res.Counts["closed"] != 1 || res.Counts["ops-after-close"] != 1 {
		t.Errorf("counts %v", res.Counts)
	}
	bad := (&hb{}).
		closed(5, s1, 0x100000009, "s1").
		inv(7, 0, "read", rv, sess(s1)).ok(8, 0, "read", rv, sess(s1), node("s3")).
		history(t)
	a := wantAnomaly(t, CheckSessions(bad), "op-after-close")
	if !strings.Contains(a.Explanation, "s3") || !strings.Contains(a.Explanation, "0x100000009") {
		t.Errorf("explanation %q names neither the server nor the close", a.Explanation)
	}
	// With a clock-rate fault the timing argument is void: a stale answer
	// is not judged, one from a state that holds the close still is.
	slow := (&hb{}).
		nemesis(1, "clock rate", "s3").
		closed(5, s1, 0x100000009, "s1").
		inv(7, 0, "read", rv, sess(s1)).ok(8, 0, "read", rv, sess(s1), node("s3"), zx(0x100000008)).
		history(t)
	res = CheckSessions(slow)
	wantValid(t, res)
	if res.Counts["timing-rule"] != 0 {
		t.Errorf("timing rule applied under a clock-rate fault: %v", res.Counts)
	}
	applied := (&hb{}).
		nemesis(1, "clock rate", "s3").
		closed(5, s1, 0x100000009, "s1").
		inv(7, 0, "read", rv, sess(s1)).ok(8, 0, "read", rv, sess(s1), node("s2"), zx(0x10000000a)).
		history(t)
	wantAnomaly(t, CheckSessions(applied), "served-after-apply")
}

func TestStats(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "read", "{}").ok(10, 0, "read", "{}").
		inv(10, 0, "read", "{}").ok(40, 0, "read", "{}").
		inv(40, 0, "write", "{}").fail(41, 0, "write", nil).
		inv(int64(time.Second), 1, "write", "{}").info(int64(time.Second)+5, 1, "write", nil).
		history(t)
	r := CheckStats(h, StatsOptions{Window: time.Second})
	wantValid(t, r)
	if r.Counts["read:ok"] != 2 || r.Counts["write:fail"] != 1 || r.Counts["write:info"] != 1 {
		t.Fatalf("counts %v", r.Counts)
	}
	if r.Stats["read:latency_max_ns"] != 30 || r.Stats["read:latency_p50_ns"] != 10 || r.Stats["availability_min"] != 0 {
		t.Fatalf("stats %v", r.Stats)
	}
	sum := Summarize(h, StatsOptions{Window: time.Second})
	if len(sum.Windows) != 2 || sum.Windows[0].OK != 2 || sum.Windows[0].Total != 3 {
		t.Fatalf("windows %+v", sum.Windows)
	}
	dead := (&hb{}).
		inv(0, 0, "read", "{}").ok(1, 0, "read", "{}").
		nemesis(2, "heal").
		inv(3, 0, "read", "{}").info(4, 0, "read", nil).
		history(t)
	wantAnomaly(t, CheckStats(dead, StatsOptions{}), "unavailable-after-heal")

	// A watch event is not a request: no latency, no availability credit.
	notify := `{"key":"k","watcher":"w1","event":"NodeDataChanged"}`
	withEvents := (&hb{}).
		inv(0, 0, "read", "{}").ok(1, 0, "read", "{}").
		nemesis(2, "heal").
		inv(3, 0, "read", "{}").info(9, 0, "read", nil).
		inv(5, 7, history.FNotify, notify).ok(5, 7, history.FNotify, notify).
		history(t)
	r = CheckStats(withEvents, StatsOptions{})
	wantAnomaly(t, r, "unavailable-after-heal")
	if _, ok := r.Counts[history.FNotify+":ok"]; ok || r.Counts["notifications"] != 1 || r.Counts["healed:invoked"] != 1 {
		t.Fatalf("notifications counted as requests: %v", r.Counts)
	}
	if sum := Summarize(withEvents, StatsOptions{}); len(sum.Windows) != 1 || sum.Windows[0].Total != 2 || sum.Windows[0].OK != 1 {
		t.Fatalf("windows %+v", sum.Windows)
	}
}

func TestComposeAndJSON(t *testing.T) {
	valid := func([]history.Op) Result { return Result{Name: "a", Valid: Valid} }
	unknown := func([]history.Op) Result { return Result{Name: "b", Valid: Unknown} }
	invalid := func([]history.Op) Result { return Result{Name: "c", Valid: Invalid} }
	cases := []struct {
		checkers []Checker
		want     Validity
	}{
		{[]Checker{valid, valid}, Valid},
		{[]Checker{valid, unknown}, Unknown},
		{[]Checker{unknown, invalid, valid}, Invalid},
		{nil, Valid},
	}
	for i, c := range cases {
		r := Compose("all", nil, c.checkers...)
		if r.Valid != c.want || len(r.Children) != len(c.checkers) {
			t.Fatalf("case %d: %s with %d children, want %s", i, r.Valid, len(r.Children), c.want)
		}
	}
	b, err := json.Marshal(Compose("all", nil, valid, unknown))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"all","valid":"unknown","children":[{"name":"a","valid":true},{"name":"b","valid":"unknown"}]}`
	if string(b) != want {
		t.Fatalf("json %s\nwant %s", b, want)
	}
	var v Validity
	if err := json.Unmarshal([]byte(`false`), &v); err != nil || v != Invalid {
		t.Fatalf("unmarshal false: %v %v", v, err)
	}
	if err := json.Unmarshal([]byte(`"maybe"`), &v); err == nil {
		t.Fatal("accepted a bogus validity")
	}
}

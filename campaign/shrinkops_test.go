package campaign

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
	"github.com/zabsim/zabsim/studies/api"
	"github.com/zabsim/zabsim/workloads"
)

func TestOpRangesRoundTrip(t *testing.T) {
	for _, text := range []string{"", "1", "1-9", "3,5-7,100-200"} {
		rs, err := scenario.ParseOpRanges(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := formatRanges(rs); got != text {
			t.Errorf("%q came back as %q", text, got)
		}
	}
	for _, bad := range []string{"x", "0", "-1", "5-3", "1-", ","} {
		if _, err := scenario.ParseOpRanges(bad); err == nil {
			t.Errorf("ParseOpRanges(%q) accepted", bad)
		}
	}
	got := formatRanges(mergeRanges([]workloads.OpRange{{From: 10, To: 19}, {From: 0, To: 4}, {From: 5, To: 9}, {From: 30, To: 30}, {From: 25, To: 31}}))
	if got != "0-19,25-31" {
		t.Errorf("merged to %q", got)
	}
}

// A skipped operation is drawn but never sent: the history names none of
// its numbers, and the others still run.
func TestSkipOpsCutsAPIOperations(t *testing.T) {
	s, err := scenario.ByName("api-chaos")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration, s.HealedTail = scenario.Duration(12*time.Second), scenario.Duration(5*time.Second)
	s.SkipOps = "1-9,20-39"
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	o, err := simrun.Execute(s, 3, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, op := range o.Result.History {
		if op.F != api.FAPI || op.Type != history.Invoke {
			continue
		}
		var v api.APIValue
		if err := json.Unmarshal(op.Value, &v); err != nil {
			t.Fatal(err)
		}
		seen[v.N] = true
	}
	for n := 1; n < 40; n++ {
		if skip := n < 10 || n >= 20; skip == seen[n] && n < lastAPIOp(o.Result.History) {
			t.Errorf("op %d: skipped=%v but seen=%v", n, skip, seen[n])
		}
	}
	if !o.Valid() {
		t.Fatalf("a run with operations cut must still be valid: %v", rundir.FailingCheckers(o.Check))
	}
	s.SkipOps = "7-3"
	if err := s.Validate(); err == nil {
		t.Fatal("a backwards range must not validate")
	}
}

package simrun

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/scenario"
)

// nemesisDetails lists the details of the history's nemesis records of f.
func nemesisDetails(t *testing.T, ops []history.Op, f string) []string {
	t.Helper()
	var out []string
	for _, op := range ops {
		if op.Process != history.NemesisProcess || op.F != f {
			continue
		}
		var v history.NemesisValue
		if err := json.Unmarshal(op.Value, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.Detail)
	}
	return out
}

// A reconfig ensemble with spares takes membership changes from the
// nemesis as an operator's reconfigs: 3 voters grow to 5 with both spares,
// the leader is removed, an observer is promoted and demoted; every
// reconfig is answered and recorded, a pointless one is refused by the
// operator, writes stay linearizable, and the run reproduces.
func TestMembershipNemesisReconfigs(t *testing.T) {
	s := scenario.Scenario{Name: "members", Servers: 3, Observers: 1, Spares: 2, Reconfig: true, Workload: "register",
		Duration: secs(40), Schedule: "3s member add s5\n6s member add s6\n10s member remove leader\n" +
			"14s member participant s4\n18s member observer s4\n21s member observer s4\n24s member replace s1 s2\n"}.Defaults()
	o, err := Execute(s, 7, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := nemesisDetails(t, o.Result.History, "reconfig")
	if len(got) != 7 {
		t.Fatalf("reconfig outcomes %q", got)
	}
	for i, want := range []string{"member add s5: reconfig OK", "member add s6: reconfig OK", ": reconfig OK",
		"member participant s4: reconfig OK", "member observer s4: reconfig OK", "member observer s4 refused by the operator: s4 observes already"} {
		if !strings.HasPrefix(got[i], want) && !strings.Contains(got[i], want) {
			t.Errorf("outcome %d: %q, want %q", i, got[i], want)
		}
	}
	if !o.Valid() {
		t.Fatalf("run invalid: %+v", o.Check)
	}
	again, err := Execute(s, 7, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Result.TraceHash != o.Result.TraceHash {
		t.Fatal("the run does not reproduce")
	}
}

// The named scenario and a planned membership nemesis: valid, every
// checker of the mix judged, same seed same history.
func TestMembershipScenarios(t *testing.T) {
	named, err := scenario.ByName("membership-change")
	if err != nil {
		t.Fatal(err)
	}
	planned := scenario.Scenario{Name: "members-planned", Servers: 3, Spares: 2, Reconfig: true,
		Mix:      []scenario.MixEntry{{Workload: "register", Clients: 2}, {Workload: "exhibitor", Clients: 1}},
		Duration: secs(40), Faults: []string{"membership", "membership", "partition", "kill"}}.Defaults()
	for _, s := range []scenario.Scenario{named, planned} {
		o, err := Execute(s, 2, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !o.Valid() {
			t.Fatalf("%s: %+v", s.Name, o.Check)
		}
		if got := nemesisDetails(t, o.Result.History, "reconfig"); len(got) == 0 {
			t.Fatalf("%s: no membership change answered", s.Name)
		}
		if testing.Short() {
			continue
		}
		again, err := Execute(s, 2, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Result.TraceHash != o.Result.TraceHash {
			t.Fatalf("%s: the run does not reproduce", s.Name)
		}
	}
}

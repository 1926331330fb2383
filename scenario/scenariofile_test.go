package scenario

import (
	"strings"
	"testing"
)

// TestScenarioFileErrors: a scenario file that asks for nonsense is refused
// with the file, the field as the file writes it and the reason in a
// file's terms — never silently replaced by a default or run as something
// else (issue 20).
func TestScenarioFileErrors(t *testing.T) {
	const base = "name: x\nservers: 3\nworkload: register\n"
	cases := []struct {
		file, body string
		want       []string // substrings of the error
	}{
		{"unitless.yaml", base + "duration: 30\n", []string{"unitless.yaml: duration:", "no unit", "30s"}},
		{"unitless.json", `{"name":"x","servers":3,"workload":"register","duration":30}`, []string{"unitless.json: duration:", "no unit"}},
		{"unitless-string.yaml", base + "duration: \"30\"\n", []string{"duration:", "no unit"}},
		{"not-a-duration.yaml", base + "duration: soon\n", []string{"duration:", "not a duration"}},
		{"zero-servers.yaml", "name: x\nservers: 0\nworkload: register\nduration: 10s\n", []string{"zero-servers.yaml: servers:", "between 1 and 9, got 0"}},
		{"many-servers.yaml", "name: x\nservers: 10\nworkload: register\nduration: 10s\n", []string{"servers:", "got 10"}},
		{"zero-clients.yaml", base + "duration: 10s\nclients: 0\n", []string{"clients:", "leave the field out"}},
		{"clients.yaml", base + "duration: 10s\nclients: 500\n", []string{"clients:", "got 500"}},
		{"zero-duration.yaml", base + "duration: 0s\n", []string{"duration:", "more than 0s"}},
		{"long.yaml", base + "duration: 48h\n", []string{"duration:", "24h"}},
		{"tail.yaml", base + "duration: 10s\nhealed_tail: 10s\n", []string{"healed_tail:", "less than duration"}},
		{"zero-tail.yaml", base + "duration: 10s\nhealed_tail: 0s\n", []string{"healed_tail:"}},
		{"tick.yaml", base + "duration: 10s\ntick_time_ms: 0\n", []string{"tick_time_ms:", "got 0"}},
		{"session.yaml", base + "duration: 10s\nsession_timeout: 0s\n", []string{"session_timeout:"}},
		{"snap.yaml", base + "duration: 10s\nsnap_count: 0\n", []string{"snap_count:", "at least 2"}},
		{"fsync.yaml", base + "duration: 10s\nfsync_latency: -1ms\n", []string{"fsync_latency:"}},
		{"think.yaml", base + "duration: 10s\nthink: [2s, 1s]\n", []string{"think:", "min <= max"}},
		{"think-one.yaml", base + "duration: 10s\nthink: [1s]\n", []string{"think:", "[min, max]"}},
		{"gap.yaml", base + "duration: 10s\nfaults: [kill]\nfault_gap: [0s, 0s]\n", []string{"fault_gap:", "max must be more than 0s"}},
		{"compose.yaml", base + "duration: 10s\nfaults: [kill]\nmax_compose: 9\n", []string{"max_compose:"}},
		{"observers.yaml", base + "duration: 10s\nobservers: -1\n", []string{"observers:"}},
		{"workload.yaml", "name: x\nservers: 3\nworkload: teleport\nduration: 10s\n", []string{"workload:", "unknown workload", "register"}},
		{"no-workload.yaml", "name: x\nservers: 3\nduration: 10s\n", []string{"workload:", "required"}},
		{"faults.yaml", base + "duration: 10s\nfaults: [partition, teleport]\n", []string{"faults:", "teleport"}},
		{"checker.yaml", base + "duration: 10s\ncheckers: [psychic]\n", []string{"checkers:", "psychic", "linearizable"}},
		{"bug.yaml", base + "duration: 10s\nbugs: [zk-0000]\n", []string{"bugs:", "zk-0000", "zk-1208", "zk-3911", "sync-no-quorum"}},
		{"late.yaml", base + "duration: 10s\nschedule: |\n  2s kill one\n  4s restart all\n  12s heal\n",
			[]string{"late.yaml: schedule:", "12s heal", "past the end", "duration 10s"}},
		{"at-end.yaml", base + "duration: 10s\nschedule: |\n  2s kill one\n  10s restart all\n", []string{"schedule:", "at or past the end"}},
		{"node.yaml", base + "duration: 10s\nschedule: |\n  2s kill s7\n  4s restart all\n", []string{"schedule:", "s7", "s1, s2, s3"}},
		{"grammar.yaml", base + "duration: 10s\nschedule: \"2s teleport one\"\n", []string{"schedule:", "line 1", "teleport"}},
		{"evil.yaml", "name: ../../evil\nservers: 3\nworkload: register\nduration: 10s\n", []string{"evil.yaml: name:", "only letters, digits"}},
		{"dots.yaml", "name: ..\nservers: 3\nworkload: register\nduration: 10s\n", []string{"name:"}},
		{"hidden.yaml", "name: .x\nservers: 3\nworkload: register\nduration: 10s\n", []string{"name:", "dot"}},
		{"no-name.yaml", "servers: 3\nworkload: register\nduration: 10s\n", []string{"name:", "required"}},
		{"type.json", `{"name":"x","servers":"3","workload":"register","duration":"10s"}`, []string{"type.json: servers:", "whole number", `"3"`}},
		{"unknown.json", `{"name":"x","servers":3,"workload":"register","duration":"10s","colour":"red"}`, []string{"colour:", "unknown field", "servers"}},
		{"list.yaml", "- name: x\n", []string{"list.yaml:", "mapping of fields"}},
		{"broken.json", `{"name":`, []string{"broken.json:", "not valid JSON"}},
		{"broken.yaml", "name: x\nservers: [3\n", []string{"broken.yaml: not valid YAML: line"}},
		{"draw-bug.yaml", "name: x\ndraw: true\nbugs: [nope]\n", []string{"bugs:", "nope"}},
		{"spares.yaml", base + "duration: 10s\nspares: 2\n", []string{"spares:", "need reconfig: true"}},
		{"many-spares.yaml", base + "duration: 10s\nreconfig: true\nspares: 9\n", []string{"spares:", "got 9"}},
		{"reconfig-standalone.yaml", "name: x\nservers: 1\nworkload: register\nduration: 10s\nreconfig: true\n", []string{"reconfig:", "standalone"}},
		{"member-fault.yaml", base + "duration: 10s\nfaults: [membership]\n", []string{"faults:", "membership changes need reconfig: true"}},
		{"member-step.yaml", base + "duration: 10s\nschedule: \"2s member add s4\"\n", []string{"schedule:", "s4"}},
		{"exhibitor.yaml", "name: x\nservers: 3\nworkload: exhibitor\nduration: 10s\n", []string{"reconfig:", "exhibitor", "needs reconfig: true"}},
	}
	for _, c := range cases {
		_, err := ParseFile(c.file, []byte(c.body))
		if err == nil {
			t.Errorf("%s accepted:\n%s", c.file, c.body)
			continue
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error does not say %q:\n%s", c.file, w, msg)
			}
		}
		for _, line := range strings.Split(msg, "\n") {
			if !strings.HasPrefix(line, c.file+": ") {
				t.Errorf("%s: error line does not name the file: %q", c.file, line)
			}
		}
		body := strings.ReplaceAll(msg, c.file+": ", "")
		for _, goTerm := range []string{"json:", "yaml:", "Go struct", "time.Duration", "scenarios.", "<nil>", "int64"} {
			if strings.Contains(body, goTerm) {
				t.Errorf("%s: error speaks Go (%q):\n%s", c.file, goTerm, msg)
			}
		}
	}
}

// TestScenarioFileGood: valid files parse, a field left out gets its
// default, and draw: true ignores the other fields.
func TestScenarioFileGood(t *testing.T) {
	s, err := ParseFile("ok.yaml", []byte("name: my-register\nservers: 3\nworkload: register\nduration: 1m30s\n"+
		"schedule: |\n  # a comment\n  5s start partition isolate-leader\n  15s stop partition\n  89s heal\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Duration.D().Seconds() != 90 || s.HealedTail.D().Seconds() != 10 || s.TickTimeMS != 200 {
		t.Errorf("parsed %+v", s)
	}
	d, err := ParseFile("draw.yaml", []byte("name: mine\ndraw: true\nservers: 0\nduration: 5s\n"))
	if err != nil || !d.Draw {
		t.Fatalf("draw: true with other fields: %v", err)
	}
}

// TestBuiltinScenariosValidate: every built-in, bug-hunting and drawn
// scenario passes the file rules, and its JSON form (scenario.json) parses
// back to itself.
// A reconfig scenario with spares names them after the observers; a
// schedule may change their membership; faults: [membership] plans
// changes from the initial config.
func TestReconfigScenario(t *testing.T) {
	s, err := ParseFile("r.yaml", []byte("name: r\nservers: 3\nobservers: 1\nspares: 2\nreconfig: true\nworkload: exhibitor\n"+
		"duration: 20s\nschedule: |\n  2s member add s6\n  4s member replace s1 s5\n  6s member remove leader\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(s, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Nodes(), ","); got != "s1,s2,s3,s4,s5,s6" {
		t.Fatalf("nodes %s", got)
	}
	if got := strings.Join(c.Members(), ","); got != "s1,s2,s3,s4" {
		t.Fatalf("members %s", got)
	}
	s.Schedule, s.Faults = "", []string{"membership", "kill"}
	c, err = Compile(s, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched, _, err := c.PlanSchedule(c.Nodes())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sched.String(), "member ") {
		t.Fatalf("no membership change planned:\n%s", sched)
	}
}

func TestBuiltinScenariosValidate(t *testing.T) {
	all := append(All(), BugCatalog()...)
	for seed := uint64(1); seed <= 300; seed++ {
		e, _ := ByName("explore")
		all = append(all, e.Drawn(seed).Defaults())
	}
	for _, s := range all {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		back, err := ParseFile("scenario.json", s.JSON())
		if err != nil {
			t.Errorf("%s: scenario.json does not parse: %v", s.Name, err)
			continue
		}
		if string(back.JSON()) != string(s.JSON()) {
			t.Errorf("%s: scenario.json does not round-trip", s.Name)
		}
	}
}

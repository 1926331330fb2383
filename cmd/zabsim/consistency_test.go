package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/server/bugs"
)

// TestOneFlagSyntax: every command takes --flags; bench and server accept
// their old single-dash spellings with a deprecation note, and every other
// command refuses them with the spelling to use (issue 20).
func TestOneFlagSyntax(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--sim", "--sim-runs", "0"}, "--sim-runs must be positive"},
		{[]string{"bench", "--servers", "2"}, "--servers 2: want 1 (standalone) or 3..7"},
		{[]string{"server", "--config", "/nonexistent/zoo.cfg"}, "no such file"},
		{[]string{"run", "-scenario", "register-partition"}, "-scenario: flags take two dashes: --scenario"},
		{[]string{"suite", "-seeds", "1"}, "flags take two dashes: --seeds"},
		{[]string{"run", "--scenario", "register-partition", "--seed", "-1"}, `--seed "-1": want a whole number`},
		{[]string{"live", "--duration", "soon"}, `--duration "soon": want a duration with its unit`},
	}
	for _, c := range cases {
		code, out := zabsim(t, c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("zabsim %s: exit %d, want 2 saying %q:\n%s", strings.Join(c.args, " "), code, c.want, out)
		}
	}
	for _, args := range [][]string{{"bench", "-sim", "-sim-runs", "0"}, {"server", "-config", "/nonexistent/zoo.cfg"}} {
		code, out := zabsim(t, args...)
		if code != 2 || !strings.Contains(out, "deprecated; write -"+args[1]) || strings.Contains(out, "shorthand") {
			t.Errorf("zabsim %s: exit %d, want the old spelling understood with a deprecation note:\n%s", strings.Join(args, " "), code, out)
		}
	}
}

// TestSameNamesForSameThings: one name per concept across commands and
// scenario files — --servers (servers:), --duration (duration:), --quiet
// on every command that prints progress, --bug repeatable everywhere, and
// one --parallel default; the old names still parse, hidden.
func TestSameNamesForSameThings(t *testing.T) {
	cmds := map[string]*cobra.Command{}
	for _, c := range newRoot().Commands() {
		cmds[c.Name()] = c
	}
	has := func(cmd, flag, typ string) {
		t.Helper()
		f := cmds[cmd].Flags().Lookup(flag)
		if f == nil {
			t.Errorf("%s has no --%s", cmd, flag)
			return
		}
		if typ != "" && f.Value.Type() != typ {
			t.Errorf("%s --%s is a %s, want %s", cmd, flag, f.Value.Type(), typ)
		}
		if f.Hidden || f.Deprecated != "" {
			t.Errorf("%s --%s is hidden or deprecated", cmd, flag)
		}
	}
	for _, c := range []string{"live", "bench"} {
		has(c, "servers", "int")
		has(c, "duration", "duration")
	}
	for _, c := range []string{"suite", "live", "crosscheck", "bench"} {
		has(c, "quiet", "bool")
	}
	for _, c := range []string{"run", "suite", "live", "hunt"} {
		has(c, "bug", "stringArray")
	}
	for _, c := range []string{"suite", "hunt"} {
		has(c, "parallel", "int")
	}
	if a, b := cmds["suite"].Flags().Lookup("parallel").DefValue, cmds["hunt"].Flags().Lookup("parallel").DefValue; a != b {
		t.Errorf("--parallel defaults differ: suite %s, hunt %s", a, b)
	}
	for cmd, old := range map[string][]string{"live": {"nodes", "time"}, "bench": {"nodes"}, "crosscheck": {"progress"}} {
		for _, o := range old {
			if f := cmds[cmd].Flags().Lookup(o); f == nil || f.Deprecated == "" {
				t.Errorf("%s --%s: want it kept as a deprecated spelling", cmd, o)
			}
		}
	}
	// The deprecated names still set the same value.
	code, out := zabsim(t, "live", "--scenario", "register-partition", "--nodes", "9", "--time", "5s")
	if code != 2 || !strings.Contains(out, "--servers must be between 1 and 7, got 9") {
		t.Errorf("live --nodes 9: exit %d:\n%s", code, out)
	}
}

// goValue matches Go's printing of values a person should not see: a
// slice, a nil, a bare verdict boolean.
var goValue = regexp.MustCompile(`\[[\w-]+( [\w-]+)+\]|<nil>|map\[|: (true|false)\b|valid=`)

// TestBugSwitchesListedAndMessagesPlain: an unknown --bug lists every
// switch zabsim list shows (all 15), for every command that takes --bug;
// no message prints Go values.
func TestBugSwitchesListedAndMessagesPlain(t *testing.T) {
	all := bugs.All()
	if len(all) != 15 {
		t.Fatalf("%d bug switches; this test expects the 15 of the catalogue", len(all))
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"run", "--scenario", "register-partition", "--bug", "nope", "--out", dir + "/r"},
		{"suite", "--seeds", "1", "--bug", "nope", "--out", dir + "/s"},
		{"live", "--scenario", "register-partition", "--bug", "nope", "--out", dir + "/l"},
	} {
		code, out := zabsim(t, args...)
		if code != 2 {
			t.Errorf("zabsim %s: exit %d, want 2:\n%s", strings.Join(args, " "), code, out)
		}
		for _, b := range all {
			if !strings.Contains(out, string(b.Name)) {
				t.Errorf("zabsim %s does not list bug switch %s:\n%s", strings.Join(args, " "), b.Name, out)
			}
		}
	}
	for _, args := range [][]string{
		{"run", "--scenario", "register-partition", "--bug", "nope"},
		{"run", "--scenario", "nope"},
		{"hunt", "--bug", "nope"},
		{"hunt"},
		{"bench", "--clients", "0"},
		{"bench", "--target", "etcd"},
		{"server", "--config", "/nonexistent/zoo.cfg", "extra"},
		{"suite", "--parallel", "0"},
	} {
		_, out := zabsim(t, args...)
		if m := goValue.FindString(out); m != "" {
			t.Errorf("zabsim %s prints a Go value (%s):\n%s", strings.Join(args, " "), m, out)
		}
	}
	code, out := zabsim(t, "run", "--scenario", "sequential-clock", "--seed", "4", "--out", dir+"/ok")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if m := goValue.FindString(out); m != "" {
		t.Errorf("run prints a Go value (%s):\n%s", m, out)
	}
}

// TestListShowsBugScenariosAndEveryChecker: zabsim list has the bug-hunting
// scenarios in their own section and every checker a summary can name.
func TestListShowsBugScenariosAndEveryChecker(t *testing.T) {
	code, out := zabsim(t, "list")
	if code != 0 {
		t.Fatal(out)
	}
	section := strings.Index(out, "Bug-hunting scenarios")
	if section < 0 {
		t.Fatalf("no bug-hunting section:\n%s", out)
	}
	for _, name := range []string{"bug-zk-3911", "bug-sync-no-quorum", "bug-zk-1208-registry", "bug-ack-before-fsync"} {
		if i := strings.Index(out, "  "+name+" "); i < section {
			t.Errorf("list does not show %s in the bug-hunting section", name)
		}
	}
	for _, c := range []string{"sessions", "zab-invariants", "liveness", "linearizable", "zxid-order", "stats"} {
		if !regexp.MustCompile(`(?m)^Checkers.*\b` + c + `\b`).MatchString(out) {
			t.Errorf("list's checkers omit %s:\n%s", c, out)
		}
	}
	if strings.Contains(out, "0 servers") || strings.Contains(out, "1 servers, workload  ") {
		t.Errorf("list shows the drawn scenario with a meaningless shape:\n%s", out)
	}
}

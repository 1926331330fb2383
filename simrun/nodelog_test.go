package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
)

// TestServerLogs: every simulated run directory has a log per server with
// its starts and crashes, role changes, Zab's sync steps and the faults
// that hit it (a partition with its exact shape); the logs are
// byte-identical for a seed; --log gets the same lines; nemesis.txt records
// the applied shape and still parses back to the schedule.
func TestServerLogs(t *testing.T) {
	s, err := scenario.ByName("register-partition")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration, s.HealedTail = secs(10), secs(3)
	s.Faults, s.Schedule = nil, "1s start partition isolate-node s3\n3s stop partition\n4s kill leader\n5s restart all\n"
	var log bytes.Buffer
	o, err := Execute(s, 5, Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Execute(s, 5, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Result.Logs) != 3 {
		t.Fatalf("%d server logs, want 3", len(o.Result.Logs))
	}
	all := ""
	for i, l := range o.Result.Logs {
		if l.Node != []string{"s1", "s2", "s3"}[i] || !bytes.Equal(l.Text, again.Result.Logs[i].Text) {
			t.Fatalf("log %d (%s) differs between two runs of one seed, or is out of order", i, l.Node)
		}
		all += string(l.Text)
	}
	s3 := string(o.Result.Logs[2].Text)
	for _, want := range []string{"process started", "fault: start partition isolate-node s3: s1,s2 | s3", "fault: stop partition"} {
		if !strings.Contains(s3, want) {
			t.Errorf("s3.log lacks %q:\n%s", want, s3)
		}
	}
	for _, want := range []string{"role leader, epoch", "role follower, epoch", "established as leader of epoch", "sync: sent NEWLEADER",
		"fault: kill leader", "process crashed", "process restarted", "serving clients"} {
		if !strings.Contains(all, want) {
			t.Errorf("no server log has %q", want)
		}
	}
	if !strings.Contains(log.String(), "s3: fault: start partition isolate-node s3: s1,s2 | s3") {
		t.Errorf("--log lacks the servers' lines")
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := rundir.Write(dir, o, rundir.PlotsAll); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"s1", "s2", "s3"} {
		b, err := os.ReadFile(filepath.Join(dir, rundir.LogsDir, n+".log"))
		if err != nil || len(b) == 0 {
			t.Fatalf("%s/%s.log: %v", rundir.LogsDir, n, err)
		}
	}
	nt, err := os.ReadFile(filepath.Join(dir, rundir.NemesisFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(nt), "# 1s start partition isolate-node s3: s1,s2 | s3\n") {
		t.Errorf("nemesis.txt does not record the partition's shape:\n%s", nt)
	}
	back, err := nemesis.Parse(string(nt))
	if err != nil || back.String() != o.Result.Schedule.String() {
		t.Errorf("nemesis.txt does not parse back to the schedule (%v):\n%s", err, nt)
	}
}

package server_test

// A stopped process (SIGSTOP, a long GC or VM pause) wakes up late: its
// monotonic clock ran on, and its overdue timers and the input that queued
// meanwhile are all handled at once. These tests pin what ZooKeeper does on
// waking, whose session tracker and quorum deadlines use elapsed time
// (System.nanoTime): overdue sessions expire before any request of theirs is
// served, and a leader deposed meanwhile steps down at once.

import (
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// The trigger, standalone: a 2 s session holds an ephemeral, the
// server is stopped for 5 s. On resume the session has expired: the node is
// gone and the client is told so, as by ZooKeeper 3.8.
func TestStoppedServerExpiresOverdueSessions(t *testing.T) {
	w := newWorld(t, 21)
	w.addClient("c1", create("/e", "", wire.FlagEphemeral), pause(8*time.Second), get("/e", false))
	w.run(time.Second)
	if err := w.w.Pause("s1"); err != nil {
		t.Fatal(err)
	}
	w.run(5 * time.Second)
	if err := w.w.Resume("s1"); err != nil {
		t.Fatal(err)
	}
	w.run(5 * time.Second)
	w.addClient("c2", exists("/e", false))
	w.run(2 * time.Second)
	got := strings.Join(w.log, "\n")
	for _, want := range []string{"create /e -> OK", "get /e -> SESSIONEXPIRED", "exists /e -> NONODE"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in transcript:\n%s", want, got)
		}
	}
}

// A leader stopped for longer than syncLimit is deposed meanwhile; on resume
// it must stop leading before it serves anything, not a syncLimit later.
func TestResumedLeaderStepsDownAtOnce(t *testing.T) {
	ew, old := ensembleWithLeader(t, 31)
	if err := ew.w.Pause(old); err != nil {
		t.Fatal(err)
	}
	ew.run(5 * time.Second)
	if nl := ew.leader(); nl == "" || nl == old {
		t.Fatalf("no new leader while %s was stopped (leader %q)", old, nl)
	}
	if err := ew.w.Resume(old); err != nil {
		t.Fatal(err)
	}
	ew.run(20 * time.Millisecond) // delivers what waited: well under one tick (100 ms)
	if rc := ew.roles[old]; rc.Role == "leader" {
		t.Fatalf("%s still leads (epoch %d, serving %v) 20 ms after resuming", old, rc.Epoch, rc.Serving)
	}
}

// The live incident behind the issue: a client whose only server is the
// leader keeps trying it while it is stopped; the new leader expires the
// session. On resume the old leader must not accept the session's reconnect
// or answer its requests: the client is told its session expired and its
// ephemeral is gone for everyone.
func TestResumedLeaderRefusesSessionClosedMeanwhile(t *testing.T) {
	ew, old := ensembleWithLeader(t, 41)
	var sessionLog []string
	// After the create, the client reads every 100 ms from 4 s on (3 s
	// into the stop) to 14 s: it reconnects the moment the old leader
	// resumes, and reads at once.
	steps := []step{create("/mine", "", wire.FlagEphemeral), pause(4 * time.Second)}
	for range 100 {
		steps = append(steps, get("/mine", false), pause(100*time.Millisecond))
	}
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: []string{old + ":2181"}, SessionTimeout: 2 * time.Second},
			steps: steps, log: &sessionLog, events: &ew.evs}
	}
	if err := ew.w.AddNode("c1", p, simNodeOptions()); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("c1"); err != nil {
		t.Fatal(err)
	}
	ew.run(time.Second)
	if err := ew.w.Pause(old); err != nil {
		t.Fatal(err)
	}
	ew.run(6 * time.Second) // election (~1.5 s) + the session's 2 s after the takeover
	if err := ew.w.Resume(old); err != nil {
		t.Fatal(err)
	}
	ew.run(8 * time.Second)
	ew.addEnsembleClient("c2", exists("/mine", false))
	ew.run(3 * time.Second)
	got := strings.Join(sessionLog, "\n") + "\n" + strings.Join(ew.log, "\n")
	for _, want := range []string{"create /mine -> OK", "get /mine -> SESSIONEXPIRED", "exists /mine -> NONODE"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in transcript:\n%s", want, got)
		}
	}
	if strings.Contains(got, "get /mine -> OK") {
		t.Errorf("a read of the closed session succeeded:\n%s", got)
	}
}

func simNodeOptions() sim.NodeOptions { return sim.NodeOptions{} }

// ensembleWithLeader starts a 3-node ensemble and returns it with its
// leader, elected within 3 s.
func ensembleWithLeader(t *testing.T, seed uint64) (*ensembleWorld, string) {
	t.Helper()
	ew := newEnsemble(t, seed, 3)
	ew.run(3 * time.Second)
	leader := ew.leader()
	if leader == "" {
		t.Fatal("no leader after 3 s")
	}
	return ew, leader
}

package server_test

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/sim"
)

// A standalone server that restarts replays its log, and says so: a txn made
// durable just before a crash may never have been applied before it, and
// the harness records each txn's first application (the api checker's
// "txn" records). Every logged txn is noted again at recovery.
func TestStandaloneRecoveryNotesReplayedTxns(t *testing.T) {
	var notes []int64
	restarted := false
	opts := sim.DefaultOptions()
	opts.Observers = []sim.Observer{sim.ObserverFunc(func(r *sim.Record) {
		if c, ok := r.Note.(server.Committed); ok && restarted {
			notes = append(notes, c.Zxid)
		}
	})}
	w, err := sim.NewWorld(3, opts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := server.Factory(server.Config{ClientAddr: "s1:2181", TickTimeMS: 200, SnapCount: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddNode("s1", f, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("s1"); err != nil {
		t.Fatal(err)
	}
	var log, evs []string
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: []string{"s1:2181"}, SessionTimeout: 2 * time.Second},
			steps: []step{create("/a", "1", 0), create("/b", "2", 0), set("/a", "3", -1)}, log: &log, events: &evs}
	}
	if err := w.AddNode("c1", p, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("c1"); err != nil {
		t.Fatal(err)
	}
	if err := w.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := w.Crash("s1", sim.CrashKeepAll); err != nil {
		t.Fatal(err)
	}
	restarted = true
	if err := w.Restart("s1"); err != nil {
		t.Fatal(err)
	}
	if err := w.RunFor(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// createSession, two creates, a setData: zxids 1-4, noted in order.
	if len(notes) < 4 || notes[0] != 1 || notes[3] != 4 {
		t.Fatalf("notes after the restart: %v, want the replayed txns 1-4 first\n%v", notes, log)
	}
}

package simrun

import (
	"testing"

	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/sim"
)

type idleProcess struct{}

func (idleProcess) Start(proc.Env)    {}
func (idleProcess) Handle(proc.Event) {}

// A node paused and then crashed (a power-loss window fault hitting a node
// the planned nemesis paused) restarts running, and the planned "resume
// all" that follows leaves it alone instead of failing the run (explore
// seed 1022 with zk-1208 on ended in "resume s2: not paused").
func TestSimHostPausedThenKilled(t *testing.T) {
	w, err := sim.NewWorld(1, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddNode("s1", func() proc.Process { return idleProcess{} }, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("s1"); err != nil {
		t.Fatal(err)
	}
	h := newSimHost(w, []string{"s1"}, 1, func() (string, bool) { return "", false }, sim.LinkOptions{})
	for _, step := range []func() error{
		func() error { return h.Pause("s1") },
		func() error { return h.Kill("s1", nemesis.CrashLoseUnsynced) },
		func() error { return h.Restart("s1") },
		func() error { return h.Resume("s1") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if !w.Running("s1") || h.paused["s1"] {
		t.Fatalf("running %v, paused %v", w.Running("s1"), h.paused["s1"])
	}
}

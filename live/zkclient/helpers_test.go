package zkclient

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/proc"
)

// envProc is a process that only keeps its Env, so a test can start
// clients on the node's loop as a live worker does.
type envProc struct{ env proc.Env }

func (p *envProc) Start(env proc.Env) { p.env = env }
func (p *envProc) Handle(proc.Event)  {}

// startNode starts a node named name hosting p and stops it when the test
// ends.
func startNode(t *testing.T, name string, p *envProc) *live.Node {
	t.Helper()
	n := live.NewNode(live.Options{Name: name})
	if err := n.Start(func() proc.Process { return p }); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stop %s: %v", name, err)
		}
	})
	return n
}

// waitFor polls cond on the node's loop until it holds or the deadline passes.
func waitFor(t *testing.T, n *live.Node, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		if err := n.Do(func() { ok = cond() }); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

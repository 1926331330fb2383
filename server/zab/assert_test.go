package zab

import (
	"strings"
	"testing"
)

// Each assertion fires on the state it exists to refuse. The peer is a real
// one; a test breaks one field behind its back, as a bug in this package
// would, and asks for a Ready.
func TestAssertionsFire(t *testing.T) {
	entries := func(zs ...int64) []Entry {
		out := make([]Entry, len(zs))
		for i, z := range zs {
			out[i] = Entry{Zxid: z}
		}
		return out
	}
	cases := []struct {
		name      string
		expensive bool
		breakIt   func(p *Peer)
		want      string
	}{
		{"epochs", false, func(p *Peer) { p.currentEpoch = p.acceptedEpoch + 1 }, "currentEpoch"},
		{"durable epochs", false, func(p *Peer) { p.acceptedDurable = p.acceptedEpoch + 1 }, "durable epochs"},
		{"persisted", false, func(p *Peer) { p.persisted = p.lastLogged + 1 }, "persisted"},
		{"committed", false, func(p *Peer) { p.lastCommitted = p.lastLogged + 1 }, "lastCommitted"},
		{"window end", false, func(p *Peer) { p.log = entries(1, 2); p.lastLogged = 3; p.lastCommitted = 0; p.persisted = 0 }, "window ends"},
		{"window start", false, func(p *Peer) { p.log = entries(1, 2); p.lastLogged = 2; p.windowBase = 1 }, "window starts"},
		{"role", false, func(p *Peer) { p.status.Role = RoleLeading; p.status.Leader = p.id }, "leading without leader state"},
		{"looking", false, func(p *Peer) { p.ln = &learnerState{} }, "looking with"},
		{"append order", false, func(p *Peer) { p.out.Append = entries(2, 1) }, "Ready.Append"},
		{"commit order", false, func(p *Peer) { p.out.Commit = entries(2, 2) }, "Ready.Commit out"},
		{"commit beyond", false, func(p *Peer) { p.out.Commit = entries(5) }, "beyond lastCommitted"},
		{"window order", true, func(p *Peer) { p.log = entries(1, 3, 2); p.lastLogged = 2 }, "log window out of zxid order"},
		{"learner cache", true, func(p *Peer) {
			p.becomeLeader()
			p.ld.learners[2] = &learner{id: 2}
			p.ld.sorted = []*learner{}
		}, "sorted learner cache"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.expensive && !expensiveChecks {
				t.Skip("needs -tags invariants")
			}
			p, err := NewPeer(Config{ID: 1, Voters: []uint64{1, 2, 3}})
			if err != nil {
				t.Fatal(err)
			}
			p.Ready() // a sound peer passes
			c.breakIt(p)
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), c.want) {
					t.Fatalf("panic %v, want one naming %q", r, c.want)
				}
			}()
			p.Ready()
		})
	}
}

// Appending at or below the last logged zxid is refused where it happens.
func TestAssertAppendOrder(t *testing.T) {
	p, err := NewPeer(Config{ID: 1, Voters: []uint64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	p.appendEntry(Entry{Zxid: MakeZxid(1, 1)})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "append of") {
			t.Fatalf("panic %v", r)
		}
	}()
	p.appendEntry(Entry{Zxid: MakeZxid(1, 1)})
}

package nemesis

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// A membership plan keeps at least three voters (a majority of the old
// voters in every new config), changes only what its membership allows at
// that point (adds spares, removes members, promotes observers), so it ends
// with a valid membership; it round-trips and applies to a host as
// reconfig requests in order.
func TestPlanMembershipKeepsAQuorumOfVoters(t *testing.T) {
	ops := map[MemberOp]int{}
	for seed := range uint64(200) {
		o := planOpts(7)
		o.Kinds = []Kind{KindMember, KindMember, KindPartition, KindKill}
		o.Members = &Membership{Voters: []string{"s1", "s2", "s3"}, Observers: []string{"s4"}}
		s := plan(t, seed, o)
		if err := s.Validate(o.Nodes); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, s)
		}
		back, err := Parse(s.String())
		if err != nil || back.String() != s.String() {
			t.Fatalf("seed %d: round trip: %v", seed, err)
		}
		voters, observers := []string{"s1", "s2", "s3"}, []string{"s4"}
		member := func(n string) bool { return slices.Contains(voters, n) || slices.Contains(observers, n) }
		drop := func(l []string, n string) []string {
			return slices.DeleteFunc(l, func(m string) bool { return m == n })
		}
		for _, st := range s.Steps {
			m, ok := st.Action.(Member)
			if !ok {
				continue
			}
			ops[m.Op]++
			switch m.Op {
			case MemberAdd:
				if member(m.Node) {
					t.Fatalf("seed %d: %v adds a member", seed, m)
				}
				voters = append(voters, m.Node)
			case MemberRemove:
				if !member(m.Node) {
					t.Fatalf("seed %d: %v removes a non-member", seed, m)
				}
				voters, observers = drop(voters, m.Node), drop(observers, m.Node)
			case MemberObserver:
				voters, observers = drop(voters, m.Node), append(drop(observers, m.Node), m.Node)
			case MemberParticipant:
				if !member(m.Node) {
					t.Fatalf("seed %d: %v promotes a non-member", seed, m)
				}
				observers, voters = drop(observers, m.Node), append(drop(voters, m.Node), m.Node)
			case MemberReplace:
				if !slices.Contains(voters, m.Node) || member(m.With) {
					t.Fatalf("seed %d: %v with voters %v observers %v", seed, m, voters, observers)
				}
				voters = append(drop(voters, m.Node), m.With)
			}
			if len(voters) < minPlannedVoters {
				t.Fatalf("seed %d: %v leaves voters %v\n%s", seed, m, voters, s)
			}
		}
		h := newFakeHost(o.Nodes...)
		h.leader = "s1"
		runAll(t, s, h, seed)
	}
	for op := MemberAdd; op <= MemberReplace; op++ {
		if ops[op] == 0 {
			t.Errorf("200 plans never drew member %v (%v)", op, ops)
		}
	}
}

// Membership changes need the initial config: without it the planner
// refuses the kind.
func TestPlanMembershipNeedsMembers(t *testing.T) {
	o := planOpts(5)
	o.Kinds = []Kind{KindMember}
	if _, err := Plan(rand.New(rand.NewPCG(1, 1)), o); err == nil || !strings.Contains(err.Error(), "initial config") {
		t.Fatalf("plan without members: %v", err)
	}
	o.Members = &Membership{Voters: []string{"s1", "s9"}}
	if _, err := Plan(rand.New(rand.NewPCG(1, 1)), o); err == nil || !strings.Contains(err.Error(), "not a node") {
		t.Fatalf("plan with a member outside the nodes: %v", err)
	}
}

// The executor resolves "member remove leader" to the host's leader, notes
// a step without one, and hands named changes on as they are.
func TestExecutorMember(t *testing.T) {
	h := newFakeHost(nodeNames(5)...)
	s, err := Parse("1s member remove leader\n2s member replace s2 s5\n3s member remove leader\n")
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExecutor(s, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	h.leader = "s3"
	evs, err := x.Step(h, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	h.leader = ""
	more, err := x.Step(h, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	evs = append(evs, more...)
	want := []string{"member member remove s3", "member member replace s2 s5"}
	if !slices.Equal(h.calls, want) {
		t.Fatalf("calls %q, want %q", h.calls, want)
	}
	if len(evs) != 3 || !slices.Equal(evs[0].Targets, []string{"s3"}) || !slices.Equal(evs[1].Targets, []string{"s2", "s5"}) ||
		evs[2].Note != "no leader" || evs[0].Kind != KindMember || !evs[0].Start {
		t.Fatalf("events %+v", evs)
	}
	bad, _ := Parse("1s member add s9\n")
	x, _ = NewExecutor(bad, rand.New(rand.NewPCG(1, 1)))
	if _, err := x.Step(h, time.Second); err == nil || !strings.Contains(err.Error(), "unknown node") {
		t.Fatalf("unknown node: %v", err)
	}
}

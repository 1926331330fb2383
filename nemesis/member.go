package nemesis

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MemberOp is one kind of membership change: what an operator asks of a
// ZooKeeper 3.5+ ensemble through the reconfig op.
type MemberOp uint8

// Membership changes.
const (
	MemberAdd         MemberOp = iota + 1 // Node joins as a participant (a voter)
	MemberRemove                          // Node (or the leader) leaves the config
	MemberObserver                        // Node joins, or stays, as an observer (a voter is demoted)
	MemberParticipant                     // Node joins, or stays, as a participant (an observer is promoted)
	MemberReplace                         // Node leaves and With joins as a participant, in one reconfig
)

var memberOpNames = [...]string{
	MemberAdd: "add", MemberRemove: "remove", MemberObserver: "observer",
	MemberParticipant: "participant", MemberReplace: "replace",
}

func (o MemberOp) String() string {
	if o >= 1 && int(o) < len(memberOpNames) {
		return memberOpNames[o]
	}
	return fmt.Sprintf("member-op(%d)", uint8(o))
}

// Member changes the ensemble's membership: a one-shot, applied by the host
// as an operator would, with a reconfig through an admin session. Node is
// a node name, or "leader" for MemberRemove (the host's current leader,
// resolved when the step runs); With is MemberReplace's newcomer.
type Member struct {
	Op   MemberOp
	Node string
	With string
}

// LeaderNode is Member.Node's symbolic value: the current leader.
const LeaderNode = "leader"

// MemberChange is a Member step with its node resolved, as the host
// receives it.
type MemberChange struct {
	Op   MemberOp
	Node string
	With string // MemberReplace only
}

func (c MemberChange) String() string {
	return Member(c).String()
}

func (Member) Kind() Kind   { return KindMember }
func (Member) Phase() Phase { return PhaseInstant }

func (a Member) String() string {
	if a.Op == MemberReplace {
		return fmt.Sprintf("member replace %s %s", a.Node, a.With)
	}
	return fmt.Sprintf("member %v %s", a.Op, a.Node)
}

func (a Member) check() error {
	if a.Op < MemberAdd || int(a.Op) >= len(memberOpNames) {
		return fmt.Errorf("unknown membership change %d", a.Op)
	}
	if a.Node == LeaderNode {
		if a.Op != MemberRemove {
			return fmt.Errorf("member %v takes a node name, not leader", a.Op)
		}
	} else if err := checkNodeName(a.Node); err != nil {
		return err
	}
	if a.Op != MemberReplace {
		if a.With != "" {
			return fmt.Errorf("member %v takes one node", a.Op)
		}
		return nil
	}
	if err := checkNodeName(a.With); err != nil {
		return err
	}
	if a.With == a.Node {
		return errors.New("member replace: a node cannot replace itself")
	}
	return nil
}

// parseMember parses "member OP NODE" and "member replace OLD NEW".
func parseMember(f []string) (Action, error) {
	if len(f) < 3 {
		return nil, fmt.Errorf("member: want \"member add|remove|observer|participant NODE\" or \"member replace OLD NEW\", got %q", strings.Join(f, " "))
	}
	for op := MemberAdd; int(op) < len(memberOpNames); op++ {
		if memberOpNames[op] != f[1] {
			continue
		}
		if op == MemberReplace {
			if err := arity(f, 4); err != nil {
				return nil, err
			}
			return Member{Op: op, Node: f[2], With: f[3]}, nil
		}
		if err := arity(f, 3); err != nil {
			return nil, err
		}
		return Member{Op: op, Node: f[2]}, nil
	}
	return nil, fmt.Errorf("member: unknown change %q (add, remove, observer, participant, replace)", f[1])
}

// member resolves a Member step's node and hands the change to the host.
func (x *Executor) member(h Host, nodes []string, a Member, ev *Event) error {
	c := MemberChange(a)
	if a.Node == LeaderNode {
		l, ok := h.Leader()
		if !ok {
			ev.Note = "no leader"
			return nil
		}
		c.Node = l
	}
	for _, n := range []string{c.Node, c.With} {
		if n != "" && !slices.Contains(nodes, n) {
			return fmt.Errorf("unknown node %q", n)
		}
	}
	ev.Targets = append(ev.Targets, c.Node)
	if c.With != "" {
		ev.Targets = append(ev.Targets, c.With)
	}
	return h.Member(c)
}

// minPlannedVoters is the fewest voters a planned change leaves (fewer if
// the initial config has fewer): with three or more, removing or demoting
// one keeps a majority of the old voters in the new config, so each
// change has the old quorum and the new one it needs, and every prefix of
// the plan — the whole plan too — leaves a valid membership.
const minPlannedVoters = 3

// memberPlan is the membership the planned changes lead to, assuming each
// is applied (a host refuses one that is not valid by then).
type memberPlan struct {
	voters, observers, spares []string // sorted
	floor                     int      // fewest voters a change may leave
}

func newMemberPlan(nodes []string, m Membership) *memberPlan {
	mp := &memberPlan{voters: sortedSet(m.Voters), observers: sortedSet(m.Observers)}
	for _, n := range nodes {
		if !slices.Contains(mp.voters, n) && !slices.Contains(mp.observers, n) {
			mp.spares = append(mp.spares, n)
		}
	}
	mp.floor = min(minPlannedVoters, len(mp.voters))
	return mp
}

// draw picks one change the current plan allows and applies it to the plan.
func (mp *memberPlan) draw(rng interface{ IntN(int) int }) Member {
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	var moves []func() Member
	shrink := len(mp.voters) > mp.floor
	if len(mp.spares) > 0 {
		moves = append(moves,
			func() Member {
				n := pick(mp.spares)
				mp.move(n, &mp.spares, &mp.voters)
				return Member{Op: MemberAdd, Node: n}
			},
			func() Member {
				n := pick(mp.spares)
				mp.move(n, &mp.spares, &mp.observers)
				return Member{Op: MemberObserver, Node: n}
			},
			func() Member {
				old, n := pick(mp.voters), pick(mp.spares)
				mp.move(old, &mp.voters, &mp.spares)
				mp.move(n, &mp.spares, &mp.voters)
				return Member{Op: MemberReplace, Node: old, With: n}
			})
	}
	if len(mp.observers) > 0 {
		moves = append(moves,
			func() Member {
				n := pick(mp.observers)
				mp.move(n, &mp.observers, &mp.voters)
				return Member{Op: MemberParticipant, Node: n}
			},
			func() Member {
				n := pick(mp.observers)
				mp.move(n, &mp.observers, &mp.spares)
				return Member{Op: MemberRemove, Node: n}
			})
	}
	if shrink {
		moves = append(moves,
			func() Member {
				n := pick(mp.voters)
				mp.move(n, &mp.voters, &mp.spares)
				return Member{Op: MemberRemove, Node: n}
			},
			func() Member {
				n := pick(mp.voters)
				mp.move(n, &mp.voters, &mp.observers)
				return Member{Op: MemberObserver, Node: n}
			})
	}
	if len(moves) == 0 {
		// Nothing to add and nothing to spare: a voter is re-stated as a
		// participant, a reconfig that changes nothing.
		return Member{Op: MemberParticipant, Node: pick(mp.voters)}
	}
	return moves[rng.IntN(len(moves))]()
}

// move takes n out of from and into to, keeping both sorted.
func (mp *memberPlan) move(n string, from, to *[]string) {
	*from = slices.DeleteFunc(*from, func(m string) bool { return m == n })
	*to = sortedSet(append(*to, n))
}

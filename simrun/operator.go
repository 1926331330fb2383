package simrun

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// operatorNode names the process through which the sim host applies
// membership changes in a run with dynamic reconfiguration.
const operatorNode = "operator"

// operator is the admin session a membership nemesis uses, as an operator
// would: a ZooKeeper session on any server, authenticated as the super
// user, that sends reconfig requests. It is a process of the world (its
// traffic crosses the simulated network and meets the faults); the sim
// host calls it from nemesis steps. A session that expired is replaced.
type operator struct {
	servers []string
	env     proc.Env
	cl      *client.Client
}

func (o *operator) Start(env proc.Env) {
	o.env = env
	o.cl = nil
}

func (o *operator) Handle(ev proc.Event) {
	if o.cl != nil {
		o.cl.Handle(ev)
	}
}

// session returns a live super-user session, making one if needed.
func (o *operator) session() *client.Client {
	if o.cl != nil && o.cl.State() != client.StateExpired && o.cl.State() != client.StateClosed {
		return o.cl
	}
	cl, err := client.New(client.Config{Servers: o.servers, Shuffle: true})
	if err != nil {
		panic(err) // the server list is never empty
	}
	cl.Start(o.env)
	cl.AddAuth("digest", []byte(workloads.SuperAuth), nil)
	o.cl = cl
	return cl
}

// serverLine is node's line in a reconfig: "server.K=sK:2888:3888:ROLE;sK:2181".
func serverLine(id int64, node, role string) string {
	return fmt.Sprintf("server.%d=%s:2888:3888:%s;%s:2181", id, node, role, node)
}

// Member implements nemesis.Host: the change becomes an incremental
// reconfig sent through the operator's session. A change the current
// config makes pointless or unsafe (adding a voter, removing a non-member,
// leaving fewer than minOperatorVoters voters) is refused, as an operator
// checking the config first would, and recorded so. The reconfig's answer
// is recorded when it comes.
func (h *simHost) Member(c nemesis.MemberChange) error {
	if h.operator == nil {
		return fmt.Errorf("%v: the ensemble runs without reconfig (scenario reconfig: true)", c)
	}
	req, why := h.reconfigFor(c)
	nodes := []string{c.Node}
	if c.With != "" {
		nodes = append(nodes, c.With)
	}
	if why != "" {
		// Recorded after the step's own record, as an answer would be.
		return h.w.After(0, func() { h.recordMember(nodes, fmt.Sprintf("%v refused by the operator: %s", c, why)) })
	}
	if !h.w.Running(operatorNode) {
		return fmt.Errorf("%v: the operator process is down", c)
	}
	h.operator.session().Do(req, client.OpOptions{}, func(res client.Result) {
		detail := fmt.Sprintf("%v: reconfig %s", c, res.Err.Name())
		if res.Err == wire.ErrOK && res.Stat != nil {
			detail += fmt.Sprintf(" version=%x", res.Stat.Mzxid)
		}
		h.recordMember(nodes, detail)
	})
	return nil
}

// minOperatorVoters is the fewest voters the operator leaves: a quorum of
// two needs both, but the ensemble still decides. (The planner keeps
// three; this guards a schedule whose earlier changes failed.)
const minOperatorVoters = 2

// reconfigFor is the request for c against the latest committed config,
// or why the operator will not send it.
func (h *simHost) reconfigFor(c nemesis.MemberChange) (*wire.ReconfigRequest, string) {
	cur := h.config()
	id := func(n string) int64 { return int64(slices.Index(h.servers, n) + 1) }
	isVoter := func(n string) bool { return slices.Contains(cur.Voters, uint64(id(n))) }
	isObserver := func(n string) bool { return slices.Contains(cur.Observers, uint64(id(n))) }
	tooFew := func(n string) bool { return isVoter(n) && len(cur.Voters)-1 < minOperatorVoters }
	line := func(n, role string) string { return serverLine(id(n), n, role) }
	incremental := func(joining, leaving []string) *wire.ReconfigRequest {
		return client.NewReconfigRequest(joining, leaving, nil, -1)
	}
	switch c.Op {
	case nemesis.MemberAdd, nemesis.MemberParticipant:
		if isVoter(c.Node) {
			return nil, c.Node + " votes already"
		}
		return incremental([]string{line(c.Node, "participant")}, nil), ""
	case nemesis.MemberObserver:
		if isObserver(c.Node) {
			return nil, c.Node + " observes already"
		}
		if tooFew(c.Node) {
			return nil, fmt.Sprintf("it would leave %d voters", len(cur.Voters)-1)
		}
		return incremental([]string{line(c.Node, "observer")}, nil), ""
	case nemesis.MemberRemove:
		if !isVoter(c.Node) && !isObserver(c.Node) {
			return nil, c.Node + " is not a member"
		}
		if tooFew(c.Node) {
			return nil, fmt.Sprintf("it would leave %d voters", len(cur.Voters)-1)
		}
		return incremental(nil, []string{strconv.FormatInt(id(c.Node), 10)}), ""
	case nemesis.MemberReplace:
		if !isVoter(c.Node) {
			return nil, c.Node + " does not vote"
		}
		if isVoter(c.With) {
			return nil, c.With + " votes already"
		}
		return incremental([]string{line(c.With, "participant")}, []string{strconv.FormatInt(id(c.Node), 10)}), ""
	}
	return nil, fmt.Sprintf("unknown change %v", c.Op)
}

// recordMember writes a membership step's outcome as a nemesis record.
func (h *simHost) recordMember(nodes []string, detail string) {
	v, _ := history.EncodeValue(history.NemesisValue{Nodes: nodes, Detail: detail})
	h.record(history.Op{Time: int64(h.w.Now()), Process: history.NemesisProcess, Type: history.Info, F: "reconfig", Value: v})
}

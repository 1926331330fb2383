package liverun

import (
	"slices"
	"sync"
	"time"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
)

// liveRecorder stamps history records with wall time since the run started,
// as the simulator's recorder stamps simulated time. Workers emit from their
// own loop goroutines, the nemesis and role poller from theirs: one mutex
// orders them, and the order of appending is the history's order.
type liveRecorder struct {
	start time.Time

	mu     sync.Mutex
	ops    []history.Op
	roles  []rundir.RoleChange
	role   map[string]string // current role per node, for change detection
	paused map[string]bool
	killed map[string]bool
	closed bool // the history is final: later records are dropped
}

func newLiveRecorder(start time.Time) *liveRecorder {
	return &liveRecorder{start: start, role: map[string]string{}, paused: map[string]bool{}, killed: map[string]bool{}}
}

func (r *liveRecorder) now() int64 { return int64(time.Since(r.start)) }

// observe is a worker Node's Observe hook (on that node's loop).
func (r *liveRecorder) observe(note any) {
	op, ok := note.(history.Op)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	op.Index, op.Time = len(r.ops), r.now()
	r.ops = append(r.ops, op)
}

// nemesis records applied steps and tracks which nodes are paused or
// killed, for the role timeline.
func (r *liveRecorder) nemesis(evs []nemesis.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range evs {
		op := scenario.NemesisOp(ev)
		op.Index, op.Time = len(r.ops), r.now()
		r.ops = append(r.ops, op)
		r.track(ev)
	}
}

func (r *liveRecorder) track(ev nemesis.Event) {
	if ev.Kind == nemesis.KindHeal {
		clear(r.paused)
		clear(r.killed)
		return
	}
	var set map[string]bool
	switch ev.Kind {
	case nemesis.KindPause:
		set = r.paused
	case nemesis.KindKill:
		set = r.killed
	default:
		return
	}
	for _, n := range ev.Targets {
		if ev.Start {
			set[n] = true
			r.setRole(n, map[bool]string{true: "paused", false: "down"}[ev.Kind == nemesis.KindPause])
		} else {
			delete(set, n)
			r.setRole(n, "starting")
		}
	}
}

// pollRoles records the modes the cluster reported (srvr) for every node; a
// node that did not answer is down, paused, or not serving.
func (r *liveRecorder) pollRoles(nodes []string, modes map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range nodes {
		mode, up := modes[n]
		switch {
		case r.paused[n]:
			mode = "paused"
		case r.killed[n]:
			mode = "down"
		case !up:
			mode = "unreachable"
		case mode == "":
			mode = "looking"
		}
		r.setRole(n, mode)
	}
}

func (r *liveRecorder) setRole(node, role string) {
	if r.closed || r.role[node] == role {
		return
	}
	r.role[node] = role
	r.roles = append(r.roles, rundir.RoleChange{TimeNS: r.now(), Node: node, Role: rundir.Role(role)})
}

// finish closes the history and returns it with the role changes.
func (r *liveRecorder) finish() ([]history.Op, []rundir.RoleChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return slices.Clone(r.ops), slices.Clone(r.roles)
}

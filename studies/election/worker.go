package election

import (
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// election is HDFS NameNode failover. Every worker is a candidate: it
// campaigns with an ephemeral-sequential node under /election and becomes
// leader when its node heads the queue (f "campaign"; the sequence number
// is its term and fencing token). The leader writes to the shared resource
// /resource with a multi that first checks its own election node still
// exists (f "fenced-write"): once a leader's session is gone, so is its
// node, and the resource rejects its writes — a deposed leader can never
// write after its successor was elected, because the successor heads the
// queue only after the old node is deleted. A leader occasionally resigns
// (f "resign", deleting its node), and records a resign when it learns its
// session expired or its write was fenced.
type election struct {
	q      workloads.Queue
	leader bool
}

func newElection(int, workloads.WorkerConfig) workloads.Driver {
	return &election{q: workloads.Queue{Dir: "/election"}}
}

func (e *election) Setup() []workloads.Znode {
	return []workloads.Znode{{Path: "/election"}, {Path: "/resource", Data: []byte("0")}}
}

// FinalAnytime: a candidate may wait for its turn forever; that is a fine
// way for a run to end.
func (e *election) FinalAnytime() bool { return true }

func (e *election) Final(_ *workloads.Base, done func()) { done() }

func (e *election) value(b *workloads.Base) Value {
	return Value{Candidate: b.Name(), Term: e.q.Seq}
}

func (e *election) Step(b *workloads.Base) {
	switch {
	case !e.leader:
		e.campaign(b)
	case b.Env().Rand().IntN(100) < 10:
		e.resign(b)
	default:
		e.fencedWrite(b)
	}
}

func (e *election) campaign(b *workloads.Base) {
	e.q.Reset()
	b.Invoke(FCampaign, Value{Candidate: b.Name()})
	gen := e.q.Gen
	b.Client().Create(e.q.Dir+"/n-", []byte(b.Name()), wire.OpenACLUnsafe, wire.FlagEphemeralSequential, func(res client.Result) {
		if gen != e.q.Gen {
			return
		}
		t := workloads.WriteOutcome(res)
		seq, named := workloads.SequenceOf(res.Path)
		switch {
		case t == history.OK && named:
			e.q.Node, e.q.Seq = res.Path, seq
			e.wait(b)
		case t == history.OK:
			e.lose(b, history.Info, &res, "BADNAME "+res.Path)
		default:
			e.lose(b, t, &res, "")
		}
	})
}

// lose ends a campaign that did not win. A node we may have created dies
// with the session, which we close.
func (e *election) lose(b *workloads.Base, t history.Type, res *client.Result, errName string) {
	b.Complete(t, nil, res, errName)
	hadNode := e.q.Node != "" || t == history.Info
	e.q.Reset()
	if hadNode {
		b.CloseClient()
	}
	b.Idle()
}

func (e *election) wait(b *workloads.Base) {
	e.q.Check(b, func(res client.Result) {
		e.leader = true
		b.Complete(history.OK, e.value(b), &res, "")
		b.Idle()
	}, func(res client.Result) {
		e.lose(b, history.Info, &res, "NODEGONE")
	}, func(client.Result) {
		gen := e.q.Gen
		b.After(workloads.RetryDelay, func() {
			if gen == e.q.Gen {
				e.wait(b)
			}
		})
	})
}

func (e *election) fencedWrite(b *workloads.Base) {
	v := e.value(b)
	v.Term, v.Token, v.Value = 0, e.q.Seq, b.Unique()
	b.Invoke(FFencedWrite, v)
	ops := []wire.Request{
		&wire.CheckVersionRequest{Path: e.q.Node, Version: -1},
		&wire.SetDataRequest{Path: "/resource", Data: []byte(strconv.FormatInt(v.Token, 10) + ":" + strconv.FormatInt(v.Value, 10)), Version: -1},
	}
	gen := e.q.Gen
	b.Client().Multi(ops, func(res client.Result) {
		fenced := len(res.Multi) > 0 && res.Multi[0].Err == wire.ErrNoNode
		switch t := workloads.WriteOutcome(res); {
		case t == history.Fail && fenced:
			b.Complete(t, nil, &res, "FENCED")
			if gen == e.q.Gen && e.leader {
				e.stepDown(b) // our node is gone: we are no longer leader
			}
		default:
			b.Complete(t, nil, &res, "")
		}
		b.Idle()
	})
}

func (e *election) resign(b *workloads.Base) {
	e.leader = false
	b.Invoke(FResign, e.value(b))
	node, gen := e.q.Node, e.q.Gen
	b.Client().Delete(node, -1, func(res client.Result) {
		if gen != e.q.Gen {
			return
		}
		e.q.Reset()
		if res.Err == wire.ErrOK || res.Err == wire.ErrNoNode {
			b.Complete(history.OK, nil, &res, "")
		} else {
			// We stopped acting as leader either way; the node may
			// survive, so end the session to remove it.
			b.Complete(workloads.WriteOutcome(res), nil, &res, "")
			b.CloseClient()
		}
		b.Idle()
	})
}

// stepDown records that the leader learned it lost leadership.
func (e *election) stepDown(b *workloads.Base) {
	e.leader = false
	b.Instant(FResign, e.value(b))
	e.q.Reset()
}

func (e *election) Event(b *workloads.Base, ev client.Event) {
	switch {
	case e.q.OnDeleted(ev):
		if b.Open() == FCampaign {
			e.wait(b)
		}
	case ev.Kind == client.EventExpired && e.leader && b.Open() == "":
		e.stepDown(b)
		b.Idle()
	case ev.Kind == client.EventExpired && b.Open() == FCampaign:
		b.Complete(history.Info, nil, nil, "SESSIONEXPIRED")
		e.q.Reset()
		b.Idle()
	}
}

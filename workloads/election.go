package workloads

import (
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
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
	q      queue
	leader bool
}

func newElection(int, WorkerConfig) driver { return &election{q: queue{dir: "/election"}} }

func (e *election) setup() []znode {
	return []znode{{path: "/election"}, {path: "/resource", data: []byte("0")}}
}

// finalAnytime: a candidate may wait for its turn forever; that is a fine
// way for a run to end.
func (e *election) finalAnytime() bool { return true }

func (e *election) final(_ *base, done func()) { done() }

func (e *election) value(b *base) history.ElectionValue {
	return history.ElectionValue{Candidate: b.name, Term: e.q.seq}
}

func (e *election) step(b *base) {
	switch {
	case !e.leader:
		e.campaign(b)
	case b.env.Rand().IntN(100) < 10:
		e.resign(b)
	default:
		e.fencedWrite(b)
	}
}

func (e *election) campaign(b *base) {
	e.q.reset()
	b.invoke(history.FCampaign, history.ElectionValue{Candidate: b.name})
	gen := e.q.gen
	b.c.Create(e.q.dir+"/n-", []byte(b.name), wire.OpenACLUnsafe, wire.FlagEphemeralSequential, func(res client.Result) {
		if gen != e.q.gen {
			return
		}
		t := writeOutcome(res)
		seq, named := sequenceOf(res.Path)
		switch {
		case t == history.OK && named:
			e.q.node, e.q.seq = res.Path, seq
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
func (e *election) lose(b *base, t history.Type, res *client.Result, errName string) {
	b.complete(t, nil, res, errName)
	hadNode := e.q.node != "" || t == history.Info
	e.q.reset()
	if hadNode {
		b.closeClient()
	}
	b.idle()
}

func (e *election) wait(b *base) {
	e.q.check(b, func(res client.Result) {
		e.leader = true
		b.complete(history.OK, e.value(b), &res, "")
		b.idle()
	}, func(res client.Result) {
		e.lose(b, history.Info, &res, "NODEGONE")
	}, func(client.Result) {
		gen := e.q.gen
		b.after(retryDelay, func() {
			if gen == e.q.gen {
				e.wait(b)
			}
		})
	})
}

func (e *election) fencedWrite(b *base) {
	v := e.value(b)
	v.Term, v.Token, v.Value = 0, e.q.seq, b.unique()
	b.invoke(history.FFencedWrite, v)
	ops := []wire.Request{
		&wire.CheckVersionRequest{Path: e.q.node, Version: -1},
		&wire.SetDataRequest{Path: "/resource", Data: []byte(strconv.FormatInt(v.Token, 10) + ":" + strconv.FormatInt(v.Value, 10)), Version: -1},
	}
	gen := e.q.gen
	b.c.Multi(ops, func(res client.Result) {
		fenced := len(res.Multi) > 0 && res.Multi[0].Err == wire.ErrNoNode
		switch t := writeOutcome(res); {
		case t == history.Fail && fenced:
			b.complete(t, nil, &res, "FENCED")
			if gen == e.q.gen && e.leader {
				e.stepDown(b) // our node is gone: we are no longer leader
			}
		default:
			b.complete(t, nil, &res, "")
		}
		b.idle()
	})
}

func (e *election) resign(b *base) {
	e.leader = false
	b.invoke(history.FResign, e.value(b))
	node, gen := e.q.node, e.q.gen
	b.c.Delete(node, -1, func(res client.Result) {
		if gen != e.q.gen {
			return
		}
		e.q.reset()
		if res.Err == wire.ErrOK || res.Err == wire.ErrNoNode {
			b.complete(history.OK, nil, &res, "")
		} else {
			// We stopped acting as leader either way; the node may
			// survive, so end the session to remove it.
			b.complete(writeOutcome(res), nil, &res, "")
			b.closeClient()
		}
		b.idle()
	})
}

// stepDown records that the leader learned it lost leadership.
func (e *election) stepDown(b *base) {
	e.leader = false
	b.instant(history.FResign, e.value(b))
	e.q.reset()
}

func (e *election) event(b *base, ev client.Event) {
	switch {
	case e.q.onDeleted(ev):
		if b.open != nil && b.open.f == history.FCampaign {
			e.wait(b)
		}
	case ev.Kind == client.EventExpired && e.leader && b.open == nil:
		e.stepDown(b)
		b.idle()
	case ev.Kind == client.EventExpired && b.open != nil && b.open.f == history.FCampaign:
		b.complete(history.Info, nil, nil, "SESSIONEXPIRED")
		e.q.reset()
		b.idle()
	}
}

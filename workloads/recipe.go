package workloads

import (
	"sort"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
)

// queue is ZooKeeper's ephemeral-sequential queue recipe, shared by the
// lock and the election: create dir/n-<seq>, and hold the head of the
// queue once every lower sequence number is gone, watching only the
// immediate predecessor so a departure wakes one waiter (no herd).
type queue struct {
	dir  string
	node string // our node's path, "" when we have none
	seq  int64  // our node's sequence number
	pred string // the predecessor we wait for, "" when not waiting
	gen  int    // bumped whenever the attempt is abandoned
}

// sequenceOf parses the 10-digit suffix ZooKeeper appends to sequential
// nodes; ok is false for a name without one.
func sequenceOf(name string) (int64, bool) {
	if len(name) < 10 {
		return 0, false
	}
	n, err := strconv.ParseInt(name[len(name)-10:], 10, 64)
	return n, err == nil && n >= 0
}

// reset forgets the node and invalidates callbacks of earlier attempts.
func (q *queue) reset() {
	q.node, q.seq, q.pred = "", 0, ""
	q.gen++
}

// check lists the queue and calls head when our node is first, lost when
// it is gone, retry when the listing did not complete, or arms a watch on
// the predecessor (whose NodeDeleted event must call check again).
func (q *queue) check(b *base, head, lost, retry func(res client.Result)) {
	gen := q.gen
	b.c.GetChildren(q.dir, false, func(res client.Result) {
		if gen != q.gen {
			return
		}
		if res.Err != wire.ErrOK {
			retry(res)
			return
		}
		pred, mine := q.predecessor(res.Children)
		switch {
		case !mine:
			lost(res)
		case pred == "":
			q.pred = ""
			head(res)
		default:
			q.watch(b, q.dir+"/"+pred, head, lost, retry)
		}
	})
}

func (q *queue) watch(b *base, pred string, head, lost, retry func(res client.Result)) {
	gen := q.gen
	q.pred = pred
	b.c.Exists(pred, true, func(res client.Result) {
		switch {
		case gen != q.gen:
		case res.Err == wire.ErrNoNode: // gone already: look again
			q.check(b, head, lost, retry)
		case res.Err != wire.ErrOK:
			retry(res)
		}
		// Exists ok: the NodeDeleted event will call onDeleted.
	})
}

// onDeleted reports whether ev is the deletion of the node we wait for.
func (q *queue) onDeleted(ev client.Event) bool {
	return q.pred != "" && ev.Kind == client.EventWatch && ev.Type == wire.EventNodeDeleted && ev.Path == q.pred
}

// predecessor returns the child immediately before ours in sequence order
// ("" if ours is first) and whether ours is present at all.
func (q *queue) predecessor(children []string) (string, bool) {
	type entry struct {
		name string
		seq  int64
	}
	mine := q.node[strings.LastIndex(q.node, "/")+1:]
	var all []entry
	found := false
	for _, c := range children {
		if s, ok := sequenceOf(c); ok {
			all = append(all, entry{c, s})
			found = found || c == mine
		}
	}
	if !found {
		return "", false
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	pred := ""
	for _, e := range all {
		if e.name == mine {
			return pred, true
		}
		pred = e.name
	}
	return "", false
}

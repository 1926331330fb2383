package workloads

import (
	"sort"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
)

// Queue is ZooKeeper's ephemeral-sequential queue recipe, shared by the
// lock and the election: create dir/n-<seq>, and hold the head of the
// queue once every lower sequence number is gone, watching only the
// immediate predecessor so a departure wakes one waiter (no herd).
type Queue struct {
	Dir  string
	Node string // our node's path, "" when we have none
	Seq  int64  // our node's sequence number
	Pred string // the predecessor we wait for, "" when not waiting
	Gen  int    // bumped whenever the attempt is abandoned
}

// SequenceOf parses the 10-digit suffix ZooKeeper appends to sequential
// nodes; ok is false for a name without one.
func SequenceOf(name string) (int64, bool) {
	if len(name) < 10 {
		return 0, false
	}
	n, err := strconv.ParseInt(name[len(name)-10:], 10, 64)
	return n, err == nil && n >= 0
}

// Reset forgets the node and invalidates callbacks of earlier attempts.
func (q *Queue) Reset() {
	q.Node, q.Seq, q.Pred = "", 0, ""
	q.Gen++
}

// Check lists the queue and calls head when our node is first, lost when
// it is gone, retry when the listing did not complete, or arms a watch on
// the predecessor (whose NodeDeleted event must call check again).
func (q *Queue) Check(b *Base, head, lost, retry func(res client.Result)) {
	gen := q.Gen
	b.Client().GetChildren(q.Dir, false, func(res client.Result) {
		if gen != q.Gen {
			return
		}
		if res.Err != wire.ErrOK {
			retry(res)
			return
		}
		pred, mine := q.Predecessor(res.Children)
		switch {
		case !mine:
			lost(res)
		case pred == "":
			q.Pred = ""
			head(res)
		default:
			q.Watch(b, q.Dir+"/"+pred, head, lost, retry)
		}
	})
}

// Watch arms a watch on the predecessor pred and looks again if it is gone.
func (q *Queue) Watch(b *Base, pred string, head, lost, retry func(res client.Result)) {
	gen := q.Gen
	q.Pred = pred
	b.Client().Exists(pred, true, func(res client.Result) {
		switch {
		case gen != q.Gen:
		case res.Err == wire.ErrNoNode: // gone already: look again
			q.Check(b, head, lost, retry)
		case res.Err != wire.ErrOK:
			retry(res)
		}
		// Exists ok: the NodeDeleted event will call onDeleted.
	})
}

// OnDeleted reports whether ev is the deletion of the node we wait for.
func (q *Queue) OnDeleted(ev client.Event) bool {
	return q.Pred != "" && ev.Kind == client.EventWatch && ev.Type == wire.EventNodeDeleted && ev.Path == q.Pred
}

// Predecessor returns the child immediately before ours in sequence order
// ("" if ours is first) and whether ours is present at all.
func (q *Queue) Predecessor(children []string) (string, bool) {
	type entry struct {
		name string
		seq  int64
	}
	mine := q.Node[strings.LastIndex(q.Node, "/")+1:]
	var all []entry
	found := false
	for _, c := range children {
		if s, ok := SequenceOf(c); ok {
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

package sequential

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Check judges sequential-node creates: every ok create's name is
// the prefix plus a 10-digit counter, names are unique, within one session
// the counters increase in completion order, and no create fails with
// NODEEXISTS (the server picks the name, so a collision means its counter
// went backwards: ZOOKEEPER-1046), and none completes with SESSIONMOVED
// (ZOOKEEPER-710).
func Check(ops []history.Op) checker.Result {
	r := checker.NewReport("sequential")
	owner := map[string]int{}
	type last struct {
		seq   int64
		index int
	}
	perSession := map[string]last{}
	for _, p := range checker.CompletedInOrder(history.Pairs(ops)) {
		if p.Invoke.F != FCreate {
			continue
		}
		if p.Type() == history.Fail && p.Complete.Error == "NODEEXISTS" {
			r.FlagOps("name-collision", []int{p.Complete.Index}, "a sequential create failed with NODEEXISTS (op %d): the server reused a name", p.Complete.Index)
			continue
		}
		if p.Complete.Error == "SESSIONMOVED" {
			// A server tears down the connection of a request that failed
			// with SESSIONMOVED (ZOOKEEPER-710), so a client, which reads
			// only its current connection, never sees the code.
			r.FlagOps("session-moved", []int{p.Complete.Index}, "a create completed with SESSIONMOVED (op %d) on the client's own connection", p.Complete.Index)
			continue
		}
		if p.Type() != history.OK {
			continue
		}
		var v Value
		if err := p.Complete.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		r.Counts["creates"]++
		seq, err := sequenceNumber(v)
		if err != nil {
			r.FlagOps("bad-name", []int{p.Complete.Index}, "%v", err)
			continue
		}
		if first, dup := owner[v.Name]; dup {
			r.FlagOps("duplicate-name", []int{first, p.Complete.Index}, "%q created twice (ops %d and %d)", v.Name, first, p.Complete.Index)
		}
		owner[v.Name] = p.Complete.Index
		s := checker.SessionName(p) + " " + v.Prefix
		if prev, ok := perSession[s]; ok && seq <= prev.seq {
			r.FlagOps("non-monotonic", []int{prev.index, p.Complete.Index},
				"%s: %q after sequence %d", s, v.Name, prev.seq)
		}
		perSession[s] = last{seq: seq, index: p.Complete.Index}
	}
	return r.Done()
}

func sequenceNumber(v Value) (int64, error) {
	suffix, ok := strings.CutPrefix(v.Name, v.Prefix)
	if !ok || len(suffix) != 10 {
		return 0, fmt.Errorf("name %q is not prefix %q plus 10 digits", v.Name, v.Prefix)
	}
	n, err := strconv.ParseInt(suffix, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("name %q has a non-numeric suffix", v.Name)
	}
	return n, nil
}

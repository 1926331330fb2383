package crosscheck

// Rendering of replies for comparison between two servers, shared by the
// differential test and the cross-check: every field a client sees, with
// what legitimately differs normalised (zxids relative to the run's first
// write, session ids as labels, wall-clock times as their relation,
// children sorted). docs/deviations.md lists the normalisations.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/server/wire"
)

// replyRenderer renders one target's replies. It keeps per-target state:
// the zxid origin, session labels and the invariant violations it saw.
type replyRenderer struct {
	// maskKnownBugs renders known zabsim differences the way ZooKeeper
	// answers (a null children vector for a leaf, create2 results inside a
	// multi, the order of whoAmI identities). All three are fixed in the
	// server, so the comparison is strict unless the differential test's
	// ZABSIM_DIFF_MASK=1; knownBugHits counts how often it applied.
	maskKnownBugs bool
	knownBugHits  int
	base          int64            // zxid of the first write: zxids are compared relative to it
	labels        map[int64]string // session id → "A"/"B"
	start         int64            // wall ms before the run: stat times must not precede it
	faults        []string         // per-target invariant violations (times)
}

func newReplyRenderer() replyRenderer {
	return replyRenderer{labels: map[int64]string{0: "none"}, start: time.Now().UnixMilli() - 1000}
}

// maskMultiCreate2 answers a create2 inside a multi as ZooKeeper 3.8.0
// does, with a plain create result (path only), when masking known bugs.
func (rr *replyRenderer) maskMultiCreate2(req wire.Request, resp wire.Response) wire.Response {
	m, ok := req.(*wire.MultiRequest)
	res, ok2 := resp.(*wire.MultiResponse)
	if !rr.maskKnownBugs || !ok || !ok2 || len(m.Ops) != len(res.Results) {
		return resp
	}
	out := &wire.MultiResponse{Results: slices.Clone(res.Results)}
	for i, op := range m.Ops {
		if c2, isC2 := out.Results[i].(*wire.Create2Response); isC2 && op.Op() == wire.OpCreate2 {
			out.Results[i] = &wire.CreateResponse{Path: c2.Path}
			rr.knownBugHits++
		}
	}
	return out
}

// zxid renders a zxid relative to the first write of the run: both servers
// must consume zxids in the same way from there on (every write txn, failed
// ones included, and session creation and closing).
func (rr *replyRenderer) zxid(z int64) string {
	if z == 0 || rr.base == 0 {
		return strconv.FormatInt(z, 10)
	}
	return "+" + strconv.FormatInt(z-rr.base, 10)
}

func (rr *replyRenderer) body(resp wire.Response) string {
	switch r := resp.(type) {
	case *wire.CreateResponse:
		return "path=" + r.Path
	case *wire.Create2Response:
		return "path=" + r.Path + " " + rr.stat(r.Stat)
	case *wire.CreateContainerResponse:
		return "path=" + r.Path + " " + rr.stat(r.Stat)
	case *wire.CreateTTLResponse:
		return "path=" + r.Path + " " + rr.stat(r.Stat)
	case *wire.ExistsResponse:
		return rr.stat(r.Stat)
	case *wire.SetDataResponse:
		return rr.stat(r.Stat)
	case *wire.SetACLResponse:
		return rr.stat(r.Stat)
	case *wire.GetDataResponse:
		return fmt.Sprintf("data=%s %s", quoteNil(r.Data), rr.stat(r.Stat))
	case *wire.GetACLResponse:
		return fmt.Sprintf("acl=%+v %s", r.ACL, rr.stat(r.Stat))
	case *wire.GetChildrenResponse:
		return "children=" + rr.children(r.Children)
	case *wire.GetChildren2Response:
		return "children=" + rr.children(r.Children) + " " + rr.stat(r.Stat)
	case *wire.GetAllChildrenNumberResponse:
		return fmt.Sprintf("total=%d", r.TotalNumber)
	case *wire.GetEphemeralsResponse:
		return "ephemerals=" + sortedList(r.Ephemerals)
	case *wire.SyncResponse:
		return "path=" + r.Path
	case *wire.WhoAmIResponse:
		return fmt.Sprintf("clients=%+v", rr.whoAmIOrder(r.ClientInfo))
	case *wire.ErrorResponse:
		return "error=" + r.Err.Name()
	case *wire.MultiResponse:
		return rr.results(r.Results)
	case *wire.MultiReadResponse:
		return rr.results(r.Results)
	}
	return fmt.Sprintf("%T%+v", resp, resp)
}

func (rr *replyRenderer) results(rs []wire.Response) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%v{%s}", r.Op(), rr.body(r))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// whoAmIOrder lists the ip identity after the digest ones, in the order
// ZooKeeper 3.8.0 reports them, when masking known bugs (zabsim lists it
// first).
func (rr *replyRenderer) whoAmIOrder(ids []wire.ClientInfo) []wire.ClientInfo {
	if !rr.maskKnownBugs || len(ids) < 2 || ids[0].AuthScheme != "ip" {
		return ids
	}
	rr.knownBugHits++
	return append(slices.Clone(ids[1:]), ids[0])
}

func (rr *replyRenderer) children(kids []string) string {
	if kids == nil && rr.maskKnownBugs {
		rr.knownBugHits++
		kids = []string{}
	}
	return sortedList(kids)
}

func quoteNil(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Quote(string(b))
}

// sortedList sorts (ZooKeeper returns children in HashSet order) and keeps
// the null/empty distinction, which clients see.
func sortedList(xs []string) string {
	if xs == nil {
		return "null"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return "[" + strings.Join(s, ",") + "]"
}

// stat renders every Stat field: zxids relative to the run's first write,
// the owner as its session's label, and times as their relation (equal or
// increasing), after checking them against the wall clock.
func (rr *replyRenderer) stat(s wire.Stat) string {
	rr.checkTimes(s)
	times := "mtime=ctime"
	if s.Mtime > s.Ctime {
		times = "mtime>ctime"
	}
	if s.Czxid == s.Mzxid && s.Mtime != s.Ctime {
		rr.faults = append(rr.faults, fmt.Sprintf("never-modified node has mtime %d != ctime %d (stat %+v)", s.Mtime, s.Ctime, s))
	}
	if s.Czxid != s.Mzxid {
		times = "mtime>=ctime" // may share a millisecond on a fast server
	}
	owner, ok := rr.labels[s.EphemeralOwner]
	if !ok {
		owner = fmt.Sprintf("unknown(%#x)", s.EphemeralOwner)
	}
	return fmt.Sprintf("stat{czxid=%s mzxid=%s pzxid=%s %s v=%d cv=%d av=%d owner=%s len=%d kids=%d}",
		rr.zxid(s.Czxid), rr.zxid(s.Mzxid), rr.zxid(s.Pzxid), times, s.Version, s.Cversion, s.Aversion, owner, s.DataLength, s.NumChildren)
}

func (rr *replyRenderer) checkTimes(s wire.Stat) {
	now := time.Now().UnixMilli() + 1000
	if s.Czxid == 0 { // the root and other nodes that exist from the start
		return
	}
	if s.Ctime < rr.start || s.Ctime > now || s.Mtime < s.Ctime || s.Mtime > now {
		rr.faults = append(rr.faults, fmt.Sprintf("stat times out of range: ctime %d mtime %d, run started %d (stat %+v)", s.Ctime, s.Mtime, rr.start, s))
	}
}

// dumpTree renders the whole tree under /d (what both servers hold besides
// their own /zookeeper subtree) through call.
func (rr *replyRenderer) dumpTree(call func(wire.Request) (wire.ReplyHeader, wire.Response, error)) (string, error) {
	var b strings.Builder
	var walk func(path string) error
	walk = func(path string) error {
		hdr, resp, err := call(&wire.GetDataRequest{Path: path})
		if err != nil {
			return fmt.Errorf("dump %s: %w", path, err)
		}
		if hdr.Err != wire.ErrOK {
			fmt.Fprintf(&b, "%s %s\n", path, hdr.Err.Name())
			return nil
		}
		fmt.Fprintf(&b, "%s %s\n", path, rr.body(resp))
		_, resp, err = call(&wire.GetChildrenRequest{Path: path})
		if err != nil {
			return fmt.Errorf("dump children of %s: %w", path, err)
		}
		kids, _ := resp.(*wire.GetChildrenResponse)
		if kids == nil {
			return nil
		}
		names := slices.Clone(kids.Children)
		slices.Sort(names)
		for _, k := range names {
			if err := walk(strings.TrimSuffix(path, "/") + "/" + k); err != nil {
				return err
			}
		}
		return nil
	}
	err := walk("/d")
	return b.String(), err
}

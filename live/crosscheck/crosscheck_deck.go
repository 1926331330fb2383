package crosscheck

// The op deck shared by the differential test (differential_test.go) and
// the cross-check (crosscheck.go): one seeded sequence of requests over a
// few fixed paths, so that ops collide, drawn up front so both servers get
// exactly the same requests whatever they answer.

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/server/wire"
)

// Timing shared by the differential test and the cross-check.
const (
	// Both servers get the same session timeout request; a run lasts far
	// less than it.
	diffSessionTimeoutMS = 30000
	// No container or TTL node may vanish on a timer mid-run: the check
	// interval is an hour on both sides and TTLs are an hour long.
	diffContainerCheckMS = 3600 * 1000
	diffTTLMS            = 3600 * 1000
)

// diffOp is one step: a request from client A (0) or B (1). Its text is the
// op's repro form in failure messages.
type diffOp struct {
	client int
	req    wire.Request
}

func (o diffOp) String() string {
	return fmt.Sprintf("%c %v %s", 'A'+o.client, o.req.Op(), describeRequest(o.req))
}

func describeRequest(r wire.Request) string {
	switch q := r.(type) {
	case *wire.MultiRequest:
		parts := make([]string, len(q.Ops))
		for i, op := range q.Ops {
			parts[i] = fmt.Sprintf("%v %s", op.Op(), describeRequest(op))
		}
		return "[" + strings.Join(parts, "; ") + "]"
	case *wire.MultiReadRequest:
		parts := make([]string, len(q.Ops))
		for i, op := range q.Ops {
			parts[i] = fmt.Sprintf("%v %s", op.Op(), describeRequest(op))
		}
		return "[" + strings.Join(parts, "; ") + "]"
	case *wire.AuthRequest:
		return fmt.Sprintf("%s %q", q.Scheme, q.Auth)
	}
	return strings.TrimPrefix(fmt.Sprintf("%+v", r), "&")
}

// The op deck: a few fixed paths so ops collide (NodeExists, NotEmpty,
// BadVersion) and a sequential parent whose children's names are known in
// advance.
var (
	diffPaths = []string{"/d", "/d/a", "/d/b", "/d/a/x", "/d/a/y", "/d/b/x", "/d/e", "/d/q", "/d/c", "/d/c/k"}
	diffSeqs  = []string{"/d/q/n-0000000000", "/d/q/n-0000000001", "/d/q/n-0000000002", "/d/q/n-0000000003", "/d/q/n-0000000005"}
	diffACLs  = [][]wire.ACL{
		wire.OpenACLUnsafe, wire.ReadACLUnsafe, digestACL(wire.PermAll, "alice", "secret"),
		wire.CreatorAllACL, {{Perms: wire.PermAll &^ wire.PermDelete, ID: wire.WorldAnyone}}, {},
	}
)

func digestACL(perms int32, user, password string) []wire.ACL {
	a := zk.DigestACL(perms, user, password)[0]
	return []wire.ACL{{Perms: a.Perms, ID: wire.ID{Scheme: a.Scheme, ID: a.ID}}}
}

// genDiffOps draws the whole sequence up front from the seed, so both
// servers get exactly the same requests whatever they answer. watches puts
// addWatch in the deck (persistent and recursive watches on session B,
// one-shot ones on A, one mode per path: see separateWatchModes).
func genDiffOps(r *rand.Rand, n int, watches bool) []diffOp {
	ops := []diffOp{{client: 0, req: &wire.CreateRequest{Path: "/d", Data: []byte("root"), ACL: wire.OpenACLUnsafe}}}
	for len(ops) < n {
		op := diffOp{client: r.IntN(2), req: genRequest(r, true, watches)}
		if watches {
			op = separateWatchModes(op)
		}
		ops = append(ops, op)
	}
	// Close B's session at the end: its ephemerals must go the same way.
	return append(ops, diffOp{client: 1, req: &wire.CloseSessionRequest{}})
}

// diffWatchModes fixes one addWatch mode per path: ZooKeeper 3.8 keeps one
// mode per (session, path), so mixing modes on a path is where zabsim
// differs (TestLiveWatchModesPerPath; docs/deviations.md).
var diffWatchModes = map[string]int32{
	"/d": wire.AddWatchPersistentRecursive, "/d/a": wire.AddWatchPersistent,
	"/d/q": wire.AddWatchPersistent, "/d/b/x": wire.AddWatchPersistentRecursive,
}

// separateWatchModes keeps one-shot watches on session A and persistent
// ones on session B, each path with one persistent mode, so no session
// ever holds two watch modes on one path.
func separateWatchModes(op diffOp) diffOp {
	switch q := op.req.(type) {
	case *wire.AddWatchRequest:
		op.client, q.Mode = 1, diffWatchModes[q.Path]
	case *wire.RemoveWatchesRequest:
		op.client = 0
	case *wire.ExistsRequest:
		q.Watch = q.Watch && op.client == 0
	case *wire.GetDataRequest:
		q.Watch = q.Watch && op.client == 0
	case *wire.GetChildrenRequest:
		q.Watch = q.Watch && op.client == 0
	case *wire.GetChildren2Request:
		q.Watch = q.Watch && op.client == 0
	}
	return op
}

func pickOne[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func anyPath(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return pickOne(r, diffSeqs)
	}
	return pickOne(r, diffPaths)
}

func genVersion(r *rand.Rand) int32 { return int32(r.IntN(4)) - 1 } // -1 (any), 0, 1, 2

func genData(r *rand.Rand) []byte {
	if r.IntN(8) == 0 {
		return nil
	}
	return []byte(fmt.Sprintf("v%d", r.IntN(1000)))
}

// genRequest draws one request; topLevel allows reads, session ops and
// multis (a multi's ops are writes and checks only).
func genRequest(r *rand.Rand, topLevel, watches bool) wire.Request {
	if !topLevel {
		return genWrite(r, true)
	}
	switch k := r.IntN(100); {
	case k < 45:
		// A check outside a multi never gets an answer from ZooKeeper 3.8.0
		// (NullPointerException serializing its reply; see
		// docs/deviations.md): checks go in multis only.
		return genWrite(r, false)
	case k < 75:
		return genRead(r)
	case k < 85:
		return genMulti(r)
	default:
		return genOther(r, watches)
	}
}

func genWrite(r *rand.Rand, check bool) wire.Request {
	n := 9
	if check {
		n = 10
	}
	switch r.IntN(n) {
	case 0, 1, 2, 3:
		return genCreate(r)
	case 4, 5:
		return &wire.DeleteRequest{Path: anyPath(r), Version: genVersion(r)}
	case 6, 7, 8:
		return &wire.SetDataRequest{Path: anyPath(r), Data: genData(r), Version: genVersion(r)}
	default:
		return &wire.CheckVersionRequest{Path: anyPath(r), Version: genVersion(r)}
	}
}

func genCreate(r *rand.Rand) wire.Request {
	acl := wire.OpenACLUnsafe
	if r.IntN(6) == 0 {
		acl = pickOne(r, diffACLs)
	}
	path := pickOne(r, diffPaths)
	base := wire.CreateRequest{Path: path, Data: genData(r), ACL: acl, Flags: pickOne(r, []int32{
		wire.FlagPersistent, wire.FlagPersistent, wire.FlagEphemeral, wire.FlagPersistentSequential, wire.FlagEphemeralSequential,
	})}
	if r.IntN(3) == 0 {
		base.Path, base.Flags = "/d/q/n-", pickOne(r, []int32{wire.FlagPersistentSequential, wire.FlagEphemeralSequential})
	}
	switch r.IntN(8) {
	case 0:
		return &wire.Create2Request{CreateRequest: base}
	case 1:
		base.Flags = wire.FlagContainer
		return &wire.CreateContainerRequest{CreateRequest: base}
	case 2:
		flags := pickOne(r, []int32{wire.FlagPersistentWithTTL, wire.FlagPersistentSequentialWithTTL, wire.FlagEphemeral})
		return &wire.CreateTTLRequest{Path: base.Path, Data: base.Data, ACL: base.ACL, Flags: flags, TTLMS: diffTTLMS}
	}
	return &base
}

func genRead(r *rand.Rand) wire.Request {
	p, watch := anyPath(r), r.IntN(3) == 0
	switch r.IntN(9) {
	case 0, 1:
		return &wire.ExistsRequest{Path: p, Watch: watch}
	case 2, 3:
		return &wire.GetDataRequest{Path: p, Watch: watch}
	case 4:
		return &wire.GetChildrenRequest{Path: pickOne(r, diffPaths), Watch: watch}
	case 5:
		return &wire.GetChildren2Request{GetChildrenRequest: wire.GetChildrenRequest{Path: pickOne(r, diffPaths), Watch: watch}}
	case 6:
		return &wire.GetACLRequest{Path: p}
	case 7:
		return &wire.GetAllChildrenNumberRequest{Path: pickOne(r, diffPaths)}
	default:
		return &wire.GetEphemeralsRequest{PrefixPath: pickOne(r, []string{"/", "/d", "/d/q", "/d/a"})}
	}
}

func genMulti(r *rand.Rand) wire.Request {
	if r.IntN(5) == 0 {
		return &wire.MultiReadRequest{Ops: []wire.Request{
			&wire.GetDataRequest{Path: anyPath(r)}, &wire.GetChildrenRequest{Path: pickOne(r, diffPaths)},
		}}
	}
	ops := make([]wire.Request, 1+r.IntN(4))
	for i := range ops {
		ops[i] = genRequest(r, false, false)
		if c, ok := ops[i].(*wire.CreateTTLRequest); ok { // keep to the ops go clients put in multis
			ops[i] = &wire.CreateRequest{Path: c.Path, Data: c.Data, ACL: c.ACL}
		}
	}
	return &wire.MultiRequest{Ops: ops}
}

func genOther(r *rand.Rand, watches bool) wire.Request {
	switch r.IntN(9) {
	case 0:
		return &wire.SyncRequest{Path: pickOne(r, diffPaths)}
	case 1:
		return &wire.AuthRequest{Scheme: "digest", Auth: []byte(pickOne(r, []string{"alice:secret", "bob:pw"}))}
	case 2:
		if !watches {
			return &wire.SyncRequest{Path: pickOne(r, diffPaths)}
		}
		mode := pickOne(r, []int32{wire.AddWatchPersistent, wire.AddWatchPersistentRecursive})
		return &wire.AddWatchRequest{Path: pickOne(r, []string{"/d", "/d/a", "/d/q", "/d/b/x"}), Mode: mode}
	case 3:
		kind := pickOne(r, []int32{wire.WatcherChildren, wire.WatcherData, wire.WatcherAny})
		return &wire.RemoveWatchesRequest{Path: anyPath(r), Type: kind}
	case 4:
		return &wire.WhoAmIRequest{}
	default:
		return &wire.SetACLRequest{Path: pickOne(r, []string{"/d/a/y", "/d/b/x", "/d/e", "/d/c"}), ACL: pickOne(r, diffACLs), Version: genVersion(r)}
	}
}

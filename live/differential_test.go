package live

// The differential test runs one long seeded op sequence against a zabsim
// server and a real Apache ZooKeeper 3.8 standalone server, through the same
// raw jute client, and compares every reply field by field after
// normalising what legitimately differs (zxid origin, session ids, wall-clock
// times, children order). Deliberate differences are listed in
// docs/deviations.md.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/wire"
)

// diffSeedDefault is the seed CI runs; ZABSIM_DIFF_SEED overrides it and
// ZABSIM_DIFF_OPS the op count.
const (
	diffSeedDefault = 20260101
	diffOpsDefault  = 400
	// Both servers get the same session timeout request; the run lasts a
	// few seconds, far inside it.
	diffSessionTimeoutMS = 30000
	// No container or TTL node may vanish on a timer mid-run: the check
	// interval is an hour on both sides and TTLs are an hour long.
	diffContainerCheckMS = 3600 * 1000
	diffTTLMS            = 3600 * 1000
)

// requireZooKeeper skips (or, under ZABSIM_REQUIRE_ZK=1, fails) a test when
// Apache ZooKeeper cannot run here.
func requireZooKeeper(t *testing.T) {
	t.Helper()
	if err := ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

// diffTarget is one server under test with its two sessions.
type diffTarget struct {
	name string
	// maskKnownBugs renders known zabsim differences the way ZooKeeper
	// answers, so CI stays green on everything else while they wait for a
	// server fix: a null children vector for a leaf
	// (TestLiveEmptyChildrenVector), create2 results inside a multi
	// (TestLiveMultiCreate2Result) and the order of whoAmI identities. All three are fixed in the
	// server, so the comparison is strict unless ZABSIM_DIFF_MASK=1;
	// knownBugHits counts how often it applied.
	maskKnownBugs bool
	knownBugHits  int
	clients       [2]*RawClient
	base          int64            // zxid of the first write: zxids are compared relative to it
	labels        map[int64]string // session id → "A"/"B"
	start         int64            // wall ms before the run: stat times must not precede it
	faults        []string         // per-target invariant violations (times)
}

func TestDifferentialZooKeeper(t *testing.T) {
	requireZooKeeper(t)
	seed := uint64(envInt(t, "ZABSIM_DIFF_SEED", diffSeedDefault))
	ops := genDiffOps(rand.New(rand.NewPCG(seed, seed^0x5eed)), envInt(t, "ZABSIM_DIFF_OPS", diffOpsDefault))

	zabAddr := startLiveServer(t, func(c *server.Config) {
		c.TickTimeMS = 2000
		c.ContainerCheckIntervalMS = diffContainerCheckMS
	})
	apacheAddr := startDiffZooKeeper(t)

	targets := []*diffTarget{newDiffTarget(t, "zabsim", zabAddr), newDiffTarget(t, "zookeeper", apacheAddr)}
	targets[0].maskKnownBugs = os.Getenv("ZABSIM_DIFF_MASK") == "1" // the masked differences are fixed: strict by default
	var diffs []string
	outcomes := map[string]int{} // coverage: reply codes and watch events seen on ZooKeeper
	for i, op := range ops {
		outs := make([]string, len(targets))
		for j, tg := range targets {
			outs[j] = tg.run(t, op)
		}
		code, _, _ := strings.Cut(outs[1], " ")
		outcomes[code]++
		outcomes["watch events"] += strings.Count(outs[1], " event(")
		if outs[0] != outs[1] {
			diffs = append(diffs, fmt.Sprintf("op %d %s\n    zabsim:    %s\n    zookeeper: %s", i, op, outs[0], outs[1]))
		}
	}
	trees := []string{targets[0].dumpTree(t), targets[1].dumpTree(t)}
	if trees[0] != trees[1] {
		diffs = append(diffs, fmt.Sprintf("final trees differ\n--- zabsim\n%s--- zookeeper\n%s", trees[0], trees[1]))
	}
	for _, tg := range targets {
		for _, f := range tg.faults {
			diffs = append(diffs, tg.name+": "+f)
		}
	}
	if len(diffs) > 0 {
		shown := diffs[:min(len(diffs), 25)]
		t.Fatalf("seed %d: %d differences between zabsim and Apache ZooKeeper (first %d):\n%s\nreproduce: ZABSIM_DIFF_SEED=%d go test -run TestDifferentialZooKeeper ./live/",
			seed, len(diffs), len(shown), strings.Join(shown, "\n"), seed)
	}
	t.Logf("seed %d: %d ops, identical replies and final trees (%d znodes compared); outcomes %v", seed, len(ops), strings.Count(trees[0], "\n"), outcomes)
	if n := targets[0].knownBugHits; n > 0 {
		t.Logf("known zabsim bugs masked %d times (see TestLiveEmptyChildrenVector, TestLiveMultiCreate2Result; set because ZABSIM_DIFF_MASK=1)", n)
	}
}

func startDiffZooKeeper(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.TickTimeMS = 2000
	cfg.MaxClientCnxns = 0
	cfg.AdminEnableServer = false
	cfg.FourLetterWords = []string{"*"}
	cfg.ExtendedTypesEnabled = true
	var log lockedBuffer
	z, err := StartApacheZooKeeper(ApacheOptions{
		Dir: t.TempDir(), Config: &cfg, Log: &log,
		JavaOpts: []string{"-Xmx256m", "-XX:+UseSerialGC", "-Dznode.container.checkIntervalMs=" + strconv.Itoa(diffContainerCheckMS)},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		z.Stop()
		if t.Failed() {
			t.Logf("zookeeper log (tail):\n%s", lastBytes(log.String(), 4000))
		}
	})
	return z.Addr()
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func newDiffTarget(t *testing.T, name, addr string) *diffTarget {
	tg := &diffTarget{name: name, labels: map[int64]string{0: "none"}, start: time.Now().UnixMilli() - 1000}
	for i := range tg.clients {
		c, err := DialRaw(addr, diffSessionTimeoutMS, 0, nil, 10*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(c.Abort)
		tg.clients[i] = c
		tg.labels[c.SessionID] = string(rune('A' + i))
	}
	return tg
}

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
// servers get exactly the same requests whatever they answer.
func genDiffOps(r *rand.Rand, n int) []diffOp {
	ops := []diffOp{{client: 0, req: &wire.CreateRequest{Path: "/d", Data: []byte("root"), ACL: wire.OpenACLUnsafe}}}
	for len(ops) < n {
		op := diffOp{client: r.IntN(2), req: genRequest(r, true)}
		if diffPersistentWatches {
			op = separateWatchModes(op)
		}
		ops = append(ops, op)
	}
	// Close B's session at the end: its ephemerals must go the same way.
	return append(ops, diffOp{client: 1, req: &wire.CloseSessionRequest{}})
}

// diffPersistentWatches puts addWatch in the deck (ZABSIM_DIFF_WATCHES=1).
// It is off by default: with persistent and recursive watches in the mix,
// some seeds (20260101, 2, 4, 8) show recursive-watch events that zabsim
// delivers and ZooKeeper 3.8.0 does not, late in the run, and the cause is
// not pinned down yet (see docs/deviations.md).
var diffPersistentWatches = os.Getenv("ZABSIM_DIFF_WATCHES") == "1"

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
func genRequest(r *rand.Rand, topLevel bool) wire.Request {
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
		return genOther(r)
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
		ops[i] = genRequest(r, false)
		if c, ok := ops[i].(*wire.CreateTTLRequest); ok { // keep to the ops go clients put in multis
			ops[i] = &wire.CreateRequest{Path: c.Path, Data: c.Data, ACL: c.ACL}
		}
	}
	return &wire.MultiRequest{Ops: ops}
}

func genOther(r *rand.Rand) wire.Request {
	switch r.IntN(9) {
	case 0:
		return &wire.SyncRequest{Path: pickOne(r, diffPaths)}
	case 1:
		return &wire.AuthRequest{Scheme: "digest", Auth: []byte(pickOne(r, []string{"alice:secret", "bob:pw"}))}
	case 2:
		if !diffPersistentWatches {
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

// run executes op and renders the normalised outcome: error code, reply
// zxid, body, and any watch events that arrived on either session before
// the reply.
func (tg *diffTarget) run(t *testing.T, op diffOp) string {
	t.Helper()
	c := tg.clients[op.client]
	if c == nil {
		return "client closed"
	}
	hdr, resp, err := c.Call(op.req)
	if err != nil {
		t.Fatalf("%s: %s: %v", tg.name, op, err)
	}
	if tg.base == 0 && hdr.Err == wire.ErrOK && hdr.Zxid > 0 {
		tg.base = hdr.Zxid
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s", hdr.Err.Name())
	if op.req.Op() != wire.OpAuth { // ZooKeeper answers auth with zxid 0, before any txn
		fmt.Fprintf(&b, " zxid=%s", tg.zxid(hdr.Zxid))
	}
	if resp != nil {
		b.WriteString(" ")
		b.WriteString(tg.body(tg.maskMultiCreate2(op.req, resp)))
	}
	if _, ok := op.req.(*wire.CloseSessionRequest); ok {
		c.Abort()
		tg.clients[op.client] = nil
	}
	for i, cl := range tg.clients {
		if cl != nil && len(cl.Events) > 0 {
			for _, ev := range cl.Events {
				fmt.Fprintf(&b, " event(%c %v %s)", 'A'+i, ev.Type, ev.Path)
			}
			cl.Events = nil
		}
	}
	return b.String()
}

// maskMultiCreate2 answers a create2 inside a multi as ZooKeeper 3.8.0
// does, with a plain create result (path only), when masking known bugs.
func (tg *diffTarget) maskMultiCreate2(req wire.Request, resp wire.Response) wire.Response {
	m, ok := req.(*wire.MultiRequest)
	res, ok2 := resp.(*wire.MultiResponse)
	if !tg.maskKnownBugs || !ok || !ok2 || len(m.Ops) != len(res.Results) {
		return resp
	}
	out := &wire.MultiResponse{Results: slices.Clone(res.Results)}
	for i, op := range m.Ops {
		if c2, isC2 := out.Results[i].(*wire.Create2Response); isC2 && op.Op() == wire.OpCreate2 {
			out.Results[i] = &wire.CreateResponse{Path: c2.Path}
			tg.knownBugHits++
		}
	}
	return out
}

// zxid renders a zxid relative to the first write of the run: both servers
// must consume zxids in the same way from there on (every write txn, failed
// ones included, and session creation and closing).
func (tg *diffTarget) zxid(z int64) string {
	if z == 0 || tg.base == 0 {
		return strconv.FormatInt(z, 10)
	}
	return "+" + strconv.FormatInt(z-tg.base, 10)
}

func (tg *diffTarget) body(resp wire.Response) string {
	switch r := resp.(type) {
	case *wire.CreateResponse:
		return "path=" + r.Path
	case *wire.Create2Response:
		return "path=" + r.Path + " " + tg.stat(r.Stat)
	case *wire.CreateContainerResponse:
		return "path=" + r.Path + " " + tg.stat(r.Stat)
	case *wire.CreateTTLResponse:
		return "path=" + r.Path + " " + tg.stat(r.Stat)
	case *wire.ExistsResponse:
		return tg.stat(r.Stat)
	case *wire.SetDataResponse:
		return tg.stat(r.Stat)
	case *wire.SetACLResponse:
		return tg.stat(r.Stat)
	case *wire.GetDataResponse:
		return fmt.Sprintf("data=%s %s", quoteNil(r.Data), tg.stat(r.Stat))
	case *wire.GetACLResponse:
		return fmt.Sprintf("acl=%+v %s", r.ACL, tg.stat(r.Stat))
	case *wire.GetChildrenResponse:
		return "children=" + tg.children(r.Children)
	case *wire.GetChildren2Response:
		return "children=" + tg.children(r.Children) + " " + tg.stat(r.Stat)
	case *wire.GetAllChildrenNumberResponse:
		return fmt.Sprintf("total=%d", r.TotalNumber)
	case *wire.GetEphemeralsResponse:
		return "ephemerals=" + sortedList(r.Ephemerals)
	case *wire.SyncResponse:
		return "path=" + r.Path
	case *wire.WhoAmIResponse:
		return fmt.Sprintf("clients=%+v", tg.whoAmIOrder(r.ClientInfo))
	case *wire.ErrorResponse:
		return "error=" + r.Err.Name()
	case *wire.MultiResponse:
		return tg.results(r.Results)
	case *wire.MultiReadResponse:
		return tg.results(r.Results)
	}
	return fmt.Sprintf("%T%+v", resp, resp)
}

func (tg *diffTarget) results(rs []wire.Response) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%v{%s}", r.Op(), tg.body(r))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// whoAmIOrder lists the ip identity after the digest ones, in the order
// ZooKeeper 3.8.0 reports them, when masking known bugs (zabsim lists it
// first).
func (tg *diffTarget) whoAmIOrder(ids []wire.ClientInfo) []wire.ClientInfo {
	if !tg.maskKnownBugs || len(ids) < 2 || ids[0].AuthScheme != "ip" {
		return ids
	}
	tg.knownBugHits++
	return append(slices.Clone(ids[1:]), ids[0])
}

func (tg *diffTarget) children(kids []string) string {
	if kids == nil && tg.maskKnownBugs {
		tg.knownBugHits++
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
func (tg *diffTarget) stat(s wire.Stat) string {
	tg.checkTimes(s)
	times := "mtime=ctime"
	if s.Mtime > s.Ctime {
		times = "mtime>ctime"
	}
	if s.Czxid == s.Mzxid && s.Mtime != s.Ctime {
		tg.faults = append(tg.faults, fmt.Sprintf("never-modified node has mtime %d != ctime %d (stat %+v)", s.Mtime, s.Ctime, s))
	}
	if s.Czxid != s.Mzxid {
		times = "mtime>=ctime" // may share a millisecond on a fast server
	}
	owner, ok := tg.labels[s.EphemeralOwner]
	if !ok {
		owner = fmt.Sprintf("unknown(%#x)", s.EphemeralOwner)
	}
	return fmt.Sprintf("stat{czxid=%s mzxid=%s pzxid=%s %s v=%d cv=%d av=%d owner=%s len=%d kids=%d}",
		tg.zxid(s.Czxid), tg.zxid(s.Mzxid), tg.zxid(s.Pzxid), times, s.Version, s.Cversion, s.Aversion, owner, s.DataLength, s.NumChildren)
}

func (tg *diffTarget) checkTimes(s wire.Stat) {
	now := time.Now().UnixMilli() + 1000
	if s.Czxid == 0 { // the root and other nodes that exist from the start
		return
	}
	if s.Ctime < tg.start || s.Ctime > now || s.Mtime < s.Ctime || s.Mtime > now {
		tg.faults = append(tg.faults, fmt.Sprintf("stat times out of range: ctime %d mtime %d, run started %d (stat %+v)", s.Ctime, s.Mtime, tg.start, s))
	}
}

// dumpTree renders the whole tree under /d (what both servers hold
// besides their own /zookeeper subtree) from a fresh session.
func (tg *diffTarget) dumpTree(t *testing.T) string {
	t.Helper()
	c := tg.clients[0]
	var b strings.Builder
	var walk func(path string)
	walk = func(path string) {
		hdr, resp, err := c.Call(&wire.GetDataRequest{Path: path})
		if err != nil {
			t.Fatalf("%s: dump %s: %v", tg.name, path, err)
		}
		if hdr.Err != wire.ErrOK {
			fmt.Fprintf(&b, "%s %s\n", path, hdr.Err.Name())
			return
		}
		fmt.Fprintf(&b, "%s %s\n", path, tg.body(resp))
		_, resp, err = c.Call(&wire.GetChildrenRequest{Path: path})
		if err != nil {
			t.Fatalf("%s: dump children of %s: %v", tg.name, path, err)
		}
		kids, _ := resp.(*wire.GetChildrenResponse)
		if kids == nil {
			return
		}
		names := slices.Clone(kids.Children)
		slices.Sort(names)
		for _, k := range names {
			walk(strings.TrimSuffix(path, "/") + "/" + k)
		}
	}
	walk("/d")
	return b.String()
}

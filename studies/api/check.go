package api

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/model"
)

// Check judges the api workload's history against the reference spec
// (model.Tree), holding the server to what ZooKeeper promises about every
// reply, every Stat and every watch event:
//
//   - It replays the txns the quorum committed (the history's cluster "txn"
//     records, in zxid order) through the spec, each as the request it came
//     from (matched by session and xid). A txn the quorum committed as a
//     change must be one the spec accepts at that point; an error txn must
//     be one the spec refuses (or a session-level refusal: SESSIONEXPIRED,
//     SESSIONMOVED).
//   - Every answered write must equal the spec's result at its txn: the
//     created name, the error, the Stat (times aside), each op of a multi.
//   - Every answered read was served at the reply's zxid Z (the server's
//     last applied txn), so it must equal the spec's answer after the txns
//     up to Z: data, Stat, children, counts, ephemerals, each op of a
//     multiRead. A stale Stat, an ephemeral that outlived its session or a
//     multi applied in part shows up here.
//   - No change of a session is committed after its close (ZOOKEEPER-1208:
//     an ephemeral created so outlives its owner).
//   - A sync's answer comes from a server that has applied every txn the
//     quorum committed before the sync was invoked (its reply zxid is at
//     least theirs): that is what sync is for.
//   - One-shot watches (checkAPIWatches): an event must answer a watch the
//     session set, of the type of the first change after it was set; and it
//     must reach the session before any reply that already reflects that
//     change. A watch whose change a later reply reflects with no event
//     before it is a missed (or late) event.
//
// Without "txn" records (a live history) there is nothing to replay and
// the verdict is unknown.
func Check(ops []history.Op) checker.Result {
	r := checker.NewReport("api")
	a := &apiCheck{r: r, tree: model.NewTree(model.TreeOptions{}), bySessionXid: map[sessionXid]int{},
		pendingBySession: map[int64][]int{}, triggers: map[string][]apiTrigger{}, sessions: map[int64]bool{},
		closedChildren: map[string]bool{}, closedAt: map[int64]history.Op{}}
	if !a.load(ops) {
		return r.Done()
	}
	a.replay()
	a.checkSyncs()
	a.checkWatches(ops)
	r.Counts["calls"] = len(a.calls)
	r.Counts["txns"] = len(a.txns)
	r.Counts["writes-checked"] = a.writesChecked
	r.Counts["reads-checked"] = a.readsChecked
	return r.Done()
}

// API returns Check as a checker.Checker.
func API() checker.Checker { return Check }

// apiCall is one api operation of the history.
type apiCall struct {
	inv, comp history.Op // comp.Index -1: still open
	op        APIOp
	tree      model.TreeOp
	session   int64
	xid       int32
	res       *APIResult // nil: no answer
}

func (c *apiCall) answered() bool { return c.res != nil }

type sessionXid struct {
	session int64
	xid     int32
}

type apiTxn struct {
	op history.Op
	v  history.TxnValue
}

// apiTrigger is a watch trigger the replay saw: at zxid, path got an event
// of type typ.
type apiTrigger struct {
	zxid int64
	typ  string
	op   int // the history index of the request (or txn record) behind it
}

type apiCheck struct {
	r                *checker.Report
	tree             *model.Tree
	calls            []apiCall
	txns             []apiTxn
	bySessionXid     map[sessionXid]int
	pendingBySession map[int64][]int // unanswered writes with no xid, by session
	sessions         map[int64]bool
	triggers         map[string][]apiTrigger
	// closedChildren[p]: the last change to p's children was a session's
	// close deleting its ephemerals.
	closedChildren map[string]bool
	closedAt       map[int64]history.Op // each session's committed close (its txn record)
	paths          []string             // triggerPaths
	writesChecked  int
	readsChecked   int
}

// load reads the api calls and txn records; false if there is nothing to judge.
func (a *apiCheck) load(ops []history.Op) bool {
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F != FAPI {
			continue
		}
		c, err := loadAPICall(p)
		if err != nil {
			a.r.Doubt("%v", err)
			continue
		}
		a.calls = append(a.calls, c)
	}
	for _, op := range ops {
		if op.IsCluster() && op.F == history.FTxn {
			var v history.TxnValue
			if err := op.Decode(&v); err != nil {
				a.r.Doubt("%v", err)
				continue
			}
			a.txns = append(a.txns, apiTxn{op: op, v: v})
		}
	}
	sort.SliceStable(a.txns, func(i, j int) bool { return a.txns[i].op.Zxid < a.txns[j].op.Zxid })
	if len(a.calls) == 0 {
		return false
	}
	if len(a.txns) == 0 {
		a.r.Doubt("no committed-txn records to replay (the simulator writes them for api runs; a live history has none)")
		return false
	}
	for i := range a.calls {
		c := &a.calls[i]
		if c.session != 0 {
			a.sessions[c.session] = true
		}
		switch {
		case c.xid != 0 && c.session != 0:
			a.bySessionXid[sessionXid{c.session, c.xid}] = i
		case !c.answered() && c.op.IsWrite() && c.op.Kind != APIClose && c.session != 0:
			a.pendingBySession[c.session] = append(a.pendingBySession[c.session], i)
		}
	}
	return true
}

func loadAPICall(p history.Pair) (apiCall, error) {
	c := apiCall{inv: p.Invoke, comp: p.Complete, session: p.Invoke.Session}
	var iv APIValue
	if err := p.Invoke.Decode(&iv); err != nil {
		return c, err
	}
	op, err := ParseAPIOp(iv.Op)
	if err != nil {
		return c, fmt.Errorf("op %d: %w", p.Invoke.Index, err)
	}
	c.op = op
	if !p.Open {
		var cv APIValue
		if len(p.Complete.Value) > 0 {
			if err := p.Complete.Decode(&cv); err != nil {
				return c, err
			}
		}
		if cv.Session != 0 {
			c.session = cv.Session
		}
		c.xid, c.res = cv.Xid, cv.Result
	}
	c.tree = treeOp(op, c.session)
	return c, nil
}

// treeOp is an api op as the spec takes it.
func treeOp(op APIOp, session int64) model.TreeOp {
	t := model.TreeOp{Path: op.Path, Data: []byte(op.Data), Version: op.Version, Session: session}
	switch op.Kind {
	case APICreate:
		t.Kind = model.OpCreate
		t.Mode = model.CreateMode(slices.Index(APIModes, op.Mode))
	case APIDelete:
		t.Kind = model.OpDelete
	case APISetData:
		t.Kind = model.OpSetData
	case APICheck:
		t.Kind = model.OpCheck
	case APIExists:
		t.Kind = model.OpExists
	case APIGetData:
		t.Kind = model.OpGetData
	case APIGetChildren, APIGetChildren2:
		t.Kind = model.OpGetChildren
	case APIGetAllChildrenNumber:
		t.Kind = model.OpGetAllChildrenNumber
	case APIGetEphemerals:
		t.Kind = model.OpGetEphemerals
	case APISync:
		t.Kind = model.OpSync
	case APIClose:
		t.Kind = model.OpCloseSession
	case APIMulti, APIMultiRead:
		t.Kind = model.OpMulti
		if op.Kind == APIMultiRead {
			t.Kind = model.OpMultiRead
		}
		for _, sub := range op.Ops {
			t.Ops = append(t.Ops, treeOp(sub, session))
		}
	}
	return t
}

// replay walks the committed txns in zxid order, checking each answered
// read once the txns up to its reply zxid are applied.
func (a *apiCheck) replay() {
	var reads []int
	for i, c := range a.calls {
		if c.answered() && !c.op.IsWrite() {
			reads = append(reads, i)
		}
	}
	sort.SliceStable(reads, func(x, y int) bool { return a.calls[reads[x]].comp.Zxid < a.calls[reads[y]].comp.Zxid })
	j := 0
	var last int64 = -1
	for _, t := range a.txns {
		if t.op.Zxid == last {
			continue // one record per zxid; a second would be a recorder bug
		}
		last = t.op.Zxid
		for ; j < len(reads) && a.calls[reads[j]].comp.Zxid < t.op.Zxid; j++ {
			a.checkRead(&a.calls[reads[j]])
		}
		a.applyTxn(t)
	}
	for ; j < len(reads); j++ {
		a.checkRead(&a.calls[reads[j]])
	}
}

// checkSyncs holds every answered sync to the txns committed before it was
// invoked. A txn record's time is its first application anywhere, which is
// no earlier than its commit.
func (a *apiCheck) checkSyncs() {
	byTime := slices.Clone(a.txns)
	sort.SliceStable(byTime, func(i, j int) bool { return byTime[i].op.Time < byTime[j].op.Time })
	newestBy := make([]int, len(byTime)) // newestBy[j]: the highest zxid among byTime[:j+1]
	for j := range byTime {
		newestBy[j] = j
		if j > 0 && byTime[newestBy[j-1]].op.Zxid > byTime[j].op.Zxid {
			newestBy[j] = newestBy[j-1]
		}
	}
	for i := range a.calls {
		c := &a.calls[i]
		if c.op.Kind != APISync || !c.answered() || c.res.Err != "" {
			continue
		}
		k := sort.Search(len(byTime), func(j int) bool { return byTime[j].op.Time >= c.inv.Time })
		if k == 0 {
			continue
		}
		if newest := byTime[newestBy[k-1]]; newest.op.Zxid > c.comp.Zxid {
			a.r.FlagOps("stale-sync", []int{c.inv.Index, newest.op.Index, c.comp.Index},
				"sync %s (op %d) was answered at zxid %#x, but the quorum had committed zxid %#x (op %d) before the sync was invoked", c.op.Path, c.comp.Index, c.comp.Zxid, newest.op.Zxid, newest.op.Index)
		}
	}
}

// sessionLevel errors refuse a request for its session, not its content:
// the spec does not model them, and a txn carrying one changes nothing.
func sessionLevel(err string) bool { return err == "SESSIONEXPIRED" || err == "SESSIONMOVED" }

func (a *apiCheck) applyTxn(t apiTxn) {
	z := t.op.Zxid
	switch t.v.Type {
	case "createSession", "createSession2":
		return
	case "closeSession":
		if t.v.Err == "" {
			a.apply(model.TreeOp{Kind: model.OpCloseSession, Session: t.op.Session}, z, t.op.Index)
			if _, again := a.closedAt[t.op.Session]; !again {
				a.closedAt[t.op.Session] = t.op
			}
		}
		return
	case "deleteContainer":
		if res := a.apply(model.TreeOp{Kind: model.OpDeleteContainer, Path: t.v.Path}, z, t.op.Index); res.Err != "" {
			a.r.FlagOps("spec-rejects-txn", []int{t.op.Index}, "the quorum committed deleteContainer %s at zxid %#x, which the spec refuses (%s)", t.v.Path, z, res.Err)
		}
		return
	}
	if c, closed := a.closedAt[t.op.Session]; closed && t.v.Err == "" && t.op.Session != 0 {
		// ZooKeeper marks a session closing when it preps the close, and
		// every later request of it fails SESSIONEXPIRED (the fix of
		// ZOOKEEPER-1208): a change committed after the close is wrong,
		// an ephemeral it creates outlives its owner.
		a.r.FlagOps("write-after-close", []int{c.Index, t.op.Index},
			"the quorum committed a %s txn of session %#x at zxid %#x (op %d), after it had committed the session's close at zxid %#x (op %d)", t.v.Type, t.op.Session, z, t.op.Index, c.Zxid, c.Index)
	}
	i, ok := a.match(t)
	if !ok {
		return
	}
	c := &a.calls[i]
	a.writesChecked++
	if t.v.Err != "" { // an error txn: the server refused the request
		want := a.tree.Clone().Apply(c.tree, z, 0)
		switch {
		case sessionLevel(t.v.Err):
		case want.Err == "" && t.v.Err == model.ErrNotEmpty && c.op.Kind == APIDelete && a.closedChildren[c.op.Path]:
			// ZooKeeper's prep marks a closing session's ephemerals deleted
			// but leaves their parent's child count alone until the close
			// is applied (PrepRequestProcessor's closeSession): a delete of
			// the parent prepped meanwhile fails NOTEMPTY.
			a.r.Counts["notempty-behind-close"]++
		case want.Err == "":
			a.r.FlagOps("refused-valid-request", []int{c.inv.Index, t.op.Index},
				"%s (op %d) was committed at zxid %#x as an error txn %s, but the spec applies it", c.op, c.inv.Index, z, t.v.Err)
		case want.Err != t.v.Err:
			a.r.FlagOps("wrong-error", []int{c.inv.Index, t.op.Index},
				"%s (op %d) was refused at zxid %#x with %s; the spec refuses it with %s", c.op, c.inv.Index, z, t.v.Err, want.Err)
		}
		if c.answered() && !sessionLevel(c.res.Err) && c.res.Err != t.v.Err {
			a.r.FlagOps("wrong-reply", []int{c.comp.Index, t.op.Index},
				"%s (op %d) was answered %q but its txn at zxid %#x carries %s", c.op, c.comp.Index, c.res.Err, z, t.v.Err)
		}
		return
	}
	want := a.apply(c.tree, z, c.inv.Index)
	if want.Err != "" && c.op.Kind != APIMulti {
		a.r.FlagOps("spec-rejects-txn", []int{c.inv.Index, t.op.Index},
			"the quorum committed %s (op %d) at zxid %#x as a change, but the spec refuses it there (%s)", c.op, c.inv.Index, z, want.Err)
		return
	}
	if c.answered() && !sessionLevel(c.res.Err) {
		if diff := apiDiff(c.op, want, c.res); diff != "" {
			a.r.FlagOps("wrong-reply", []int{c.comp.Index}, "%s (op %d), committed at zxid %#x: %s", c.op, c.comp.Index, z, diff)
		}
	}
}

// match finds the request a txn came from: by session and xid, or the one
// unanswered write of its session whose xid was never learnt.
func (a *apiCheck) match(t apiTxn) (int, bool) {
	if i, ok := a.bySessionXid[sessionXid{t.op.Session, t.v.Cxid}]; ok {
		return i, true
	}
	if !a.sessions[t.op.Session] {
		return 0, false // another workload's session
	}
	if p := a.pendingBySession[t.op.Session]; len(p) == 1 {
		delete(a.pendingBySession, t.op.Session)
		return p[0], true
	}
	a.r.Doubt("txn %#x (%s) of session %#x, cxid %d, matches no recorded request", t.op.Zxid, t.v.Type, t.op.Session, t.v.Cxid)
	return 0, false
}

// apply applies a write to the spec and remembers the watch triggers it fired.
func (a *apiCheck) apply(op model.TreeOp, zxid int64, index int) model.TreeResult {
	res, evs := a.tree.ApplyEvents(op, zxid, 0)
	for _, e := range evs {
		a.triggers[e.Path] = append(a.triggers[e.Path], apiTrigger{zxid: zxid, typ: e.Type, op: index})
		if e.Type == model.EventNodeChildrenChanged {
			a.closedChildren[e.Path] = op.Kind == model.OpCloseSession
		}
	}
	return res
}

func (a *apiCheck) checkRead(c *apiCall) {
	switch {
	case sessionLevel(c.res.Err), c.op.Kind == APIRemoveWatches: // judged with the watches
		return
	case c.op.Kind == APIAddWatch:
		if c.res.Err != "" {
			a.r.FlagOps("wrong-read", []int{c.comp.Index}, "%s (op %d) was refused with %s; ZooKeeper arms a persistent watch on any path", c.op, c.comp.Index, c.res.Err)
		}
		return
	}
	a.readsChecked++
	want := a.tree.Apply(c.tree, 0, 0)
	if diff := apiDiff(c.op, want, c.res); diff != "" {
		a.r.FlagOps("wrong-read", []int{c.comp.Index}, "%s (op %d), served at zxid %#x: %s", c.op, c.comp.Index, c.comp.Zxid, diff)
	}
}

// apiDiff describes how a server's answer differs from the spec's, or "".
func apiDiff(op APIOp, want model.TreeResult, got *APIResult) string {
	if op.Kind == APIMulti || op.Kind == APIMultiRead {
		// The results of the ops say it all (a client reports the first
		// failing op's error as the whole op's).
		return multiDiff(op, want, got)
	}
	if want.Err != got.Err {
		return fmt.Sprintf("answered %s, the spec gives %s", errText(got.Err), errText(want.Err))
	}
	if want.Err != "" {
		return ""
	}
	switch op.Kind {
	case APICreate:
		if got.Path != want.Path {
			return fmt.Sprintf("created %s, the spec creates %s", got.Path, want.Path)
		}
		return statDiff(want.Stat, got.Stat)
	case APISetData, APIExists, APIGetChildren2:
		if d := childrenDiff(op, want, got); d != "" {
			return d
		}
		return statDiff(want.Stat, got.Stat)
	case APIGetData:
		if got.Data == nil || !bytes.Equal([]byte(*got.Data), want.Data) {
			return fmt.Sprintf("data %s, the spec has %q", dataText(got.Data), want.Data)
		}
		return statDiff(want.Stat, got.Stat)
	case APIGetChildren, APIGetEphemerals:
		return childrenDiff(op, want, got)
	case APIGetAllChildrenNumber:
		if got.Number == nil || *got.Number != want.Number {
			return fmt.Sprintf("%s descendants, the spec counts %d", numText(got.Number), want.Number)
		}
	}
	return ""
}

func multiDiff(op APIOp, want model.TreeResult, got *APIResult) string {
	if len(got.Results) != len(op.Ops) || len(want.Results) != len(op.Ops) {
		return fmt.Sprintf("%d results for %d ops (the spec gives %d)", len(got.Results), len(op.Ops), len(want.Results))
	}
	for i, sub := range op.Ops {
		w, g := want.Results[i], got.Results[i]
		if sub.Kind == APICreate {
			w.Stat = model.Stat{} // a create inside a multi answers with its path only
			g.Stat = nil
		}
		if sub.Kind == APIDelete || sub.Kind == APICheck {
			w.Stat, g.Stat = model.Stat{}, nil
		}
		if d := apiDiff(sub, w, &g); d != "" {
			return fmt.Sprintf("op %d of the %s (%s): %s", i+1, op.Kind, sub, d)
		}
	}
	return ""
}

func childrenDiff(op APIOp, want model.TreeResult, got *APIResult) string {
	if op.Kind != APIGetChildren && op.Kind != APIGetChildren2 && op.Kind != APIGetEphemerals {
		return ""
	}
	g := slices.Clone(got.Children)
	slices.Sort(g)
	if !slices.Equal(g, want.Children) && (len(g) > 0 || len(want.Children) > 0) {
		return fmt.Sprintf("listed %v, the spec has %v", g, want.Children)
	}
	return ""
}

// statDiff compares Stats, times aside (the server's clock is not the
// spec's); a missing Stat compares as the zero Stat.
func statDiff(want model.Stat, got *APIStat) string {
	var g model.Stat
	if got != nil {
		g = model.Stat{Czxid: got.Czxid, Mzxid: got.Mzxid, Version: got.Version, Cversion: got.Cversion, Aversion: got.Aversion,
			EphemeralOwner: got.EphemeralOwner, DataLength: got.DataLength, NumChildren: got.NumChildren, Pzxid: got.Pzxid}
	}
	want.Ctime, want.Mtime = 0, 0
	if g != want {
		return fmt.Sprintf("Stat %s, the spec has %s", statText(g), statText(want))
	}
	return ""
}

func statText(s model.Stat) string {
	return fmt.Sprintf("{czxid %#x mzxid %#x pzxid %#x version %d cversion %d aversion %d owner %#x dataLength %d numChildren %d}",
		s.Czxid, s.Mzxid, s.Pzxid, s.Version, s.Cversion, s.Aversion, s.EphemeralOwner, s.DataLength, s.NumChildren)
}

func errText(e string) string {
	if e == "" {
		return "OK"
	}
	return e
}

func dataText(d *string) string {
	if d == nil {
		return "none"
	}
	return fmt.Sprintf("%q", *d)
}

func numText(n *int32) string {
	if n == nil {
		return "no count"
	}
	return fmt.Sprint(*n)
}

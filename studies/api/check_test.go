package api

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/checker/checkertest"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/model"
)

// apiHB builds api histories whose answers come from a reference tree kept
// alongside: a write commits the next zxid (a cluster txn record, then the
// invoke and its answer), a read is answered at the last zxid. Tests then
// break one record, as a faulty server would, and the checker must say so.
type apiHB struct {
	t    *testing.T
	ops  []history.Op
	tree *model.Tree
	zxid int64
	xid  map[int64]int32
	// noWatcher is the answer the session's next removeWatches gets.
	noWatcher map[int64]string
}

func newAPIHB(t *testing.T) *apiHB {
	return &apiHB{t: t, tree: model.NewTree(model.TreeOptions{}), xid: map[int64]int32{}, noWatcher: map[int64]string{}}
}

func (h *apiHB) add(op history.Op) int {
	op.Index, op.Time = len(h.ops), int64(len(h.ops))*1000
	h.ops = append(h.ops, op)
	return op.Index
}

// call records session's op; writes commit a txn first. It returns the
// index of the answer record.
func (h *apiHB) call(session int64, text string) int {
	h.t.Helper()
	op, err := ParseAPIOp(text)
	if err != nil {
		h.t.Fatal(err)
	}
	h.xid[session]++
	xid := h.xid[session]
	process := int(session)
	h.add(history.Op{Process: process, Type: history.Invoke, F: FAPI, Value: checkertest.MustJSON(APIValue{Op: text}), Session: session})
	tree := treeOp(op, session)
	var res model.TreeResult
	zxid := h.zxid
	if op.IsWrite() {
		h.zxid++
		zxid = h.zxid
		res = h.tree.Apply(tree, zxid, 0)
		typ := string(tree.Kind)
		txn := history.TxnValue{Type: typ, Cxid: xid}
		if res.Err != "" && op.Kind != APIMulti {
			txn.Type, txn.Err = "error", res.Err
		}
		h.add(history.Op{Process: history.ClusterProcess, Type: history.Info, F: history.FTxn, Zxid: zxid, Session: session, Value: checkertest.MustJSON(txn)})
	} else {
		res = h.tree.Apply(tree, 0, 0)
	}
	switch op.Kind { // the spec has no watches: the session's answers, as a correct server gives them
	case APIAddWatch:
		res = model.TreeResult{}
	case APIRemoveWatches:
		res = model.TreeResult{Err: h.noWatcher[session]}
	}
	typ := history.OK
	if res.Err != "" {
		typ = history.Fail
	}
	v := APIValue{Op: text, Session: session, Xid: xid, Result: apiAnswer(op, res)}
	return h.add(history.Op{Process: process, Type: typ, F: FAPI, Value: checkertest.MustJSON(v), Node: "s1", Zxid: zxid, Session: session, Error: v.Result.Err})
}

// closeSession commits the session's closing (its expiry).
func (h *apiHB) closeSession(session int64) {
	h.zxid++
	h.tree.Apply(model.TreeOp{Kind: model.OpCloseSession, Session: session}, h.zxid, 0)
	h.add(history.Op{Process: history.ClusterProcess, Type: history.Info, F: history.FTxn, Zxid: h.zxid, Session: session,
		Value: checkertest.MustJSON(history.TxnValue{Type: "closeSession"})})
}

// event records a watch event reaching session.
func (h *apiHB) event(session int64, typ, path string) int {
	v := checkertest.MustJSON(APIEvent{Event: typ, Path: path})
	h.add(history.Op{Process: 1000 + int(session), Type: history.Invoke, F: history.FNotify, Value: v, Session: session, Node: "s1"})
	return h.add(history.Op{Process: 1000 + int(session), Type: history.OK, F: history.FNotify, Value: v, Session: session, Node: "s1"})
}

// apiAnswer is a spec result as the api workload records a server's answer.
func apiAnswer(op APIOp, r model.TreeResult) *APIResult {
	out := &APIResult{Err: r.Err}
	if r.Err != "" && op.Kind != APIMulti && op.Kind != APIMultiRead {
		return out
	}
	st := &APIStat{Czxid: r.Stat.Czxid, Mzxid: r.Stat.Mzxid, Version: r.Stat.Version, Cversion: r.Stat.Cversion,
		Aversion: r.Stat.Aversion, EphemeralOwner: r.Stat.EphemeralOwner, DataLength: r.Stat.DataLength,
		NumChildren: r.Stat.NumChildren, Pzxid: r.Stat.Pzxid}
	switch op.Kind {
	case APICreate:
		out.Path, out.Stat = r.Path, st
	case APISetData, APIExists:
		out.Stat = st
	case APIGetData:
		d := string(r.Data)
		out.Data, out.Stat = &d, st
	case APIGetChildren, APIGetEphemerals:
		out.Children = r.Children
	case APIGetChildren2:
		out.Children, out.Stat = r.Children, st
	case APIGetAllChildrenNumber:
		n := r.Number
		out.Number = &n
	case APIMulti, APIMultiRead:
		for i, sub := range op.Ops {
			a := apiAnswer(sub, r.Results[i])
			if sub.Kind == APICreate || sub.Kind == APIDelete || sub.Kind == APICheck {
				a.Stat = nil
			}
			out.Results = append(out.Results, *a)
		}
		if out.Err == "" {
			for _, s := range out.Results {
				if s.Err != "" {
					out.Err = s.Err
					break
				}
			}
		}
	}
	return out
}

// edit rewrites the answer recorded at index i.
func (h *apiHB) edit(i int, f func(*APIResult)) {
	h.t.Helper()
	var v APIValue
	if err := json.Unmarshal(h.ops[i].Value, &v); err != nil {
		h.t.Fatal(err)
	}
	f(v.Result)
	h.ops[i].Value = checkertest.MustJSON(v)
}

// without returns the history minus record i (and its pair, for a notify),
// renumbered.
func (h *apiHB) without(idx ...int) []history.Op {
	var out []history.Op
	for _, op := range h.ops {
		if slices.Contains(idx, op.Index) {
			continue
		}
		op.Index = len(out)
		out = append(out, op)
	}
	return out
}

// base is a history every rule has something to say about: a session (B)
// watching /api while another (A) creates an ephemeral under it, changes
// its data, runs a multi, and expires.
func apiBase(t *testing.T) (*apiHB, map[string]int) {
	const a, b = 0xA, 0xB
	h := newAPIHB(t)
	at := map[string]int{}
	h.call(a, `create /api "" persistent`)
	h.call(b, `getChildren /api watch`)
	h.call(b, `getData /api watch`)
	h.call(a, `create /api/e "x" ephemeral`)
	at["child-event"] = h.event(b, model.EventNodeChildrenChanged, "/api")
	at["children"] = h.call(b, `getChildren2 /api`)
	h.call(a, `setData /api "y" -1`)
	at["data-event"] = h.event(b, model.EventNodeDataChanged, "/api")
	at["getData"] = h.call(b, `getData /api`)
	h.call(a, `multi [create /api/m "" persistent; setData /api "z" 1]`)
	at["after-multi"] = h.call(b, `getData /api`)
	at["multi-kids"] = h.call(b, `getChildren /api`)
	h.call(a, `create /api/s- "" persistent-sequential`)
	h.call(b, `getAllChildrenNumber /api`)
	h.call(a, `getEphemerals /api`)
	h.call(b, `multiRead [getData /api; getChildren /api/none]`)
	h.closeSession(a)
	at["after-close"] = h.call(b, `exists /api/e`)
	return h, at
}

func apiVerdict(t *testing.T, ops []history.Op) checker.Result {
	t.Helper()
	if err := history.Validate(ops); err != nil {
		t.Fatalf("hand-made history is malformed: %v", err)
	}
	return Check(ops)
}

func TestAPIGoodHistoryPasses(t *testing.T) {
	h, _ := apiBase(t)
	r := apiVerdict(t, h.ops)
	if r.Valid != checker.Valid {
		t.Fatalf("good history: %s", r)
	}
	if r.Counts["reads-checked"] < 8 || r.Counts["writes-checked"] < 5 || r.Counts["watch-events"] != 2 {
		t.Fatalf("the checker looked at too little: %v", r.Counts)
	}
}

// Each way a server can break ZooKeeper's promises, made by hand from the
// good history: the checker must name it.
func TestAPICatchesBrokenPromises(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		breakIt    func(h *apiHB, at map[string]int) []history.Op
	}{
		{"wrong watch event type", "wrong-watch-event", func(h *apiHB, at map[string]int) []history.Op {
			for _, i := range []int{at["data-event"] - 1, at["data-event"]} {
				h.ops[i].Value = checkertest.MustJSON(APIEvent{Event: model.EventNodeDeleted, Path: "/api"})
			}
			return h.ops
		}},
		{"missed child watch", "missed-watch-event", func(h *apiHB, at map[string]int) []history.Op {
			return h.without(at["child-event"]-1, at["child-event"])
		}},
		{"event after a reply that reflects its change", "missed-watch-event", func(h *apiHB, at map[string]int) []history.Op {
			ops := slices.Clone(h.ops)
			i, j := at["child-event"]-1, at["children"]
			ev := slices.Clone(ops[i : i+2])
			ops = slices.Delete(ops, i, i+2)
			ops = slices.Insert(ops, j-1, ev...) // after the getChildren2 answer
			for k := range ops {
				ops[k].Index = k
			}
			return ops
		}},
		{"stale Stat", "wrong-read", func(h *apiHB, at map[string]int) []history.Op {
			h.edit(at["getData"], func(r *APIResult) { r.Stat.Version, r.Stat.Mzxid = 0, 1 })
			return h.ops
		}},
		{"multi applied in part", "wrong-read", func(h *apiHB, at map[string]int) []history.Op {
			h.edit(at["after-multi"], func(r *APIResult) { y := "y"; *r.Data = y; r.Stat.Version = 1; r.Stat.Mzxid = 3 })
			return h.ops
		}},
		{"ephemeral outlives its session", "wrong-read", func(h *apiHB, at map[string]int) []history.Op {
			h.ops[at["after-close"]].Type, h.ops[at["after-close"]].Error = history.OK, ""
			h.edit(at["after-close"], func(r *APIResult) {
				r.Err = ""
				r.Stat = &APIStat{Czxid: 2, Mzxid: 2, Pzxid: 2, EphemeralOwner: 0xA, DataLength: 1}
			})
			return h.ops
		}},
		{"wrong children", "wrong-read", func(h *apiHB, at map[string]int) []history.Op {
			h.edit(at["multi-kids"], func(r *APIResult) { r.Children = []string{"e"} })
			return h.ops
		}},
		{"refused valid request", "refused-valid-request", func(h *apiHB, at map[string]int) []history.Op {
			for i, op := range h.ops { // the setData's txn becomes a BADVERSION error txn
				if op.F == history.FTxn && op.Zxid == 3 {
					h.ops[i].Value = checkertest.MustJSON(history.TxnValue{Type: "error", Cxid: 3, Err: "BADVERSION"})
				}
			}
			return h.ops
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, at := apiBase(t)
			r := apiVerdict(t, tc.breakIt(h, at))
			if r.Valid != checker.Invalid || r.Counts["anomalies:"+tc.kind] == 0 {
				t.Fatalf("want a %s anomaly, got %s", tc.kind, r)
			}
			for _, an := range r.Anomalies {
				if len(an.Ops) == 0 || an.Explanation == "" {
					t.Errorf("anomaly without ops or explanation: %+v", an)
				}
			}
		})
	}
}

// A live history has no txn records: nothing to replay, so no verdict.
func TestAPIWithoutTxnRecordsIsUnknown(t *testing.T) {
	h, _ := apiBase(t)
	ops := history.Filter(h.ops, func(o history.Op) bool { return o.F != history.FTxn })
	for i := range ops {
		ops[i].Index = i
	}
	if r := Check(ops); r.Valid != checker.Unknown {
		t.Fatalf("without txn records: %s", r)
	}
}

// A server that answers out of order is caught through the client's
// protocol-error report.
func TestAPIProtocolViolation(t *testing.T) {
	h, _ := apiBase(t)
	v := checkertest.MustJSON(APIEvent{State: "protocolError", Detail: "reply xid 9, expected xid 8"})
	h.add(history.Op{Process: 2000, Type: history.Invoke, F: history.FNotify, Value: v, Session: 0xB, Node: "s1"})
	h.add(history.Op{Process: 2000, Type: history.OK, F: history.FNotify, Value: v, Session: 0xB, Node: "s1"})
	if r := apiVerdict(t, h.ops); r.Counts["anomalies:protocol-violation"] != 1 {
		t.Fatalf("protocol violation: %s", r)
	}
}

// ZooKeeper's prep leaves a closing session's ephemerals counted in their
// parent until the close is applied, so a delete of the parent right after
// fails NOTEMPTY although the spec, applying txns one at a time, has no
// children left. The checker accepts that, and only that: the same answer
// after an ordinary delete of the child is a violation.
func TestAPINotEmptyBehindClose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		byDel  bool
		accept bool
	}{{"child went with its session's close", false, true}, {"child deleted by a request", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newAPIHB(t)
			h.call(0xA, `create /api "" persistent`)
			h.call(0xB, `create /api/e "" ephemeral`)
			if tc.byDel {
				h.call(0xB, `delete /api/e -1`)
			} else {
				h.closeSession(0xB)
			}
			i := h.call(0xA, `delete /api -1`)
			h.ops[i].Type, h.ops[i].Error = history.Fail, model.ErrNotEmpty
			h.edit(i, func(r *APIResult) { r.Err = model.ErrNotEmpty })
			h.ops[i-1].Value = checkertest.MustJSON(history.TxnValue{Type: "error", Cxid: 2, Err: model.ErrNotEmpty}) // its txn record
			r := apiVerdict(t, h.ops)
			if got := r.Valid == checker.Valid; got != tc.accept {
				t.Fatalf("accept=%v, got %s", tc.accept, r)
			}
		})
	}
}

// state records a session state change the client reported.
func (h *apiHB) state(session int64, state string) {
	v := checkertest.MustJSON(APIEvent{State: state})
	h.add(history.Op{Process: 1000 + int(session), Type: history.Invoke, F: history.FNotify, Value: v, Session: session})
	h.add(history.Op{Process: 1000 + int(session), Type: history.OK, F: history.FNotify, Value: v, Session: session})
}

// Across a reconnect ZooKeeper re-arms watches with SetWatches, which
// compares the node's state then with the client's last zxid: a node
// created and deleted while the session was away fires its exist watch
// nothing, and a deleted node fires its data and child watches one
// NodeDeleted each. Without the reconnect both are violations.
func TestAPIWatchesAcrossReconnect(t *testing.T) {
	const a, b = 0xA, 0xB
	for _, away := range []bool{true, false} {
		h := newAPIHB(t)
		h.call(a, `create /api "" persistent`)
		h.call(b, `exists /api/x watch`) // NONODE: an exist watch
		if away {
			h.state(b, "disconnected")
		}
		h.call(a, `create /api/x "" persistent`)
		h.call(a, `delete /api/x -1`)
		if away {
			h.state(b, "connected")
		}
		h.call(b, `getData /api`)
		r := apiVerdict(t, h.ops)
		if (r.Valid == checker.Valid) != away {
			t.Errorf("create and delete of an exist-watched node, away=%v: %s", away, r)
		}

		h = newAPIHB(t)
		h.call(a, `create /api "" persistent`)
		h.call(a, `create /api/x "" persistent`)
		h.call(b, `getData /api/x watch`)
		h.call(b, `getChildren /api/x watch`)
		if away {
			h.state(b, "disconnected")
		}
		h.call(a, `delete /api/x -1`)
		if away {
			h.state(b, "connected")
		}
		h.event(b, model.EventNodeDeleted, "/api/x")
		h.event(b, model.EventNodeDeleted, "/api/x")
		h.call(b, `getData /api`)
		r = apiVerdict(t, h.ops)
		if (r.Valid == checker.Valid) != away {
			t.Errorf("two NodeDeleted events for a data and a child watch, away=%v: %s", away, r)
		}
	}
}

// A sync answered from a state that misses a txn committed before the sync
// was invoked is stale (a leader that lost its quorum answering it).
func TestAPIStaleSync(t *testing.T) {
	for _, stale := range []bool{false, true} {
		h := newAPIHB(t)
		h.call(0xA, `create /api "" persistent`)
		h.call(0xA, `setData /api "x" -1`)
		i := h.call(0xB, `sync /api`)
		if stale {
			h.ops[i].Zxid = 1 // served by a server still at the create
		}
		r := apiVerdict(t, h.ops)
		if got := r.Counts["anomalies:stale-sync"] > 0; got != stale {
			t.Errorf("stale=%v: %s", stale, r)
		}
	}
}

// Persistent watches stay armed and are owed one event per change they
// cover; a recursive one covers the subtree but never NodeChildrenChanged;
// removeWatches answers OK for a watch the session holds and NOWATCHER for
// one it does not.
func TestAPIPersistentWatches(t *testing.T) {
	const a, b = 0xA, 0xB
	build := func() (*apiHB, map[string]int) {
		h := newAPIHB(t)
		at := map[string]int{}
		h.call(a, `create /api "" persistent`)
		h.call(b, `addWatch /api persistent-recursive`)
		h.call(a, `create /api/x "1" persistent`)
		at["created"] = h.event(b, model.EventNodeCreated, "/api/x")
		h.call(a, `setData /api/x "2" -1`)
		at["changed"] = h.event(b, model.EventNodeDataChanged, "/api/x")
		h.call(a, `setData /api/x "3" -1`)
		at["changed2"] = h.event(b, model.EventNodeDataChanged, "/api/x")
		at["read"] = h.call(b, `getData /api/x`)
		at["remove"] = h.call(b, `removeWatches /api persistent-recursive`)
		h.call(a, `delete /api/x -1`) // no watch left: no event owed
		h.noWatcher[b] = "NOWATCHER"
		at["remove-again"] = h.call(b, `removeWatches /api any`)
		h.call(b, `getData /api`)
		return h, at
	}
	h, _ := build()
	if r := apiVerdict(t, h.ops); r.Valid != checker.Valid {
		t.Fatalf("good history: %s", r)
	}
	for _, tc := range []struct {
		name, kind string
		breakIt    func(h *apiHB, at map[string]int) []history.Op
	}{
		{"second data change lost", "missed-watch-event", func(h *apiHB, at map[string]int) []history.Op {
			return h.without(at["changed2"]-1, at["changed2"])
		}},
		{"children event on a recursive watch", "unexpected-watch-event", func(h *apiHB, at map[string]int) []history.Op {
			for _, i := range []int{at["created"] - 1, at["created"]} {
				h.ops[i].Value = checkertest.MustJSON(APIEvent{Event: model.EventNodeChildrenChanged, Path: "/api"})
			}
			return h.ops
		}},
		{"removed twice, OK both times", "wrong-remove-watches", func(h *apiHB, at map[string]int) []history.Op {
			i := at["remove-again"]
			h.ops[i].Type, h.ops[i].Error = history.OK, ""
			h.edit(i, func(r *APIResult) { r.Err = "" })
			return h.ops
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, at := build()
			r := apiVerdict(t, tc.breakIt(h, at))
			if r.Counts["anomalies:"+tc.kind] == 0 {
				t.Fatalf("want a %s anomaly, got %s", tc.kind, r)
			}
		})
	}
}

// A data and a child watch armed before a reconnect, and a delete after it
// (and after an answer): one NodeDeleted event fires both, as usual.
func TestAPIOneDeleteEventAfterReconnect(t *testing.T) {
	const a, b = 0xA, 0xB
	h := newAPIHB(t)
	h.call(a, `create /api "" persistent`)
	h.call(a, `create /api/x "" persistent`)
	h.call(b, `getData /api/x watch`)
	h.call(b, `getChildren /api/x watch`)
	h.state(b, "disconnected")
	h.state(b, "connected")
	h.call(b, `getData /api`)
	h.call(a, `delete /api/x -1`)
	h.event(b, model.EventNodeDeleted, "/api/x")
	h.call(b, `getData /api`)
	if r := apiVerdict(t, h.ops); r.Valid != checker.Valid {
		t.Fatalf("one NodeDeleted after the reconnect settled: %s", r)
	}
}

// ZOOKEEPER-1208's symptom: a change of a session committed after the
// session's close (an ephemeral that outlives its owner). A refusal
// (SESSIONEXPIRED error txn) is what ZooKeeper commits instead.
func TestAPIWriteAfterClose(t *testing.T) {
	for _, refused := range []bool{false, true} {
		h := newAPIHB(t)
		h.call(0xA, `create /api "" persistent`)
		h.closeSession(0xA)
		i := h.call(0xA, `create /api/e "" ephemeral`)
		if refused {
			h.ops[i-1].Value = checkertest.MustJSON(history.TxnValue{Type: "error", Cxid: 2, Err: "SESSIONEXPIRED"})
			h.ops[i].Type, h.ops[i].Error = history.Info, "SESSIONEXPIRED"
			h.edit(i, func(r *APIResult) { *r = APIResult{Err: "SESSIONEXPIRED"} })
		}
		r := Check(h.ops)
		if got := r.Counts["anomalies:write-after-close"] > 0; got == refused {
			t.Errorf("refused=%v: %s", refused, r)
		}
	}
}

// After a reconnect, the session's own delete is its first request: its
// txn comes after SetWatches, so the one NodeDeleted it fires (before the
// reply) covers both watches (explore seed 268).
func TestAPIOwnDeleteFirstAfterReconnect(t *testing.T) {
	const b = 0xB
	h := newAPIHB(t)
	h.call(b, `create /api "" persistent`)
	h.call(b, `create /api/x "" persistent`)
	h.call(b, `getData /api/x watch`)
	h.call(b, `getChildren /api/x watch`)
	h.state(b, "disconnected")
	h.state(b, "connected")
	// The delete's txn, its event, then its reply.
	i := h.call(b, `delete /api/x -1`)
	ev := h.event(b, model.EventNodeDeleted, "/api/x")
	ops := slices.Clone(h.ops)
	ops = slices.Insert(slices.Delete(ops, ev-1, ev+1), i, h.ops[ev-1], h.ops[ev])
	for k := range ops {
		ops[k].Index = k
	}
	h.ops = ops
	h.call(b, `getData /api`)
	if r := apiVerdict(t, h.ops); r.Valid != checker.Valid {
		t.Fatalf("own delete after the reconnect: %s", r)
	}
}

package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// api drives random operations over the whole client API on a small tree
// under /api, so that operations of different sessions collide: every create
// mode, delete and setData with right and wrong versions, reads with
// one-shot data, exist and child watches, getAllChildrenNumber,
// getEphemerals, multi and multiRead, sync, and session closes. It records
// every op with its text form (APIOp), its xid and the server's
// whole answer, and every watch event and session state change, so the api
// checker can replay the quorum's committed txns through the reference spec
// and hold each answer and event to it. Nothing is set up in advance: /api
// itself is created, deleted and re-created by the operations.
type api struct {
	// seen holds recently created sequential names, so later operations
	// can name them (a ring of apiSeen).
	seen []string
	next int
	// versions is the last version this worker saw per path: versioned
	// deletes and setData use it (and sometimes one past it).
	versions map[string]int32
	// final is the final phase's next step.
	finalStep int
	// lanes counts the pipelined ops so far (each took a process number).
	lanes int
	// n numbers the operations drawn, from 1 (a pipelined group is one),
	// for workloads.WorkerConfig.SkipOps and the records' "n".
	n int
}

// apiPaths is the tree the api workers share.
var apiPaths = []string{"/api", "/api/a", "/api/b", "/api/c", "/api/a/x", "/api/a/y", "/api/b/x", "/api/c/x"}

// apiSeqParents are where sequential nodes go.
var apiSeqParents = []string{"/api/a", "/api/b"}

const apiSeen = 8

func newAPI(int, workloads.WorkerConfig) workloads.Driver { return &api{versions: map[string]int32{}} }

func (*api) Setup() []workloads.Znode { return nil }

// apiClient is the part of zabsim's deterministic client the api workload
// needs beyond workloads.Client: any request.
type apiClient interface {
	Do(req wire.Request, opts client.OpOptions, cb func(client.Result))
}

func (a *api) Event(b *workloads.Base, ev client.Event) {
	v, node := APIEvent{}, ""
	switch ev.Kind {
	case client.EventWatch:
		v.Event, v.Path, node = ev.Type.String(), ev.Path, ev.Server
	case client.EventConnected, client.EventDisconnected, client.EventExpired, client.EventClosed:
		v.State = ev.Kind.String() // the client's own news: no server answered
	case client.EventProtocolError:
		v.State, v.Detail, node = ev.Kind.String(), ev.Detail, ev.Server
	default:
		return
	}
	b.Notify(b.Encode(v), ev.SessionID, node, ev.Zxid)
}

func (a *api) Step(b *workloads.Base) {
	for range maxSkipRun {
		ops, piped := a.drawStep(b)
		a.n++
		n := a.n
		if workloads.Skipped(b.Config().SkipOps, n) {
			continue // drawn, not done: the shrinker cut it
		}
		if !piped {
			a.run(b, 0, n, ops[0], b.IdleFunc())
			return
		}
		left := len(ops)
		then := func() {
			if left--; left == 0 {
				b.Idle()
			}
		}
		for _, op := range ops {
			a.lanes++
			a.run(b, b.EventProcess()-b.Config().Workers*a.lanes, n, op, then)
		}
		return
	}
	b.Idle() // a long skipped stretch: go on after a think time
}

// maxSkipRun bounds how many skipped operations one step draws in a row.
const maxSkipRun = 1000

// maxLanes bounds the pipelined ops of one incarnation: their process
// numbers count down from the event process and must never meet the
// numbers the worker's info completions retire upwards.
const maxLanes = workloads.IncarnationStride / 4

// drawStep draws the worker's next operation: one op, or (one time in ten)
// two to four ops on one path to send back to back without waiting for
// answers (writes and reads interleaved), as clients that pipeline do:
// ZooKeeper answers a session's requests in order, and a read sent after a
// write of the same session sees it.
func (a *api) drawStep(b *workloads.Base) ([]APIOp, bool) {
	if b.Env().Rand().IntN(10) != 0 || a.lanes >= maxLanes {
		return []APIOp{a.draw(b)}, false
	}
	p := a.path(b)
	n := 2 + b.Env().Rand().IntN(3)
	ops := make([]APIOp, 0, n)
	for i := range n {
		var op APIOp
		switch r := b.Env().Rand().IntN(6); {
		case i%2 == 1 && r < 3:
			op = APIOp{Kind: APIGetData, Path: p}
		case i%2 == 1 && r < 5:
			op = APIOp{Kind: APIExists, Path: p}
		case i%2 == 1:
			op = APIOp{Kind: APIGetChildren2, Path: parentPath(p)}
			if op.Path == "/" { // outside the api tree: other workloads' nodes live there
				op.Path = p
			}
		case r < 3:
			op = APIOp{Kind: APISetData, Path: p, Data: a.data(b), Version: -1}
		case r < 5:
			op = APIOp{Kind: APICreate, Path: p, Data: a.data(b), Mode: "persistent"}
		default:
			op = APIOp{Kind: APIDelete, Path: p, Version: -1}
		}
		ops = append(ops, op)
	}
	return ops, true
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}

// run performs op on the current client, records it, then calls then.
// lane 0 is the worker's own process (the base's open op); any other
// number is a pipelined op's own process.
func (a *api) run(b *workloads.Base, lane, n int, op APIOp, then func()) {
	cl := b.Client()
	v := APIValue{Op: op.String(), N: n}
	if lane == 0 {
		b.SetOpClient(cl)
		b.Invoke(FAPI, v)
		b.SetOpClient(nil)
	} else {
		b.Env().Emit(history.Op{Process: lane, Type: history.Invoke, F: FAPI, Value: b.Encode(v), Session: cl.SessionID()})
	}
	if op.Kind == APIClose {
		b.Retire()
		cl.Close(func(res client.Result) { a.done(b, lane, cl, op, res, then) })
		b.StartClient()
		return
	}
	dc, ok := cl.(apiClient)
	if !ok {
		b.Env().Logf("workloads: %s: the api workload needs zabsim's own client", b.Name())
		if lane == 0 {
			b.Complete(history.Fail, nil, nil, "unsupported")
		}
		return // the worker stays idle: no more ops
	}
	dc.Do(apiRequest(op), client.OpOptions{}, func(res client.Result) { a.done(b, lane, cl, op, res, then) })
}

// done records op's completion: ok, fail with the server's error, or info
// when no answer came.
func (a *api) done(b *workloads.Base, lane int, cl workloads.Client, op APIOp, res client.Result, then func()) {
	v := APIValue{Op: op.String(), Session: cl.SessionID(), Xid: res.Xid}
	t := history.Info
	if res.Server != "" && !res.Indeterminate() {
		v.Result = apiResult(res.Err, res)
		t = history.OK
		if res.Err != wire.ErrOK {
			t = history.Fail
			if op.IsWrite() {
				t = workloads.WriteOutcome(res) // SESSIONEXPIRED and the like: maybe applied
			}
		}
		a.learn(v.Result, op)
	}
	if lane == 0 {
		b.SetOpClient(cl)
		b.Complete(t, v, &res, "")
		b.SetOpClient(nil)
	} else {
		rec := history.Op{Process: lane, Type: t, F: FAPI, Value: b.Encode(v), Session: v.Session, Node: res.Server, Zxid: res.Zxid}
		if t != history.OK && res.Err != wire.ErrOK {
			rec.Error = workloads.ErrorName(res.Err)
		}
		b.Env().Emit(rec)
	}
	then()
}

// learn keeps the versions and sequential names an answer showed.
func (a *api) learn(r *APIResult, op APIOp) {
	if r.Stat != nil {
		a.versions[op.Path] = r.Stat.Version
	}
	if op.Kind == APICreate && r.Path != "" && r.Path != op.Path {
		if len(a.seen) < apiSeen {
			a.seen = append(a.seen, r.Path)
		} else {
			a.seen[a.next%apiSeen] = r.Path
		}
		a.next++
	}
}

// draw picks the next operation from the seeded stream.
func (a *api) draw(b *workloads.Base) APIOp {
	r := b.Env().Rand().IntN(100)
	switch {
	case r < 20:
		return a.drawCreate(b)
	case r < 31:
		return APIOp{Kind: APIDelete, Path: a.path(b), Version: a.version(b, "")}
	case r < 46:
		p := a.path(b)
		return APIOp{Kind: APISetData, Path: p, Data: a.data(b), Version: a.version(b, p)}
	case r < 57:
		return APIOp{Kind: APIGetData, Path: a.path(b), Watch: b.Env().Rand().IntN(2) == 0}
	case r < 65:
		return APIOp{Kind: APIExists, Path: a.path(b), Watch: b.Env().Rand().IntN(2) == 0}
	case r < 75:
		kind := APIGetChildren
		if b.Env().Rand().IntN(2) == 0 {
			kind = APIGetChildren2
		}
		return APIOp{Kind: kind, Path: a.path(b), Watch: b.Env().Rand().IntN(2) == 0}
	case r < 78:
		return APIOp{Kind: APIGetAllChildrenNumber, Path: a.path(b)}
	case r < 81:
		return APIOp{Kind: APIGetEphemerals, Path: a.pick(b, []string{"/", "/api", "/api/a", "/api/b/"})}
	case r < 84:
		return APIOp{Kind: APISync, Path: a.path(b)}
	case r < 91:
		return a.drawMulti(b)
	case r < 94:
		return a.drawMultiRead(b)
	case r < 97:
		return APIOp{Kind: APIAddWatch, Path: a.pick(b, []string{"/api", "/api", "/api/a", "/api/b/x"}),
			Mode: a.pick(b, APIWatchModes)}
	case r < 99:
		return APIOp{Kind: APIRemoveWatches, Path: a.path(b), Mode: a.pick(b, APIWatcherTypes)}
	default:
		return APIOp{Kind: APIClose}
	}
}

func (a *api) drawCreate(b *workloads.Base) APIOp {
	op := APIOp{Kind: APICreate, Data: a.data(b)}
	switch r := b.Env().Rand().IntN(100); {
	case r < 40:
		op.Mode = "persistent"
	case r < 65:
		op.Mode = "ephemeral"
	case r < 75:
		op.Mode = "persistent-sequential"
	case r < 90:
		op.Mode = "ephemeral-sequential"
	default:
		op.Mode = "container"
	}
	if op.Mode == "persistent-sequential" || op.Mode == "ephemeral-sequential" {
		op.Path = a.pick(b, apiSeqParents) + "/q-"
	} else {
		op.Path = a.path(b)
	}
	return op
}

func (a *api) drawMulti(b *workloads.Base) APIOp {
	n := 2 + b.Env().Rand().IntN(3)
	op := APIOp{Kind: APIMulti}
	for range n {
		p := a.path(b)
		var sub APIOp
		switch b.Env().Rand().IntN(4) {
		case 0:
			sub = APIOp{Kind: APICreate, Path: p, Data: a.data(b), Mode: a.pick(b, []string{"persistent", "ephemeral"})}
		case 1:
			sub = APIOp{Kind: APIDelete, Path: p, Version: a.version(b, p)}
		case 2:
			sub = APIOp{Kind: APISetData, Path: p, Data: a.data(b), Version: a.version(b, p)}
		default:
			sub = APIOp{Kind: APICheck, Path: p, Version: a.version(b, p)}
		}
		op.Ops = append(op.Ops, sub)
	}
	return op
}

func (a *api) drawMultiRead(b *workloads.Base) APIOp {
	n := 2 + b.Env().Rand().IntN(2)
	op := APIOp{Kind: APIMultiRead}
	for range n {
		kind := APIGetData
		if b.Env().Rand().IntN(2) == 0 {
			kind = APIGetChildren
		}
		op.Ops = append(op.Ops, APIOp{Kind: kind, Path: a.path(b)})
	}
	return op
}

// path draws a path: mostly the shared tree, sometimes a sequential name
// seen lately.
func (a *api) path(b *workloads.Base) string {
	if len(a.seen) > 0 && b.Env().Rand().IntN(10) < 3 {
		return a.pick(b, a.seen)
	}
	return a.pick(b, apiPaths)
}

func (a *api) pick(b *workloads.Base, from []string) string {
	return from[b.Env().Rand().IntN(len(from))]
}

func (a *api) data(b *workloads.Base) string { return fmt.Sprintf("d%d", b.Unique()) }

// version draws an expected version: any (-1), the last one seen, or one
// past it (to provoke BADVERSION).
func (a *api) version(b *workloads.Base, p string) int32 {
	switch r := b.Env().Rand().IntN(10); {
	case r < 4 || p == "":
		return -1
	case r < 8:
		return a.versions[p]
	default:
		return a.versions[p] + 1
	}
}

// final reads the whole shared tree once more in the healed phase: a sync,
// then getData and getChildren2 of every shared path.
func (a *api) Final(b *workloads.Base, done func()) {
	var steps []APIOp
	steps = append(steps, APIOp{Kind: APISync, Path: "/api"})
	for _, p := range apiPaths {
		steps = append(steps, APIOp{Kind: APIGetData, Path: p}, APIOp{Kind: APIGetChildren2, Path: p})
	}
	var next func()
	next = func() {
		if a.finalStep == len(steps) || b.Client() == nil {
			done()
			return
		}
		a.finalStep++
		a.run(b, 0, 0, steps[a.finalStep-1], next) // final reads carry no number
	}
	next()
}

// apiRequest is op's request on the wire. Creates other than containers go
// as create2, whose answer carries the new node's Stat.
func apiRequest(op APIOp) wire.Request {
	switch op.Kind {
	case APICreate:
		cr := wire.CreateRequest{Path: op.Path, Data: []byte(op.Data), ACL: wire.OpenACLUnsafe, Flags: apiFlags(op.Mode)}
		if op.Mode == "container" {
			return &wire.CreateContainerRequest{CreateRequest: cr}
		}
		return &wire.Create2Request{CreateRequest: cr}
	case APIDelete:
		return &wire.DeleteRequest{Path: op.Path, Version: op.Version}
	case APISetData:
		return &wire.SetDataRequest{Path: op.Path, Data: []byte(op.Data), Version: op.Version}
	case APICheck:
		return &wire.CheckVersionRequest{Path: op.Path, Version: op.Version}
	case APIExists:
		return &wire.ExistsRequest{Path: op.Path, Watch: op.Watch}
	case APIGetData:
		return &wire.GetDataRequest{Path: op.Path, Watch: op.Watch}
	case APIGetChildren:
		return &wire.GetChildrenRequest{Path: op.Path, Watch: op.Watch}
	case APIGetChildren2:
		return &wire.GetChildren2Request{GetChildrenRequest: wire.GetChildrenRequest{Path: op.Path, Watch: op.Watch}}
	case APIGetAllChildrenNumber:
		return &wire.GetAllChildrenNumberRequest{Path: op.Path}
	case APIGetEphemerals:
		return &wire.GetEphemeralsRequest{PrefixPath: op.Path}
	case APISync:
		return &wire.SyncRequest{Path: op.Path}
	case APIAddWatch:
		return &wire.AddWatchRequest{Path: op.Path, Mode: int32(slices.Index(APIWatchModes, op.Mode))}
	case APIRemoveWatches:
		return &wire.RemoveWatchesRequest{Path: op.Path, Type: int32(slices.Index(APIWatcherTypes, op.Mode)) + 1}
	case APIMulti, APIMultiRead:
		subs := make([]wire.Request, len(op.Ops))
		for i, sub := range op.Ops {
			if sub.Kind == APICreate { // plain create inside a multi: its result is the path
				subs[i] = &wire.CreateRequest{Path: sub.Path, Data: []byte(sub.Data), ACL: wire.OpenACLUnsafe, Flags: apiFlags(sub.Mode)}
				continue
			}
			subs[i] = apiRequest(sub)
		}
		if op.Kind == APIMulti {
			return &wire.MultiRequest{Ops: subs}
		}
		return &wire.MultiReadRequest{Ops: subs}
	}
	return nil // the client refuses a nil request with BADARGUMENTS
}

func apiFlags(mode string) int32 {
	for i, m := range APIModes {
		if m == mode {
			return int32(i)
		}
	}
	return 0
}

// apiResult is the recorded form of an answer.
func apiResult(code wire.Err, res client.Result) *APIResult {
	r := &APIResult{}
	if code != wire.ErrOK {
		r.Err = code.Name()
	}
	r.Path, r.Children = res.Path, res.Children
	if res.Op == wire.OpGetEphemerals {
		r.Children = res.Ephemerals
	}
	if res.Op == wire.OpGetData && code == wire.ErrOK {
		d := string(res.Data)
		r.Data = &d
	}
	if res.Op == wire.OpGetAllChildrenNumber && code == wire.ErrOK {
		n := res.Number
		r.Number = &n
	}
	r.Stat = apiStat(res.Stat)
	for _, m := range res.Multi {
		sub := APIResult{Path: m.Path, Children: m.Children, Stat: apiStat(m.Stat)}
		if m.Err != wire.ErrOK {
			sub.Err = m.Err.Name()
		}
		if m.Op == wire.OpGetData && m.Err == wire.ErrOK {
			d := string(m.Data)
			sub.Data = &d
		}
		r.Results = append(r.Results, sub)
	}
	return r
}

func apiStat(s *wire.Stat) *APIStat {
	if s == nil {
		return nil
	}
	return &APIStat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner, DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: s.Pzxid}
}

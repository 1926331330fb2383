package crosscheck

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/server/wire"
)

// xTarget is one server under cross-check: two actors (A and B), each a
// go-zookeeper session and a raw session that share their authentication,
// and the watches the go-zookeeper sessions set.
type xTarget struct {
	name      string
	zk        [2]*zk.Conn
	raw       [2]*zkclient.RawClient
	rr        replyRenderer
	watches   []*xWatch
	ioTimeout time.Duration
}

// xWatch is one one-shot watch a go-zookeeper read set.
type xWatch struct {
	desc   string // the op that set it
	client int
	ch     <-chan zk.Event
	got    []string
	closed bool
}

func openXTarget(name, addr string, ioTimeout time.Duration) (*xTarget, error) {
	tg := &xTarget{name: name, rr: newReplyRenderer(), ioTimeout: ioTimeout}
	for i := range 2 {
		label := string(rune('A' + i))
		c, err := dialGoZK(addr, ioTimeout)
		if err != nil {
			tg.close()
			return nil, fmt.Errorf("live: cross-check: %s: %w", name, err)
		}
		tg.zk[i] = c
		tg.rr.labels[c.SessionID()] = label
		raw, err := zkclient.DialRaw(addr, diffSessionTimeoutMS, 0, nil, ioTimeout)
		if err != nil {
			tg.close()
			return nil, fmt.Errorf("live: cross-check: %s: %w", name, err)
		}
		tg.raw[i] = raw
		tg.rr.labels[raw.SessionID] = label + "(raw)"
	}
	return tg, nil
}

// dialGoZK opens a go-zookeeper session and waits until it is established.
func dialGoZK(addr string, timeout time.Duration) (*zk.Conn, error) {
	c, events, err := zk.Connect([]string{addr}, diffSessionTimeoutMS*time.Millisecond, zk.WithLogInfo(false), zk.WithLogger(zkclient.QuietLogger{}))
	if err != nil {
		return nil, err
	}
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c, nil
			}
		case <-deadline:
			c.Close()
			return nil, fmt.Errorf("no go-zookeeper session with %s within %v", addr, timeout)
		}
	}
}

func (tg *xTarget) close() {
	for i := range 2 {
		if tg.zk[i] != nil {
			tg.zk[i].Close()
		}
		if tg.raw[i] != nil {
			tg.raw[i].Abort()
		}
	}
}

func closeXTargets(ts []*xTarget) {
	for _, tg := range ts {
		if tg != nil {
			tg.close()
		}
	}
}

// run executes op and renders its outcome; zkUsed says whether
// go-zookeeper carried it.
func (tg *xTarget) run(i int, op diffOp) (out string, zkUsed bool, err error) {
	if tg.zk[op.client] == nil {
		return "client closed", false, nil
	}
	out, zkUsed, err = tg.viaGoZK(i, op)
	if err == nil && !zkUsed {
		out, err = tg.viaRaw(op)
	}
	tg.drainWatches()
	return out, zkUsed, err
}

// viaRaw sends op on the actor's raw session, rendered as the differential
// test renders it.
func (tg *xTarget) viaRaw(op diffOp) (string, error) {
	c := tg.raw[op.client]
	hdr, resp, err := c.Call(op.req)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(hdr.Err.Name())
	if op.req.Op() != wire.OpAuth {
		fmt.Fprintf(&b, " zxid=%s", tg.rr.zxid(hdr.Zxid))
	}
	if resp != nil {
		b.WriteString(" " + tg.rr.body(resp))
	}
	for _, ev := range c.Events {
		fmt.Fprintf(&b, " event(%c(raw) %v %s)", 'A'+op.client, ev.Type, ev.Path)
	}
	c.Events = nil
	return b.String(), nil
}

// viaGoZK carries op through go-zookeeper when it can express it (used
// false otherwise).
func (tg *xTarget) viaGoZK(i int, op diffOp) (out string, used bool, err error) {
	c, rr := tg.zk[op.client], &tg.rr
	switch q := op.req.(type) {
	case *wire.CreateRequest:
		p, err := c.Create(q.Path, q.Data, q.Flags, zkACLs(q.ACL))
		return tg.result(err, func() string { return "path=" + p })
	case *wire.CreateContainerRequest:
		p, err := c.CreateContainer(q.Path, q.Data, q.Flags, zkACLs(q.ACL))
		return tg.result(err, func() string { return "path=" + p })
	case *wire.CreateTTLRequest:
		if q.Flags != wire.FlagPersistentWithTTL && q.Flags != wire.FlagPersistentSequentialWithTTL {
			return "", false, nil // go-zookeeper refuses other flags before sending
		}
		p, err := c.CreateTTL(q.Path, q.Data, q.Flags, zkACLs(q.ACL), time.Duration(q.TTLMS)*time.Millisecond)
		return tg.result(err, func() string { return "path=" + p })
	case *wire.DeleteRequest:
		return tg.result(c.Delete(q.Path, q.Version), func() string { return "" })
	case *wire.SetDataRequest:
		st, err := c.Set(q.Path, q.Data, q.Version)
		return tg.result(err, func() string { return rr.stat(wireStat(st)) })
	case *wire.ExistsRequest:
		return tg.exists(i, op.client, q)
	case *wire.GetDataRequest:
		return tg.getData(i, op.client, q)
	case *wire.GetChildrenRequest:
		return tg.children(i, op.client, q.Path, q.Watch, false)
	case *wire.GetChildren2Request:
		return tg.children(i, op.client, q.Path, q.Watch, true)
	case *wire.GetACLRequest:
		acl, st, err := c.GetACL(q.Path)
		return tg.result(err, func() string { return fmt.Sprintf("acl=%+v %s", wireACLs(acl), rr.stat(wireStat(st))) })
	case *wire.SetACLRequest:
		st, err := c.SetACL(q.Path, zkACLs(q.ACL), q.Version)
		return tg.result(err, func() string { return rr.stat(wireStat(st)) })
	case *wire.SyncRequest:
		p, err := c.Sync(q.Path)
		return tg.result(err, func() string { return "path=" + p })
	case *wire.AuthRequest:
		return tg.auth(op.client, q)
	case *wire.MultiRequest:
		return tg.multi(op.client, q)
	case *wire.CloseSessionRequest:
		c.Close() // waits for the server's reply (up to a second)
		tg.zk[op.client] = nil
		err := tg.raw[op.client].Close()
		tg.raw[op.client] = nil
		return tg.result(err, func() string { return "closed" })
	}
	return "", false, nil
}

func (tg *xTarget) exists(i, client int, q *wire.ExistsRequest) (string, bool, error) {
	c := tg.zk[client]
	var ok bool
	var st *zk.Stat
	var err error
	if q.Watch {
		var ch <-chan zk.Event
		ok, st, ch, err = c.ExistsW(q.Path)
		tg.watch(i, client, "exists "+q.Path, ch)
	} else {
		ok, st, err = c.Exists(q.Path)
	}
	if err == nil && !ok { // go-zookeeper answers NONODE as (false, nil)
		err = zk.ErrNoNode
	}
	return tg.result(err, func() string { return tg.rr.stat(wireStat(st)) })
}

func (tg *xTarget) getData(i, client int, q *wire.GetDataRequest) (string, bool, error) {
	c := tg.zk[client]
	var data []byte
	var st *zk.Stat
	var err error
	if q.Watch {
		var ch <-chan zk.Event
		data, st, ch, err = c.GetW(q.Path)
		tg.watch(i, client, "getData "+q.Path, ch)
	} else {
		data, st, err = c.Get(q.Path)
	}
	return tg.result(err, func() string { return fmt.Sprintf("data=%s %s", quoteNil(data), tg.rr.stat(wireStat(st))) })
}

// children serves getChildren and getChildren2 alike: go-zookeeper always
// sends getChildren2; a getChildren op renders the children only.
func (tg *xTarget) children(i, client int, path string, watch, withStat bool) (string, bool, error) {
	c := tg.zk[client]
	var kids []string
	var st *zk.Stat
	var err error
	if watch {
		var ch <-chan zk.Event
		kids, st, ch, err = c.ChildrenW(path)
		tg.watch(i, client, "getChildren "+path, ch)
	} else {
		kids, st, err = c.Children(path)
	}
	return tg.result(err, func() string {
		out := "children=" + sortedList(nonNil(kids))
		if withStat {
			out += " " + tg.rr.stat(wireStat(st))
		}
		return out
	})
}

// nonNil: go-zookeeper decodes an empty vector as nil; the null/empty
// distinction is the raw path's to check.
func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// auth adds the identity to both of the actor's sessions, so the raw one
// keeps the go-zookeeper one's rights.
func (tg *xTarget) auth(client int, q *wire.AuthRequest) (string, bool, error) {
	zkErr := tg.zk[client].AddAuth(q.Scheme, q.Auth)
	hdr, _, err := tg.raw[client].Call(q)
	if err != nil {
		return "", true, err
	}
	out, used, err := tg.result(zkErr, func() string { return "" })
	return out + " raw=" + hdr.Err.Name(), used, err
}

// multi sends a multi through go-zookeeper when every op is one it can
// put in a multi (plain create, delete, setData, check).
func (tg *xTarget) multi(client int, q *wire.MultiRequest) (string, bool, error) {
	ops := make([]any, len(q.Ops))
	for k, op := range q.Ops {
		switch o := op.(type) {
		case *wire.CreateRequest:
			ops[k] = &zk.CreateRequest{Path: o.Path, Data: o.Data, Acl: zkACLs(o.ACL), Flags: o.Flags}
		case *wire.DeleteRequest:
			ops[k] = &zk.DeleteRequest{Path: o.Path, Version: o.Version}
		case *wire.SetDataRequest:
			ops[k] = &zk.SetDataRequest{Path: o.Path, Data: o.Data, Version: o.Version}
		case *wire.CheckVersionRequest:
			ops[k] = &zk.CheckVersionRequest{Path: o.Path, Version: o.Version}
		default:
			return "", false, nil
		}
	}
	res, err := tg.zk[client].Multi(ops...)
	return tg.result(err, func() string { return tg.multiResults(q, res) })
}

func (tg *xTarget) multiResults(q *wire.MultiRequest, res []zk.MultiResponse) string {
	parts := make([]string, len(res))
	for k, r := range res {
		switch {
		case r.Error != nil:
			parts[k] = "error=" + zkErrName(r.Error)
		case k < len(q.Ops) && q.Ops[k].Op() == wire.OpSetData && r.Stat != nil:
			parts[k] = tg.rr.stat(wireStat(r.Stat))
		case r.String != "":
			parts[k] = "path=" + r.String
		default:
			parts[k] = "ok"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// result renders an outcome: the error code, or OK and body(). A client
// failure (connection lost) ends the run instead.
func (tg *xTarget) result(err error, body func() string) (string, bool, error) {
	if err == nil {
		if b := body(); b != "" {
			return "OK " + b, true, nil
		}
		return "OK", true, nil
	}
	if isClientFailure(err) {
		return "", true, err
	}
	return zkErrName(err), true, nil
}

// isClientFailure tells a broken connection (the run cannot go on) from
// an answer.
func isClientFailure(err error) bool {
	for _, e := range []error{zk.ErrConnectionClosed, zk.ErrNoServer, zk.ErrClosing} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// zkErrCodes maps go-zookeeper's errors back to the server's codes.
var zkErrCodes = map[error]wire.Err{
	zk.ErrAPIError: wire.ErrAPIError, zk.ErrNoNode: wire.ErrNoNode, zk.ErrNoAuth: wire.ErrNoAuth,
	zk.ErrBadVersion: wire.ErrBadVersion, zk.ErrNoChildrenForEphemerals: wire.ErrNoChildrenForEphemerals,
	zk.ErrNodeExists: wire.ErrNodeExists, zk.ErrNotEmpty: wire.ErrNotEmpty, zk.ErrSessionExpired: wire.ErrSessionExpired,
	zk.ErrInvalidACL: wire.ErrInvalidACL, zk.ErrAuthFailed: wire.ErrAuthFailed, zk.ErrSessionMoved: wire.ErrSessionMoved,
	zk.ErrReconfigDisabled: wire.ErrReconfigDisabled, zk.ErrBadArguments: wire.ErrBadArguments,
}

// zkErrName names the server's code behind a go-zookeeper error; codes
// go-zookeeper has no error for arrive as "unknown error: N".
func zkErrName(err error) string {
	for e, code := range zkErrCodes {
		if errors.Is(err, e) {
			return code.Name()
		}
	}
	if n, ok := strings.CutPrefix(err.Error(), "unknown error: "); ok {
		if code, perr := strconv.Atoi(n); perr == nil {
			return wire.Err(code).Name()
		}
	}
	return "client-error(" + err.Error() + ")"
}

func (tg *xTarget) watch(i, client int, what string, ch <-chan zk.Event) {
	if ch == nil { // the read failed: no watch was set
		return
	}
	tg.watches = append(tg.watches, &xWatch{desc: fmt.Sprintf("op %d %c %s", i, 'A'+client, what), client: client, ch: ch})
}

// drainWatches records events that have arrived, without waiting.
func (tg *xTarget) drainWatches() {
	for _, w := range tg.watches {
		w.drain()
	}
}

func (w *xWatch) drain() {
	for !w.closed {
		select {
		case ev, ok := <-w.ch:
			w.record(ev, ok)
		default:
			return
		}
	}
}

// record notes one receive from the watch's channel (go-zookeeper closes
// it after the one event).
func (w *xWatch) record(ev zk.Event, ok bool) {
	if !ok {
		w.closed = true
		return
	}
	w.got = append(w.got, fmt.Sprintf("%v %s", ev.Type, ev.Path))
}

// watchOutcomes flushes every open session (a sync's reply follows every
// event the server sent that session before it), waits for the watches of
// closed sessions to be cancelled, and lists what each watch received.
func (tg *xTarget) watchOutcomes() ([]string, error) {
	for i, c := range tg.zk {
		if c == nil {
			continue
		}
		if _, err := c.Sync("/"); err != nil {
			return nil, fmt.Errorf("live: cross-check: %s: final sync of %c: %w", tg.name, 'A'+i, err)
		}
	}
	deadline := time.After(tg.ioTimeout)
	for _, w := range tg.watches {
		if tg.zk[w.client] != nil || w.closed {
			continue
		}
		for !w.closed { // go-zookeeper ends a closed session's watches with EventNotWatching
			select {
			case ev, ok := <-w.ch:
				w.record(ev, ok)
			case <-deadline:
				return nil, fmt.Errorf("live: cross-check: %s: watch %s still open %v after its session closed", tg.name, w.desc, tg.ioTimeout)
			}
		}
	}
	tg.drainWatches()
	out := make([]string, len(tg.watches))
	for k, w := range tg.watches {
		got := "none"
		if len(w.got) > 0 {
			got = strings.Join(w.got, ", ")
		}
		out[k] = w.desc + ": " + got
	}
	return out, nil
}

func zkACLs(acl []wire.ACL) []zk.ACL {
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

func wireACLs(acl []zk.ACL) []wire.ACL {
	out := make([]wire.ACL, len(acl))
	for i, a := range acl {
		out[i] = wire.ACL{Perms: a.Perms, ID: wire.ID{Scheme: a.Scheme, ID: a.ID}}
	}
	return out
}

func wireStat(s *zk.Stat) wire.Stat {
	if s == nil {
		return wire.Stat{}
	}
	return wire.Stat{
		Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version, Cversion: s.Cversion,
		Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner, DataLength: s.DataLength, NumChildren: s.NumChildren, Pzxid: s.Pzxid,
	}
}

package client

import (
	"math"
	"strings"
	"time"

	"github.com/zabsim/zabsim/server/wire"
)

// OpOptions tune one op.
type OpOptions struct {
	// Timeout completes the op with ErrOperationTimeout (indeterminate) if no
	// reply came in time. 0 means Config.OpTimeout; negative means never.
	Timeout time.Duration
	_       struct{}
}

// Do submits any request the pending queue carries and calls cb exactly once
// with its outcome. Ping, auth, setWatches and closeSession have their own
// flows (pings are automatic; see AddAuth and Close) and are refused here with
// ErrBadArguments, as is a nil request.
func (c *Client) Do(req wire.Request, opts OpOptions, cb func(Result)) {
	c.do(&op{req: req, cb: cb}, opts)
}

// do is Do for an op whose req and cb are set.
func (c *Client) do(o *op, opts OpOptions) {
	req := o.req
	if req == nil {
		c.failSoon(o, wire.ErrBadArguments)
		return
	}
	switch req.Op() {
	case wire.OpPing, wire.OpAuth, wire.OpSetWatches, wire.OpSetWatches2, wire.OpCloseSession:
		c.failSoon(o, wire.ErrBadArguments)
		return
	}
	c.submit(o, opts.Timeout)
}

func (c *Client) submit(o *op, timeout time.Duration) {
	if c.closing != nil || c.state == StateExpired || c.state == StateClosed {
		// ZooKeeper's clients report SessionExpired for a dead handle.
		c.failSoon(o, wire.ErrSessionExpired)
		return
	}
	if timeout == 0 {
		timeout = c.cfg.OpTimeout
	}
	if c.env == nil { // before Start: the timer is armed by Start
		o.timeout = timeout
		c.queued = append(c.queued, o)
		return
	}
	c.armTimeout(o, timeout)
	if c.phase == connReady {
		c.sendOp(o)
	} else {
		c.queued = append(c.queued, o)
	}
}

// failSoon completes o with code from a zero-delay timer rather than on the
// caller's stack, so a callback that resubmits on failure cannot recurse.
func (c *Client) failSoon(o *op, code wire.Err) {
	o.failErr = code
	if c.env == nil { // before Start: Start completes it
		c.refusedEarly = append(c.refusedEarly, o)
		return
	}
	c.after(0, &timerTag{c: c, kind: timerFailSoon, op: o})
}

func (c *Client) armTimeout(o *op, timeout time.Duration) {
	if timeout > 0 {
		o.tag = timerTag{c: c, kind: timerOpTimeout, op: o}
		o.timer = c.after(timeout, &o.tag)
		o.hasTimer = true
	}
}

// opCode names the op in its Result (OpError for a nil request).
func (o *op) opCode() wire.OpCode {
	if o.req == nil {
		return wire.OpError
	}
	return o.req.Op()
}

func (c *Client) sendOp(o *op) {
	o.xid = c.takeXid()
	c.pending = append(c.pending, o)
	c.send(wire.EncodeRequest(o.xid, o.req))
}

// takeXid returns the next positive xid; negative xids are reserved for
// notifications, pings, auth and setWatches.
func (c *Client) takeXid() int32 {
	xid := c.nextXid
	if c.nextXid == math.MaxInt32 {
		c.nextXid = 1
	} else {
		c.nextXid++
	}
	return xid
}

// complete reports an op's outcome once. A timed-out op stays in the pending
// queue (its reply must still be matched) but reports nothing more.
func (c *Client) complete(o *op, res Result) {
	if o.done {
		return
	}
	o.done = true
	res.Xid = o.xid
	if o.hasTimer {
		c.env.Cancel(o.timer)
	}
	if o.cb != nil {
		o.cb(res)
	}
}

func (c *Client) onOpTimeout(o *op) {
	if o.done {
		return
	}
	for i, q := range c.queued {
		if q == o { // never sent: drop it so it is never sent late
			c.queued = append(c.queued[:i:i], c.queued[i+1:]...)
			break
		}
	}
	o.hasTimer = false
	c.complete(o, Result{Op: o.opCode(), Err: wire.ErrOperationTimeout})
	if o.isClose {
		c.finishClosed()
	}
}

// --- auth ---

// AddAuth adds credentials to the session (digest: "user:password"). They
// are sent now if connected and replayed on every reconnect; cb (may be nil)
// reports the first answer. A refused credential is dropped and reported as
// an EventAuthFailed.
func (c *Client) AddAuth(scheme string, auth []byte, cb func(Result)) {
	a := &authEntry{scheme: scheme, auth: append([]byte(nil), auth...), cb: cb}
	if c.closing != nil || c.state == StateExpired || c.state == StateClosed {
		c.reportAuth(a, Result{Op: wire.OpAuth, Err: wire.ErrSessionExpired})
		return
	}
	c.auths = append(c.auths, a)
	if c.phase == connReady {
		c.sendAuth(a)
	}
}

func (c *Client) sendAuth(a *authEntry) {
	c.authInFlight = append(c.authInFlight, a)
	c.send(wire.EncodeRequest(wire.XidAuth, &wire.AuthRequest{Type: 0, Scheme: a.scheme, Auth: a.auth}))
}

func (c *Client) onAuthReply(hdr wire.ReplyHeader) {
	if len(c.authInFlight) == 0 {
		c.lose(false, errProtocol)
		return
	}
	a := c.authInFlight[0]
	c.authInFlight = c.authInFlight[1:]
	if hdr.Err != wire.ErrOK {
		for i, x := range c.auths {
			if x == a {
				c.auths = append(c.auths[:i:i], c.auths[i+1:]...)
				break
			}
		}
		c.emit(EventAuthFailed)
	}
	c.reportAuth(a, Result{Op: wire.OpAuth, Err: hdr.Err, Zxid: hdr.Zxid, Server: c.server})
}

func (c *Client) reportAuth(a *authEntry, res Result) {
	if cb := a.cb; cb != nil {
		a.cb = nil
		cb(res)
	}
}

// --- close ---

// Close ends the session with closeSession, which deletes its ephemerals.
// cb (may be nil) reports the closeSession reply; ErrConnectionLoss means the
// server may not have closed the session (it will then expire). Ops
// submitted after Close fail with ErrSessionExpired.
func (c *Client) Close(cb func(Result)) {
	o := &op{req: &wire.CloseSessionRequest{}, cb: cb, isClose: true}
	if c.closing != nil || c.state == StateExpired || c.state == StateClosed {
		c.failSoon(o, wire.ErrSessionExpired)
		return
	}
	if c.phase != connReady {
		// No server to tell right now: the session will expire instead.
		c.finishClosed()
		c.closing = o
		c.failSoon(o, wire.ErrConnectionLoss)
		return
	}
	c.closing = o
	c.armTimeout(o, c.cfg.OpTimeout)
	c.sendOp(o)
}

// --- named operations (default timeout; use Do for another) ---

// Create creates a node; flags are wire.Flag* (not the TTL ones, see CreateTTL).
func (c *Client) Create(path string, data []byte, acl []wire.ACL, flags int32, cb func(Result)) {
	c.Do(&wire.CreateRequest{Path: path, Data: data, ACL: acl, Flags: flags}, OpOptions{}, cb)
}

// Create2 is Create whose result carries the new node's Stat.
func (c *Client) Create2(path string, data []byte, acl []wire.ACL, flags int32, cb func(Result)) {
	c.Do(&wire.Create2Request{CreateRequest: wire.CreateRequest{Path: path, Data: data, ACL: acl, Flags: flags}}, OpOptions{}, cb)
}

// CreateContainer creates a container node.
func (c *Client) CreateContainer(path string, data []byte, acl []wire.ACL, cb func(Result)) {
	c.Do(&wire.CreateContainerRequest{CreateRequest: wire.CreateRequest{Path: path, Data: data, ACL: acl, Flags: wire.FlagContainer}}, OpOptions{}, cb)
}

// CreateTTL creates a TTL node (flags FlagPersistentWithTTL or
// FlagPersistentSequentialWithTTL).
func (c *Client) CreateTTL(path string, data []byte, acl []wire.ACL, flags int32, ttl time.Duration, cb func(Result)) {
	c.Do(&wire.CreateTTLRequest{Path: path, Data: data, ACL: acl, Flags: flags, TTLMS: ttl.Milliseconds()}, OpOptions{}, cb)
}

// Delete deletes a node at version (-1 for any).
func (c *Client) Delete(path string, version int32, cb func(Result)) {
	c.Do(&wire.DeleteRequest{Path: path, Version: version}, OpOptions{}, cb)
}

// Exists reads a node's Stat (ErrNoNode if absent); watch arms a data watch
// if it exists and an exist watch if not.
func (c *Client) Exists(path string, watch bool, cb func(Result)) {
	c.Do(&wire.ExistsRequest{Path: path, Watch: watch}, OpOptions{}, cb)
}

// GetData reads a node's data and Stat; watch arms a data watch.
func (c *Client) GetData(path string, watch bool, cb func(Result)) {
	c.do(newOpWith(wire.GetDataRequest{Path: path, Watch: watch}, cb), OpOptions{})
}

// SetData writes a node's data at version (-1 for any).
func (c *Client) SetData(path string, data []byte, version int32, cb func(Result)) {
	c.do(newOpWith(wire.SetDataRequest{Path: path, Data: data, Version: version}, cb), OpOptions{})
}

// GetChildren lists a node's children; watch arms a child watch.
func (c *Client) GetChildren(path string, watch bool, cb func(Result)) {
	c.Do(&wire.GetChildrenRequest{Path: path, Watch: watch}, OpOptions{}, cb)
}

// GetChildren2 is GetChildren whose result carries the parent's Stat.
func (c *Client) GetChildren2(path string, watch bool, cb func(Result)) {
	c.Do(&wire.GetChildren2Request{GetChildrenRequest: wire.GetChildrenRequest{Path: path, Watch: watch}}, OpOptions{}, cb)
}

// Sync asks the server to catch up with the leader before later reads.
func (c *Client) Sync(path string, cb func(Result)) {
	c.do(newOpWith(wire.SyncRequest{Path: path}, cb), OpOptions{})
}

// opWith is an op and its request in one allocation (the hottest named
// operations use it: one allocation per op instead of two).
type opWith[R any] struct {
	op  op
	req R
}

// newOpWith returns an op for req (a request struct whose pointer is a
// wire.Request) and cb, allocated together with req.
func newOpWith[R any, P interface {
	*R
	wire.Request
}](req R, cb func(Result)) *op {
	x := &opWith[R]{req: req}
	x.op.req, x.op.cb = P(&x.req), cb
	return &x.op
}

// Multi applies write ops (Create*, Delete, SetData, CheckVersion requests)
// atomically; Result.Multi has one entry per op.
func (c *Client) Multi(ops []wire.Request, cb func(Result)) {
	c.Do(&wire.MultiRequest{Ops: ops}, OpOptions{}, cb)
}

// MultiRead reads several nodes (GetData, GetChildren requests) at once.
func (c *Client) MultiRead(ops []wire.Request, cb func(Result)) {
	c.Do(&wire.MultiReadRequest{Ops: ops}, OpOptions{}, cb)
}

// GetACL reads a node's ACL and Stat.
func (c *Client) GetACL(path string, cb func(Result)) {
	c.Do(&wire.GetACLRequest{Path: path}, OpOptions{}, cb)
}

// SetACL replaces a node's ACL at aversion version (-1 for any).
func (c *Client) SetACL(path string, acl []wire.ACL, version int32, cb func(Result)) {
	c.Do(&wire.SetACLRequest{Path: path, ACL: acl, Version: version}, OpOptions{}, cb)
}

// AddWatch arms a persistent (wire.AddWatchPersistent) or
// persistent-recursive watch.
func (c *Client) AddWatch(path string, mode int32, cb func(Result)) {
	c.Do(&wire.AddWatchRequest{Path: path, Mode: mode}, OpOptions{}, cb)
}

// RemoveWatches removes the session's watches of a kind (wire.Watcher*) on path.
func (c *Client) RemoveWatches(path string, watcherType int32, cb func(Result)) {
	c.Do(&wire.RemoveWatchesRequest{Path: path, Type: watcherType}, OpOptions{}, cb)
}

// CheckWatches asks whether the session holds watches of a kind on path.
func (c *Client) CheckWatches(path string, watcherType int32, cb func(Result)) {
	c.Do(&wire.CheckWatchesRequest{Path: path, Type: watcherType}, OpOptions{}, cb)
}

// GetEphemerals lists the session's ephemerals under prefix.
func (c *Client) GetEphemerals(prefix string, cb func(Result)) {
	c.Do(&wire.GetEphemeralsRequest{PrefixPath: prefix}, OpOptions{}, cb)
}

// GetAllChildrenNumber counts all descendants of path.
func (c *Client) GetAllChildrenNumber(path string, cb func(Result)) {
	c.Do(&wire.GetAllChildrenNumberRequest{Path: path}, OpOptions{}, cb)
}

// WhoAmI lists the identities the session is authenticated as.
func (c *Client) WhoAmI(cb func(Result)) {
	c.Do(&wire.WhoAmIRequest{}, OpOptions{}, cb)
}

// Reconfig changes the ensemble's membership (ZooKeeper's reconfig, opcode
// 16), as the super user or with skipACL only. Incremental when members is
// nil: joining are server lines to add ("server.4=h:2888:3888:participant;h:2181"),
// leaving are server ids to remove; otherwise members is the whole new
// membership. fromConfig is the config version it expects (-1: any). The
// result carries the new config's data and Stat, as getData's does.
func (c *Client) Reconfig(joining, leaving, members []string, fromConfig int64, cb func(Result)) {
	c.Do(NewReconfigRequest(joining, leaving, members, fromConfig), OpOptions{}, cb)
}

// NewReconfigRequest builds Reconfig's request: each list comma-joined, an
// empty list a null string (ZooKeeper tells "no joiners" by null).
func NewReconfigRequest(joining, leaving, members []string, fromConfig int64) *wire.ReconfigRequest {
	join := func(l []string) []byte {
		if len(l) == 0 {
			return nil
		}
		return []byte(strings.Join(l, ","))
	}
	req := &wire.ReconfigRequest{JoiningServers: join(joining), LeavingServers: join(leaving), CurConfigID: fromConfig}
	if members != nil {
		req.JoiningServers, req.LeavingServers = nil, nil
		req.NewMembers = []byte(strings.Join(members, ","))
	}
	return req
}

package zkclient

import (
	"github.com/go-zookeeper/zk"
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
)

// The workloads.Client calls. Each queues a closure for the session
// goroutine; the closure makes the go-zookeeper call through s.call, which
// recovers the reply's zxid and exact error code.

func (s *gozkSession) Create(path string, data []byte, acl []wire.ACL, flags int32, cb func(client.Result)) {
	s.submit(wire.OpCreate, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		s.call(wire.OpCreate, func() (err error) {
			res.Path, err = c.Create(path, data, flags, toZKACL(acl))
			return err
		}, &res)
		return res
	}, cb)
}

func (s *gozkSession) Delete(path string, version int32, cb func(client.Result)) {
	s.submit(wire.OpDelete, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		s.call(wire.OpDelete, func() error { return c.Delete(path, version) }, &res)
		return res
	}, cb)
}

// Exists reports a missing node as ErrNoNode, as the protocol does
// (go-zookeeper turns it into exists=false).
func (s *gozkSession) Exists(path string, watch bool, cb func(client.Result)) {
	s.submit(wire.OpExists, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		var found bool
		var st *zk.Stat
		s.call(wire.OpExists, func() (err error) {
			if watch {
				var ch <-chan zk.Event
				found, st, ch, err = c.ExistsW(path)
				s.watching(ch)
			} else {
				found, st, err = c.Exists(path)
			}
			return err
		}, &res)
		switch {
		case res.Err == wire.ErrOK && !found:
			res.Err = wire.ErrNoNode
		case res.Err == wire.ErrOK:
			res.Stat = fromZKStat(st)
		}
		return res
	}, cb)
}

func (s *gozkSession) GetData(path string, watch bool, cb func(client.Result)) {
	s.submit(wire.OpGetData, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		var st *zk.Stat
		s.call(wire.OpGetData, func() (err error) {
			if watch {
				var ch <-chan zk.Event
				res.Data, st, ch, err = c.GetW(path)
				s.watching(ch)
			} else {
				res.Data, st, err = c.Get(path)
			}
			return err
		}, &res)
		if res.Err == wire.ErrOK {
			res.Stat = fromZKStat(st)
		} else {
			res.Data = nil
		}
		return res
	}, cb)
}

func (s *gozkSession) SetData(path string, data []byte, version int32, cb func(client.Result)) {
	s.submit(wire.OpSetData, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		var st *zk.Stat
		s.call(wire.OpSetData, func() (err error) {
			st, err = c.Set(path, data, version)
			return err
		}, &res)
		if res.Err == wire.ErrOK {
			res.Stat = fromZKStat(st)
		}
		return res
	}, cb)
}

// GetChildren uses go-zookeeper's getChildren2 (it has no plain
// getChildren); the Stat is dropped so results look like getChildren's.
func (s *gozkSession) GetChildren(path string, watch bool, cb func(client.Result)) {
	s.submit(wire.OpGetChildren2, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		s.call(wire.OpGetChildren2, func() (err error) {
			if watch {
				var ch <-chan zk.Event
				res.Children, _, ch, err = c.ChildrenW(path)
				s.watching(ch)
			} else {
				res.Children, _, err = c.Children(path)
			}
			return err
		}, &res)
		if res.Err != wire.ErrOK {
			res.Children = nil
		}
		return res
	}, cb)
}

func (s *gozkSession) Sync(path string, cb func(client.Result)) {
	s.submit(wire.OpSync, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		s.call(wire.OpSync, func() (err error) {
			res.Path, err = c.Sync(path)
			return err
		}, &res)
		return res
	}, cb)
}

// Multi sends a transaction of create, delete, setData and check ops (all
// go-zookeeper can encode). Per-op results keep ZooKeeper's codes; the op's
// Err is the first failing op's code, as the deterministic client reports it.
func (s *gozkSession) Multi(ops []wire.Request, cb func(client.Result)) {
	zops, ok := toZKOps(ops)
	if !ok {
		s.submit(wire.OpMulti, func(*zk.Conn, *gozkSession) client.Result {
			return client.Result{Err: wire.ErrBadArguments} // never sent: certainly not applied
		}, cb)
		return
	}
	s.submit(wire.OpMulti, func(c *zk.Conn, s *gozkSession) client.Result { return s.multi(c, ops, zops) }, cb)
}

func (s *gozkSession) multi(c *zk.Conn, ops []wire.Request, zops []any) (res client.Result) {
	var out []zk.MultiResponse
	s.call(wire.OpMulti, func() (err error) {
		out, err = c.Multi(zops...)
		return err
	}, &res)
	// go-zookeeper reports a failed multi's first error as err and still
	// returns every per-op result.
	if res.Err != wire.ErrOK && len(out) == 0 {
		return res
	}
	res.Err = wire.ErrOK
	if len(out) != len(ops) {
		res.Err = wire.ErrMarshalling // applied or not: recorded info
		return res
	}
	res.Multi = make([]client.MultiResult, len(out))
	for i, r := range out {
		m := client.MultiResult{Op: ops[i].Op(), Err: s.errCode(r.Error), Path: r.String}
		if m.Err != wire.ErrOK {
			m.Op = wire.OpError
		} else if r.Stat != nil {
			m.Stat = fromZKStat(r.Stat)
		}
		if m.Err != wire.ErrOK && res.Err == wire.ErrOK {
			res.Err = m.Err
		}
		res.Multi[i] = m
	}
	// A failed multi reports ErrOK for the ops before the failing one;
	// the first non-OK is the failing op's code (wire.MultiError).
	return res
}

// Close ends the session with closeSession. go-zookeeper's Close reports
// nothing, so the tap decides: a closeSession reply means ErrOK, none means
// ErrConnectionLoss (the session may survive until it expires).
func (s *gozkSession) Close(cb func(client.Result)) {
	if s.closing || s.expired || s.abandoned {
		s.submit(wire.OpCloseSession, nil, cb) // fails with ErrSessionExpired
		return
	}
	s.submit(wire.OpCloseSession, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		s.tap.begin(wire.OpCloseSession)
		c.Close()
		rep := s.tap.end()
		res.Err = wire.ErrConnectionLoss
		if rep.ok {
			res.Err, res.Zxid, res.Server = rep.err, rep.zxid, s.name(rep.server)
		}
		go s.shutdown()
		return res
	}, func(res client.Result) {
		s.connected = false
		if s.cfg.OnEvent != nil && !s.abandoned {
			s.cfg.OnEvent(client.Event{Kind: client.EventClosed, SessionID: s.sessionID})
		}
		if cb != nil {
			cb(res)
		}
	})
	s.closing = true
}

// toZKOps converts a multi's ops; ok is false for an op go-zookeeper
// cannot encode.
func toZKOps(ops []wire.Request) ([]any, bool) {
	out := make([]any, 0, len(ops))
	for _, op := range ops {
		switch r := op.(type) {
		case *wire.CreateRequest:
			out = append(out, &zk.CreateRequest{Path: r.Path, Data: r.Data, Acl: toZKACL(r.ACL), Flags: r.Flags})
		case *wire.DeleteRequest:
			out = append(out, &zk.DeleteRequest{Path: r.Path, Version: r.Version})
		case *wire.SetDataRequest:
			out = append(out, &zk.SetDataRequest{Path: r.Path, Data: r.Data, Version: r.Version})
		case *wire.CheckVersionRequest:
			out = append(out, &zk.CheckVersionRequest{Path: r.Path, Version: r.Version})
		default:
			return nil, false
		}
	}
	return out, true
}

func toZKACL(acl []wire.ACL) []zk.ACL {
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

func fromZKStat(st *zk.Stat) *wire.Stat {
	if st == nil {
		return nil
	}
	return &wire.Stat{Czxid: st.Czxid, Mzxid: st.Mzxid, Ctime: st.Ctime, Mtime: st.Mtime, Version: st.Version,
		Cversion: st.Cversion, Aversion: st.Aversion, EphemeralOwner: st.EphemeralOwner, DataLength: st.DataLength,
		NumChildren: st.NumChildren, Pzxid: st.Pzxid}
}

// AddAuth adds credentials through go-zookeeper (replayed on reconnect, as
// the deterministic client does).
func (s *gozkSession) AddAuth(scheme string, auth []byte, cb func(client.Result)) {
	s.submit(wire.OpAuth, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		res.Err = s.errCode(c.AddAuth(scheme, auth))
		return res
	}, cb)
}

// Reconfig uses go-zookeeper's IncrementalReconfig (members nil) or
// Reconfig. go-zookeeper returns no data: the result carries the new
// config's Stat only (read /zookeeper/config for its text).
func (s *gozkSession) Reconfig(joining, leaving, members []string, fromConfig int64, cb func(client.Result)) {
	s.submit(wire.OpReconfig, func(c *zk.Conn, s *gozkSession) (res client.Result) {
		var st *zk.Stat
		s.call(wire.OpReconfig, func() (err error) {
			if members != nil {
				st, err = c.Reconfig(members, fromConfig)
			} else {
				st, err = c.IncrementalReconfig(joining, leaving, fromConfig)
			}
			return err
		}, &res)
		if res.Err == wire.ErrOK && st != nil {
			res.Stat = fromZKStat(st)
		}
		return res
	}, cb)
}

package zkclient

import (
	"github.com/go-zookeeper/zk"
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
)

// multiReadAttempts bounds how often MultiRead re-reads when a write slipped
// between its reads and its validating check.
const multiReadAttempts = 5

// MultiRead has no go-zookeeper v1.0.4 call (multiRead, opcode 22, came in
// ZooKeeper 3.6). Its closest faithful equivalent for the getData reads the
// bank workload makes: read each node, then validate the whole set with one
// multi of check(path, version) ops. When the multi commits, every node
// still had the version read, so the reads together are the committed state
// at the multi's zxid: an atomic snapshot, recorded with that zxid (in fact
// a linearizable one, stronger than ZooKeeper's multiRead, whose reads are
// served locally). A failed validation retries; after multiReadAttempts the
// op fails with the check's code (a read that certainly changed nothing).
// See docs/deviations.md, "live driver".
func (s *gozkSession) MultiRead(ops []wire.Request, cb func(client.Result)) {
	paths := make([]string, len(ops))
	for i, op := range ops {
		g, ok := op.(*wire.GetDataRequest)
		if !ok {
			s.submit(wire.OpMultiRead, func(*zk.Conn, *gozkSession) client.Result {
				return client.Result{Err: wire.ErrBadArguments}
			}, cb)
			return
		}
		paths[i] = g.Path
	}
	s.submit(wire.OpMultiRead, func(c *zk.Conn, s *gozkSession) client.Result {
		var res client.Result
		for range multiReadAttempts {
			var again bool
			res, again = s.readValidated(c, paths)
			if !again {
				break
			}
		}
		return res
	}, cb)
}

// readValidated reads paths and validates them; again reports a validation
// that lost a race with a write.
func (s *gozkSession) readValidated(c *zk.Conn, paths []string) (client.Result, bool) {
	res := client.Result{Multi: make([]client.MultiResult, len(paths))}
	checks := make([]any, 0, len(paths))
	for i, p := range paths {
		var one client.Result
		var st *zk.Stat
		s.call(wire.OpGetData, func() (err error) {
			one.Data, st, err = c.Get(p)
			return err
		}, &one)
		switch {
		case one.Indeterminate() || one.Err == wire.ErrSessionExpired:
			return client.Result{Err: one.Err, Server: one.Server}, false
		case one.Err != wire.ErrOK:
			// As multiRead reports a failed read: an error result in place.
			res.Multi[i] = client.MultiResult{Op: wire.OpError, Err: one.Err}
			if res.Err == wire.ErrOK {
				res.Err = one.Err
			}
			continue
		}
		res.Multi[i] = client.MultiResult{Op: wire.OpGetData, Data: one.Data, Stat: fromZKStat(st)}
		checks = append(checks, &zk.CheckVersionRequest{Path: p, Version: st.Version})
	}
	if res.Err != wire.ErrOK || len(checks) == 0 {
		return res, false
	}
	var val client.Result
	var out []zk.MultiResponse
	s.call(wire.OpMulti, func() (err error) {
		out, err = c.Multi(checks...)
		return err
	}, &val)
	if len(out) > 0 { // a failed multi: the first failing op's code
		val.Err = wire.ErrOK
		for _, r := range out {
			if code := s.errCode(r.Error); code != wire.ErrOK {
				val.Err = code
				break
			}
		}
	}
	res.Zxid, res.Server = val.Zxid, val.Server
	switch {
	case val.Err == wire.ErrOK:
		return res, false
	case val.Err == wire.ErrBadVersion || val.Err == wire.ErrNoNode:
		return client.Result{Err: val.Err, Zxid: val.Zxid, Server: val.Server}, true
	default:
		// A lost validation says nothing about the reads: not a snapshot.
		return client.Result{Err: val.Err, Zxid: val.Zxid, Server: val.Server}, false
	}
}

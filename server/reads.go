package server

import (
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
)

// execRead answers a request that does not change the tree
// (FinalRequestProcessor's read cases), registering watches as it goes.
func (s *Server) execRead(r *request) {
	c := r.conn
	if r.malformed {
		// FinalRequestProcessor parses a read's body and answers a failure
		// with MARSHALLINGERROR.
		s.reply(r, wire.ErrMarshalling, nil)
		return
	}
	switch q := r.body.(type) {
	case *wire.PingRequest:
		s.reply(r, wire.ErrOK, nil)
	case *wire.SyncRequest:
		s.reply(r, wire.ErrOK, &wire.SyncResponse{Path: q.Path})
	case *wire.ExistsRequest:
		s.exists(r, q)
	case *wire.GetDataRequest:
		// The common read: the node's data is encoded straight from the
		// tree (no copy) and the response as a value (no boxing).
		data, stat, err := s.getDataView(c, q.Path, q.Watch)
		e := s.beginReply(r, err)
		if err == wire.ErrOK {
			resp := wire.GetDataResponse{Data: data, Stat: stat}
			resp.Encode(e)
		}
		s.endReply(r)
	case *wire.GetChildrenRequest:
		kids, _, err := s.getChildren(c, q.Path, q.Watch)
		s.reply(r, err, &wire.GetChildrenResponse{Children: kids})
	case *wire.GetChildren2Request:
		kids, stat, err := s.getChildren(c, q.Path, q.Watch)
		s.reply(r, err, &wire.GetChildren2Response{Children: kids, Stat: stat})
	case *wire.GetACLRequest:
		s.getACL(r, q.Path)
	case *wire.GetAllChildrenNumberRequest:
		s.getAllChildrenNumber(r, q.Path)
	case *wire.GetEphemeralsRequest:
		s.reply(r, wire.ErrOK, &wire.GetEphemeralsResponse{Ephemerals: s.getEphemerals(c.session, q.PrefixPath)})
	case *wire.SetWatchesRequest:
		s.setWatches(c, q.RelativeZxid, tree.WatchSet{Data: q.DataWatches, Exist: q.ExistWatches, Child: q.ChildWatches})
		s.reply(r, wire.ErrOK, nil)
	case *wire.SetWatches2Request:
		s.setWatches(c, q.RelativeZxid, tree.WatchSet{Data: q.DataWatches, Exist: q.ExistWatches, Child: q.ChildWatches,
			Persistent: q.PersistentWatches, PersistentRecursive: q.PersistentRecursiveWatches})
		s.reply(r, wire.ErrOK, nil)
	case *wire.AddWatchRequest:
		if err := s.tree.AddWatch(q.Path, c.watcher, q.Mode); err != wire.ErrOK {
			s.reply(r, err, nil)
			return
		}
		s.reply(r, wire.ErrOK, &wire.ErrorResponse{Err: wire.ErrOK})
	case *wire.CheckWatchesRequest:
		s.reply(r, s.tree.CheckWatches(q.Path, q.Type, c.watcher), nil)
	case *wire.RemoveWatchesRequest:
		s.reply(r, s.tree.RemoveWatches(q.Path, q.Type, c.watcher), nil)
	case *wire.WhoAmIRequest:
		s.reply(r, wire.ErrOK, &wire.WhoAmIResponse{ClientInfo: tree.ClientInfos(c.authIDs)})
	case *wire.MultiReadRequest:
		s.reply(r, wire.ErrOK, &wire.MultiReadResponse{Results: s.multiRead(c, q.Ops)})
	default:
		// reconfig and anything else this server does not implement.
		code := wire.ErrUnimplemented
		if r.op == wire.OpReconfig {
			code = wire.ErrReconfigDisabled
		}
		s.reply(r, code, nil)
	}
}

func (s *Server) exists(r *request, q *wire.ExistsRequest) {
	if strings.IndexByte(q.Path, 0) >= 0 {
		s.reply(r, wire.ErrBadArguments, nil)
		return
	}
	stat, err := s.tree.Exists(q.Path, r.conn.watcher, q.Watch)
	s.reply(r, err, &wire.ExistsResponse{Stat: stat})
}

// readable fetches a node's ACL and checks perm (the common prologue of
// getData, getChildren, getACL, getAllChildrenNumber).
func (s *Server) readable(c *conn, path string, perm int32) wire.Err {
	n, ok := s.tree.Node(path)
	if !ok {
		return wire.ErrNoNode
	}
	return s.providers().CheckACL(n.ACL, perm, c.authIDs)
}

func (s *Server) getData(c *conn, path string, watch bool) ([]byte, wire.Stat, wire.Err) {
	if err := s.readable(c, path, wire.PermRead); err != wire.ErrOK {
		return nil, wire.Stat{}, err
	}
	return s.tree.GetData(path, c.watcher, watch)
}

// getDataView is getData (readable, then the tree's GetData) in one tree
// lookup, returning the tree's own data slice: for a reply encoded at once,
// never modified (see tree.GetDataView).
func (s *Server) getDataView(c *conn, path string, watch bool) ([]byte, wire.Stat, wire.Err) {
	return s.tree.GetDataView(path, c.authIDs, c.watcher, watch)
}

func (s *Server) getChildren(c *conn, path string, watch bool) ([]string, wire.Stat, wire.Err) {
	if err := s.readable(c, path, wire.PermRead); err != wire.ErrOK {
		return nil, wire.Stat{}, err
	}
	kids, stat, err := s.tree.GetChildren(path, c.watcher, watch)
	if kids == nil && err == wire.ErrOK {
		// An empty list, never a null one: ZooKeeper sends count 0, and
		// go-zookeeper v1.0.4 misreads -1 as a huge allocation.
		kids = []string{}
	}
	return kids, stat, err
}

// getACL needs READ or ADMIN; without ADMIN, digest ids are masked.
func (s *Server) getACL(r *request, path string) {
	if err := s.readable(r.conn, path, wire.PermRead|wire.PermAdmin); err != wire.ErrOK {
		s.reply(r, err, nil)
		return
	}
	acl, stat, err := s.tree.GetACL(path)
	if err != wire.ErrOK {
		s.reply(r, err, nil)
		return
	}
	if s.readable(r.conn, path, wire.PermAdmin) != wire.ErrOK {
		acl = maskDigests(acl)
	}
	s.reply(r, wire.ErrOK, &wire.GetACLResponse{ACL: acl, Stat: stat})
}

func maskDigests(acl []wire.ACL) []wire.ACL {
	out := make([]wire.ACL, len(acl))
	for i, a := range acl {
		out[i] = a
		if a.ID.Scheme == "digest" {
			if j := strings.IndexByte(a.ID.ID, ':'); j >= 0 {
				out[i].ID.ID = a.ID.ID[:j] + ":x"
			}
		}
	}
	return out
}

func (s *Server) getAllChildrenNumber(r *request, path string) {
	if err := s.readable(r.conn, path, wire.PermRead); err != wire.ErrOK {
		s.reply(r, err, nil)
		return
	}
	n, err := s.tree.GetAllChildrenNumber(path)
	s.reply(r, err, &wire.GetAllChildrenNumberResponse{TotalNumber: int32(n)})
}

func (s *Server) getEphemerals(session int64, prefix string) []string {
	p := strings.TrimSpace(prefix)
	if p == "/" {
		p = ""
	}
	out := s.tree.GetEphemerals(session, p)
	if out == nil {
		out = []string{}
	}
	return out
}

func (s *Server) setWatches(c *conn, rel int64, ws tree.WatchSet) {
	replay := s.tree.SetWatches
	if s.cfg.Bugs.Has(bugs.SetWatchesStaleZxid) {
		replay = s.tree.SetWatchesStaleZxid
	}
	for _, ev := range replay(rel, ws, c.watcher) {
		s.send(c, wire.EncodeWatchEvent(wire.WatcherEvent{Type: ev.Type, State: wire.StateSyncConnected, Path: ev.Path}))
	}
}

func (s *Server) multiRead(c *conn, ops []wire.Request) []wire.Response {
	out := make([]wire.Response, 0, len(ops))
	for _, op := range ops {
		switch q := op.(type) {
		case *wire.GetDataRequest:
			data, stat, err := s.getData(c, q.Path, q.Watch)
			if err != wire.ErrOK {
				out = append(out, &wire.ErrorResponse{Err: err})
				continue
			}
			out = append(out, &wire.GetDataResponse{Data: data, Stat: stat})
		case *wire.GetChildrenRequest:
			kids, _, err := s.getChildren(c, q.Path, q.Watch)
			if err != wire.ErrOK {
				out = append(out, &wire.ErrorResponse{Err: err})
				continue
			}
			out = append(out, &wire.GetChildrenResponse{Children: kids})
		default:
			out = append(out, &wire.ErrorResponse{Err: wire.ErrUnimplemented})
		}
	}
	return out
}

// auth is addauth, answered at once outside the session's queue as ZooKeeper
// does. Only the digest and ip schemes exist; anything else fails and closes
// the connection.
func (s *Server) auth(c *conn, xid int32, a *wire.AuthRequest) {
	switch a.Scheme {
	case "digest":
		for _, id := range tree.DigestAuthIDs(string(a.Auth), s.cfg.SuperDigest) {
			c.authIDs = appendID(c.authIDs, id)
		}
	case "ip":
		c.authIDs = appendID(c.authIDs, wire.ID{Scheme: "ip", ID: c.host})
	default:
		s.send(c, wire.EncodeReply(xid, 0, wire.ErrAuthFailed, nil))
		s.closeConn(c)
		return
	}
	s.send(c, wire.EncodeReply(xid, 0, wire.ErrOK, nil))
}

func appendID(ids []wire.ID, id wire.ID) []wire.ID {
	for _, have := range ids {
		if have == id {
			return ids
		}
	}
	return append(ids, id)
}

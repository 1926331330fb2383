package server

import (
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// change is ZooKeeper's ChangeRecord: the state a path will have once the
// outstanding (prepped but not yet applied) txns are applied. Prep validates
// against it so pipelined writes see each other.
type change struct {
	zxid       int64
	path       string
	exists     bool
	stat       tree.Persisted
	childCount int
	acl        []wire.ACL
}

// changeLog is zks.outstandingChanges plus outstandingChangesForPath.
type changeLog struct {
	list   []*change
	byPath map[string]*change
}

func (l *changeLog) add(c *change) {
	if l.byPath == nil {
		l.byPath = map[string]*change{}
	}
	l.list = append(l.list, c)
	l.byPath[c.path] = c
}

// applied drops the records of txns up to zxid (FinalRequestProcessor does
// this as it applies each txn).
func (l *changeLog) applied(zxid int64) {
	i := 0
	for ; i < len(l.list) && l.list[i].zxid <= zxid; i++ {
		c := l.list[i]
		if l.byPath[c.path] == c {
			delete(l.byPath, c.path)
		}
	}
	// Shift the outstanding records to the front (usually none or a few)
	// rather than reslicing past the applied ones, so that add keeps
	// reusing one array instead of reallocating once its tail is used up.
	n := copy(l.list, l.list[i:])
	clear(l.list[n:]) // let the applied records go
	l.list = l.list[:n]
}

// rollback removes the records a failed multi added (all carry zxid) and
// restores the records that were outstanding before it.
func (l *changeLog) rollback(zxid int64, saved map[string]*change) {
	for len(l.list) > 0 && l.list[len(l.list)-1].zxid == zxid {
		c := l.list[len(l.list)-1]
		l.list = l.list[:len(l.list)-1]
		delete(l.byPath, c.path)
	}
	if len(l.list) == 0 {
		return
	}
	first := l.list[0].zxid
	for _, c := range saved {
		if c.zxid >= first {
			l.byPath[c.path] = c
		}
	}
}

// dup returns a new record for the same path, as of zxid.
func (c change) dup(zxid int64) *change {
	c.zxid = zxid
	return &c
}

// prepCtx is one write being prepped.
type prepCtx struct {
	hdr     txn.Header
	session int64
	authIDs []wire.ID
	// owner is the server that forwarded the request, on an ensemble's
	// leader (request.getOwner() in ZooKeeper); nil when ownership is not
	// checked (standalone, or the leader's own expiry).
	owner *session.Owner
}

// record is getRecordForPath: the outstanding change for path, else the
// tree's node. A missing node is wire.ErrNoNode. It returns a copy (prep
// only reads it, or dups it into a new record), so looking a node up
// allocates nothing.
func (s *Server) record(path string) (change, error) {
	if path == "" {
		path = "/" // DataTree registers the root under "" as well
	}
	if c, ok := s.changes.byPath[path]; ok {
		if !c.exists {
			return change{}, wire.ErrNoNode
		}
		return *c, nil
	}
	n, ok := s.tree.Node(path)
	if !ok {
		return change{}, wire.ErrNoNode
	}
	return change{zxid: -1, path: path, exists: true, stat: n.Stat, childCount: n.NumChildren, acl: n.ACL}, nil
}

func (s *Server) checkACL(acls []wire.ACL, perm int32, ids []wire.ID) error {
	if e := s.providers().CheckACL(acls, perm, ids); e != wire.ErrOK {
		return e
	}
	return nil
}

// checkSession is sessionTracker.checkSession(id, owner): a closing or
// unknown session is expired; on an ensemble's leader a session owned by
// another server (the client moved there, and that server revalidated it)
// is SESSIONMOVED, and an unowned one becomes owned by the forwarder.
func (s *Server) checkSession(p *prepCtx) error {
	sess, ok := s.sessions.Get(p.session)
	if !ok || sess.Closing {
		return wire.ErrSessionExpired
	}
	if p.owner == nil {
		return nil
	}
	if sess.Owned && sess.Owner != *p.owner {
		return wire.ErrSessionMoved
	}
	if !sess.Owned {
		return s.sessions.SetOwner(p.session, *p.owner)
	}
	return nil
}

func checkAndIncVersion(current, expected int32) (int32, error) {
	if expected != -1 && expected != current {
		return 0, wire.ErrBadVersion
	}
	return current + 1, nil
}

func validatePath(path string) error {
	if tree.ValidatePath(path) != nil {
		return wire.ErrBadArguments
	}
	return nil
}

// parentAndValidate is getParentPathAndValidate.
func parentAndValidate(path string) (string, error) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 || isSpecialPath(path) {
		return "", wire.ErrBadArguments
	}
	return path[:i], nil
}

func isSpecialPath(path string) bool {
	switch path {
	case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
		return true
	}
	return false
}

// prepWrite turns a write request into a txn (pRequest). A request that
// fails validation still gets a zxid and becomes an ErrorTxn, as in
// ZooKeeper.
// owner is the forwarding server on an ensemble's leader, else nil. body is
// nil for a request of a known write op whose body did not parse.
func (s *Server) prepWrite(sessionID int64, xid int32, op wire.OpCode, body wire.Request, authIDs []wire.ID, owner *session.Owner) txn.Txn {
	p := s.newPrep(sessionID, xid, op, authIDs)
	p.owner = owner
	if body == nil {
		// The body did not parse: PrepRequestProcessor answers with an
		// error txn carrying MARSHALLINGERROR.
		return p.finish(nil, wire.ErrMarshalling)
	}
	if op == wire.OpMulti {
		return s.prepMulti(&p, body.(*wire.MultiRequest))
	}
	rec, err := s.prepOp(&p, op, body)
	return p.finish(rec, err)
}

// newPrep assigns the next zxid (every write gets one, failed or not). The
// context is a value: it lives only while the write is prepped.
func (s *Server) newPrep(session int64, xid int32, op wire.OpCode, authIDs []wire.ID) prepCtx {
	if s.ens != nil {
		if z, ok := s.ens.peer.NextZxid(); ok {
			s.lastZxid = z - 1
		}
	}
	s.lastZxid++
	return prepCtx{
		hdr:     txn.Header{ClientID: session, Cxid: xid, Zxid: s.lastZxid, TimeMS: s.nowMS(), Type: op},
		session: session, authIDs: authIDs,
	}
}

// finish builds the txn, or an ErrorTxn when prep failed.
func (p *prepCtx) finish(rec txn.Record, err error) txn.Txn {
	if err != nil {
		p.hdr.Type = wire.OpError
		return txn.Txn{Header: p.hdr, Record: &txn.Error{Err: errCode(err)}}
	}
	return txn.Txn{Header: p.hdr, Record: rec}
}

func errCode(err error) wire.Err {
	if e, ok := err.(wire.Err); ok {
		return e
	}
	return wire.ErrMarshalling
}

func (s *Server) prepOp(p *prepCtx, op wire.OpCode, body wire.Request) (txn.Record, error) {
	switch r := body.(type) {
	case *wire.CreateRequest:
		return s.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, -1)
	case *wire.Create2Request:
		return s.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, -1)
	case *wire.CreateContainerRequest:
		return s.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, -1)
	case *wire.CreateTTLRequest:
		return s.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, r.TTLMS)
	case *wire.DeleteRequest:
		return s.prepDelete(p, r)
	case *wire.SetDataRequest:
		return s.prepSetData(p, r)
	case *wire.SetACLRequest:
		return s.prepSetACL(p, r)
	case *wire.CheckVersionRequest:
		return s.prepCheck(p, r)
	case *wire.CloseSessionRequest:
		return s.prepCloseSession(p), nil
	case *wire.ReconfigRequest:
		return s.prepReconfig(p, r)
	}
	return nil, wire.ErrUnimplemented
}

// createMode mirrors CreateMode.fromFlag.
type createMode struct {
	ephemeral, sequential, container, ttl bool
}

func parseCreateFlags(flags int32) (createMode, error) {
	switch flags {
	case wire.FlagPersistent:
		return createMode{}, nil
	case wire.FlagEphemeral:
		return createMode{ephemeral: true}, nil
	case wire.FlagPersistentSequential:
		return createMode{sequential: true}, nil
	case wire.FlagEphemeralSequential:
		return createMode{ephemeral: true, sequential: true}, nil
	case wire.FlagContainer:
		return createMode{container: true}, nil
	case wire.FlagPersistentWithTTL:
		return createMode{ttl: true}, nil
	case wire.FlagPersistentSequentialWithTTL:
		return createMode{ttl: true, sequential: true}, nil
	}
	return createMode{}, wire.ErrBadArguments
}

// validateTTL is EphemeralType.validateTTL.
func validateTTL(m createMode, ttlMS int64) error {
	if m.ttl {
		if _, err := tree.TTLOwner(ttlMS); err != nil {
			return wire.ErrBadArguments
		}
		return nil
	}
	if ttlMS >= 0 {
		return wire.ErrBadArguments
	}
	return nil
}

func (s *Server) prepCreate(p *prepCtx, op wire.OpCode, path string, data []byte, acl []wire.ACL, flags int32, ttlMS int64) (txn.Record, error) {
	mode, err := parseCreateFlags(flags)
	if err != nil {
		return nil, err
	}
	if mode.ttl && !s.cfg.ExtendedTypesEnabled {
		return nil, wire.ErrUnimplemented // zookeeper.extendedTypesEnabled is off by default
	}
	if err := validateTTL(mode, ttlMS); err != nil {
		return nil, err
	}
	if err := s.checkSession(p); err != nil {
		return nil, err
	}
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 {
		return nil, wire.ErrBadArguments
	}
	parentPath := path[:i]
	fixed, code := s.providers().FixupACL(acl, p.authIDs)
	if code != wire.ErrOK {
		return nil, code
	}
	parent, err := s.record(parentPath)
	if err != nil {
		return nil, err
	}
	if err := s.checkACL(parent.acl, wire.PermCreate, p.authIDs); err != nil {
		return nil, err
	}
	if mode.sequential {
		path = tree.SequentialName(path, parent.stat.Cversion)
	}
	if err := validatePath(path); err != nil {
		return nil, err
	}
	if _, err := s.record(path); err == nil {
		return nil, wire.ErrNodeExists
	}
	if tree.KindOf(parent.stat.EphemeralOwner) == tree.OwnerSession {
		return nil, wire.ErrNoChildrenForEphemerals
	}
	newCversion := parent.stat.Cversion + 1
	owner := int64(0)
	var rec txn.Record
	switch {
	case op == wire.OpCreateContainer:
		owner = tree.ContainerOwner
		rec = &txn.CreateContainer{Path: path, Data: data, ACL: fixed, ParentCVersion: newCversion}
	case op == wire.OpCreateTTL:
		owner, _ = tree.TTLOwner(ttlMS)
		rec = &txn.CreateTTL{Path: path, Data: data, ACL: fixed, ParentCVersion: newCversion, TTLMS: ttlMS}
	default:
		if mode.ephemeral {
			owner = p.session
		}
		rec = &txn.Create{Path: path, Data: data, ACL: fixed, Ephemeral: mode.ephemeral, ParentCVersion: newCversion}
	}
	z, t := p.hdr.Zxid, p.hdr.TimeMS
	pc := parent.dup(z)
	pc.childCount++
	pc.stat.Cversion = newCversion
	pc.stat.Pzxid = z
	s.changes.add(pc)
	s.changes.add(&change{zxid: z, path: path, exists: true, acl: fixed,
		stat: tree.Persisted{Czxid: z, Mzxid: z, Ctime: t, Mtime: t, EphemeralOwner: owner, Pzxid: z}})
	return rec, nil
}

func (s *Server) prepDelete(p *prepCtx, r *wire.DeleteRequest) (txn.Record, error) {
	if err := s.checkSession(p); err != nil {
		return nil, err
	}
	parentPath, err := parentAndValidate(r.Path)
	if err != nil {
		return nil, err
	}
	parent, err := s.record(parentPath)
	if err != nil {
		return nil, err
	}
	if err := s.checkACL(parent.acl, wire.PermDelete, p.authIDs); err != nil {
		return nil, err
	}
	node, err := s.record(r.Path)
	if err != nil {
		return nil, err
	}
	if _, err := checkAndIncVersion(node.stat.Version, r.Version); err != nil {
		return nil, err
	}
	if node.childCount > 0 {
		return nil, wire.ErrNotEmpty
	}
	s.recordDelete(parent, r.Path, p.hdr.Zxid)
	return &txn.Delete{Path: r.Path}, nil
}

func (s *Server) prepDeleteContainer(p *prepCtx, path string) (txn.Record, error) {
	parentPath, err := parentAndValidate(path)
	if err != nil {
		return nil, err
	}
	node, err := s.record(path)
	if err != nil {
		return nil, err
	}
	if node.childCount > 0 {
		return nil, wire.ErrNotEmpty
	}
	if tree.KindOf(node.stat.EphemeralOwner) == tree.OwnerSession {
		return nil, wire.ErrBadVersion
	}
	parent, err := s.record(parentPath)
	if err != nil {
		return nil, err
	}
	s.recordDelete(parent, path, p.hdr.Zxid)
	return &txn.Delete{Path: path}, nil
}

func (s *Server) recordDelete(parent change, path string, zxid int64) {
	pc := parent.dup(zxid)
	pc.childCount--
	pc.stat.Pzxid = zxid
	s.changes.add(pc)
	s.changes.add(&change{zxid: zxid, path: path, exists: false})
}

// checkedNode is the prologue setData, setACL and check share, in
// PrepRequestProcessor's order (which decides the error when several
// apply): session, path, the ACL fixup (setACL only), the node, its ACL.
func (s *Server) checkedNode(p *prepCtx, path string, perm int32, fixup func() error) (change, error) {
	if err := s.checkSession(p); err != nil {
		return change{}, err
	}
	if err := validatePath(path); err != nil {
		return change{}, err
	}
	if fixup != nil {
		if err := fixup(); err != nil {
			return change{}, err
		}
	}
	node, err := s.record(path)
	if err != nil {
		return change{}, err
	}
	if err := s.checkACL(node.acl, perm, p.authIDs); err != nil {
		return change{}, err
	}
	return node, nil
}

func (s *Server) prepSetData(p *prepCtx, r *wire.SetDataRequest) (txn.Record, error) {
	node, err := s.checkedNode(p, r.Path, wire.PermWrite, nil)
	if err != nil {
		return nil, err
	}
	v, err := checkAndIncVersion(node.stat.Version, r.Version)
	if err != nil {
		return nil, err
	}
	nc := node.dup(p.hdr.Zxid)
	nc.stat.Version = v
	nc.stat.Mtime = p.hdr.TimeMS
	nc.stat.Mzxid = p.hdr.Zxid
	s.changes.add(nc)
	return &txn.SetData{Path: r.Path, Data: r.Data, Version: v}, nil
}

func (s *Server) prepSetACL(p *prepCtx, r *wire.SetACLRequest) (txn.Record, error) {
	var fixed []wire.ACL
	node, err := s.checkedNode(p, r.Path, wire.PermAdmin, func() error {
		var code wire.Err
		if fixed, code = s.providers().FixupACL(r.ACL, p.authIDs); code != wire.ErrOK {
			return code
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v, err := checkAndIncVersion(node.stat.Aversion, r.Version)
	if err != nil {
		return nil, err
	}
	nc := node.dup(p.hdr.Zxid)
	nc.stat.Aversion = v
	s.changes.add(nc)
	return &txn.SetACL{Path: r.Path, ACL: fixed, Version: v}, nil
}

func (s *Server) prepCheck(p *prepCtx, r *wire.CheckVersionRequest) (txn.Record, error) {
	node, err := s.checkedNode(p, r.Path, wire.PermRead, nil)
	if err != nil {
		return nil, err
	}
	v, err := checkAndIncVersion(node.stat.Version, r.Version)
	if err != nil {
		return nil, err
	}
	return &txn.CheckVersion{Path: r.Path, Version: v}, nil
}

// prepCloseSession collects the session's ephemerals, including those that
// outstanding changes create or delete, and marks the session closing so no
// later request of it is accepted (the ZOOKEEPER-1208 fix).
func (s *Server) prepCloseSession(p *prepCtx) txn.Record {
	es := map[string]bool{}
	for _, path := range s.tree.Ephemerals(p.session) {
		es[path] = true
	}
	for _, c := range s.changes.list {
		if !c.exists {
			delete(es, c.path)
		} else if c.stat.EphemeralOwner == p.session {
			es[c.path] = true
		}
	}
	paths := sortedKeys(es)
	for _, path := range paths {
		if parent, err := s.record(tree.ParentPath(path)); err == nil {
			pc := parent.dup(p.hdr.Zxid)
			pc.stat.Pzxid = p.hdr.Zxid
			s.changes.add(pc)
		}
		s.changes.add(&change{zxid: p.hdr.Zxid, path: path, exists: false})
	}
	if !s.cfg.Bugs.Has(bugs.ZK1208) {
		s.sessions.SetClosing(p.session)
	}
	return &txn.CloseSession{Paths2Delete: paths}
}

// prepMulti preps every op of a multi under one zxid; the first failure turns
// it and every later op into ErrorTxns and rolls back the change records.
func (s *Server) prepMulti(p *prepCtx, m *wire.MultiRequest) txn.Txn {
	saved := s.pendingFor(m.Ops)
	ops := make([]txn.Op, 0, len(m.Ops))
	var failed error
	for _, op := range m.Ops {
		if failed != nil {
			ops = append(ops, txn.Op{Type: wire.OpError, Record: &txn.Error{Err: wire.ErrRuntimeInconsistency}})
			continue
		}
		sub := *p
		sub.hdr.Type = op.Op()
		rec, err := s.prepOp(&sub, op.Op(), op)
		if err == nil && !txn.InMulti(op.Op()) {
			err = wire.ErrBadArguments
		}
		if err != nil {
			failed = err
			ops = append(ops, txn.Op{Type: wire.OpError, Record: &txn.Error{Err: errCode(err)}})
			s.changes.rollback(p.hdr.Zxid, saved)
			continue
		}
		ops = append(ops, txn.Op{Type: op.Op(), Record: rec})
	}
	return txn.Txn{Header: p.hdr, Record: &txn.Multi{Ops: ops}}
}

// pendingFor saves the outstanding records of a multi's paths and their
// parents, for rollback (getPendingChanges, with ZOOKEEPER-1624's parent).
func (s *Server) pendingFor(ops []wire.Request) map[string]*change {
	saved := map[string]*change{}
	for _, op := range ops {
		path := requestPath(op)
		if c, ok := s.changes.byPath[path]; ok {
			saved[path] = c
		}
		i := strings.LastIndexByte(path, '/')
		if i < 0 || strings.IndexByte(path, 0) >= 0 {
			continue
		}
		if c, ok := s.changes.byPath[path[:i]]; ok {
			saved[path[:i]] = c
		}
	}
	return saved
}

func requestPath(r wire.Request) string {
	switch r := r.(type) {
	case *wire.CreateRequest:
		return r.Path
	case *wire.Create2Request:
		return r.Path
	case *wire.CreateContainerRequest:
		return r.Path
	case *wire.CreateTTLRequest:
		return r.Path
	case *wire.DeleteRequest:
		return r.Path
	case *wire.SetDataRequest:
		return r.Path
	case *wire.CheckVersionRequest:
		return r.Path
	case *wire.SetACLRequest:
		return r.Path
	}
	return ""
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

package prep

import (
	"maps"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
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

// Host is what prep reads: the server's current tree and session tracker
// (both are replaced when a snapshot is installed), its ACL providers, and
// on an ensemble member the Zab peer a reconfig is checked against.
type Host interface {
	Tree() *tree.Tree
	Sessions() *session.Tracker
	Providers() tree.Providers
	// Quorum is nil on a standalone server.
	Quorum() Quorum
	Logf(format string, args ...any)
}

// Quorum is the part of the Zab peer a reconfig's prep asks (*zab.Peer).
type Quorum interface {
	ReconfigPending() bool
	Config() zab.Membership
	QuorumSynced(m *zab.Membership) bool
}

// Options are the server settings prep obeys.
type Options struct {
	ExtendedTypes      bool // zookeeper.extendedTypesEnabled: TTL nodes
	StandaloneDisabled bool // standaloneEnabled=false: a reconfig may leave one voter
	SkipACL            bool // skipACL: reconfig ignores /zookeeper/config's ACL
	Bugs               bugs.Set
}

// Processor is PrepRequestProcessor: it validates writes against the tree
// plus the outstanding changes of writes prepped before them, and builds
// their txns. The caller assigns zxids and must report every applied txn
// (Applied), and Reset it when the outstanding writes are abandoned.
type Processor struct {
	host    Host
	opts    Options
	changes changeLog
}

// New returns a processor for host.
func New(host Host, opts Options) *Processor { return &Processor{host: host, opts: opts} }

// Applied drops the outstanding changes of txns up to zxid (the
// FinalRequestProcessor does this as it applies each txn).
func (pr *Processor) Applied(zxid int64) { pr.changes.applied(zxid) }

// Reset forgets every outstanding change (the server stopped serving).
func (pr *Processor) Reset() { pr.changes = changeLog{} }

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
func (pr *Processor) record(path string) (change, error) {
	if path == "" {
		path = "/" // DataTree registers the root under "" as well
	}
	if c, ok := pr.changes.byPath[path]; ok {
		if !c.exists {
			return change{}, wire.ErrNoNode
		}
		return *c, nil
	}
	n, ok := pr.host.Tree().Node(path)
	if !ok {
		return change{}, wire.ErrNoNode
	}
	return change{zxid: -1, path: path, exists: true, stat: n.Stat, childCount: n.NumChildren, acl: n.ACL}, nil
}

func (pr *Processor) checkACL(acls []wire.ACL, perm int32, ids []wire.ID) error {
	if e := pr.host.Providers().CheckACL(acls, perm, ids); e != wire.ErrOK {
		return e
	}
	return nil
}

// checkSession is sessionTracker.checkSession(id, owner): a closing or
// unknown session is expired; on an ensemble's leader a session owned by
// another server (the client moved there, and that server revalidated it)
// is SESSIONMOVED, and an unowned one becomes owned by the forwarder.
func (pr *Processor) checkSession(p *prepCtx) error {
	sess, ok := pr.host.Sessions().Get(p.session)
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
		return pr.host.Sessions().SetOwner(p.session, *p.owner)
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

// Write turns a write request into a txn (pRequest); h is its header, with
// the zxid and time the caller assigned (every write gets one, failed or
// not). A request that fails validation becomes an ErrorTxn, as in
// ZooKeeper. owner is the server the request came through, on an
// ensemble's leader (request.getOwner()); nil when ownership is not checked
// (standalone, or the leader's own expiry). body is nil for a request of a
// known write op whose body did not parse.
func (pr *Processor) Write(h txn.Header, authIDs []wire.ID, owner *session.Owner, body wire.Request) txn.Txn {
	p := prepCtx{hdr: h, session: h.ClientID, authIDs: authIDs, owner: owner}
	if body == nil {
		// The body did not parse: PrepRequestProcessor answers with an
		// error txn carrying MARSHALLINGERROR.
		return p.finish(nil, wire.ErrMarshalling)
	}
	if h.Type == wire.OpMulti {
		return pr.prepMulti(&p, body.(*wire.MultiRequest))
	}
	rec, err := pr.prepOp(&p, h.Type, body)
	return p.finish(rec, err)
}

// DeleteContainer preps the ContainerManager's deleteContainer of path; it
// fails harmlessly (NOTEMPTY) if the node gained a child meanwhile.
func (pr *Processor) DeleteContainer(h txn.Header, path string) txn.Txn {
	p := prepCtx{hdr: h}
	rec, err := pr.prepDeleteContainer(&p, path)
	return p.finish(rec, err)
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

func (pr *Processor) prepOp(p *prepCtx, op wire.OpCode, body wire.Request) (txn.Record, error) {
	switch r := body.(type) {
	case *wire.CreateRequest:
		return pr.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, -1)
	case *wire.Create2Request:
		return pr.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, -1)
	case *wire.CreateContainerRequest:
		return pr.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, -1)
	case *wire.CreateTTLRequest:
		return pr.prepCreate(p, op, r.Path, r.Data, r.ACL, r.Flags, r.TTLMS)
	case *wire.DeleteRequest:
		return pr.prepDelete(p, r)
	case *wire.SetDataRequest:
		return pr.prepSetData(p, r)
	case *wire.SetACLRequest:
		return pr.prepSetACL(p, r)
	case *wire.CheckVersionRequest:
		return pr.prepCheck(p, r)
	case *wire.CloseSessionRequest:
		return pr.prepCloseSession(p), nil
	case *wire.ReconfigRequest:
		return pr.prepReconfig(p, r)
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

func (pr *Processor) prepCreate(p *prepCtx, op wire.OpCode, path string, data []byte, acl []wire.ACL, flags int32, ttlMS int64) (txn.Record, error) {
	mode, err := parseCreateFlags(flags)
	if err != nil {
		return nil, err
	}
	if mode.ttl && !pr.opts.ExtendedTypes {
		return nil, wire.ErrUnimplemented // zookeeper.extendedTypesEnabled is off by default
	}
	if err := validateTTL(mode, ttlMS); err != nil {
		return nil, err
	}
	if err := pr.checkSession(p); err != nil {
		return nil, err
	}
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 {
		return nil, wire.ErrBadArguments
	}
	parentPath := path[:i]
	fixed, code := pr.host.Providers().FixupACL(acl, p.authIDs)
	if code != wire.ErrOK {
		return nil, code
	}
	parent, err := pr.record(parentPath)
	if err != nil {
		return nil, err
	}
	if err := pr.checkACL(parent.acl, wire.PermCreate, p.authIDs); err != nil {
		return nil, err
	}
	if mode.sequential {
		path = tree.SequentialName(path, parent.stat.Cversion)
	}
	if err := validatePath(path); err != nil {
		return nil, err
	}
	if _, err := pr.record(path); err == nil {
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
	pr.changes.add(pc)
	pr.changes.add(&change{zxid: z, path: path, exists: true, acl: fixed,
		stat: tree.Persisted{Czxid: z, Mzxid: z, Ctime: t, Mtime: t, EphemeralOwner: owner, Pzxid: z}})
	return rec, nil
}

func (pr *Processor) prepDelete(p *prepCtx, r *wire.DeleteRequest) (txn.Record, error) {
	if err := pr.checkSession(p); err != nil {
		return nil, err
	}
	parentPath, err := parentAndValidate(r.Path)
	if err != nil {
		return nil, err
	}
	parent, err := pr.record(parentPath)
	if err != nil {
		return nil, err
	}
	if err := pr.checkACL(parent.acl, wire.PermDelete, p.authIDs); err != nil {
		return nil, err
	}
	node, err := pr.record(r.Path)
	if err != nil {
		return nil, err
	}
	if _, err := checkAndIncVersion(node.stat.Version, r.Version); err != nil {
		return nil, err
	}
	if node.childCount > 0 {
		return nil, wire.ErrNotEmpty
	}
	pr.recordDelete(parent, r.Path, p.hdr.Zxid)
	return &txn.Delete{Path: r.Path}, nil
}

func (pr *Processor) prepDeleteContainer(p *prepCtx, path string) (txn.Record, error) {
	parentPath, err := parentAndValidate(path)
	if err != nil {
		return nil, err
	}
	node, err := pr.record(path)
	if err != nil {
		return nil, err
	}
	if node.childCount > 0 {
		return nil, wire.ErrNotEmpty
	}
	if tree.KindOf(node.stat.EphemeralOwner) == tree.OwnerSession {
		return nil, wire.ErrBadVersion
	}
	parent, err := pr.record(parentPath)
	if err != nil {
		return nil, err
	}
	pr.recordDelete(parent, path, p.hdr.Zxid)
	return &txn.Delete{Path: path}, nil
}

func (pr *Processor) recordDelete(parent change, path string, zxid int64) {
	pc := parent.dup(zxid)
	pc.childCount--
	pc.stat.Pzxid = zxid
	pr.changes.add(pc)
	pr.changes.add(&change{zxid: zxid, path: path, exists: false})
}

// checkedNode is the prologue setData, setACL and check share, in
// PrepRequestProcessor's order (which decides the error when several
// apply): session, path, the ACL fixup (setACL only), the node, its ACL.
func (pr *Processor) checkedNode(p *prepCtx, path string, perm int32, fixup func() error) (change, error) {
	if err := pr.checkSession(p); err != nil {
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
	node, err := pr.record(path)
	if err != nil {
		return change{}, err
	}
	if err := pr.checkACL(node.acl, perm, p.authIDs); err != nil {
		return change{}, err
	}
	return node, nil
}

func (pr *Processor) prepSetData(p *prepCtx, r *wire.SetDataRequest) (txn.Record, error) {
	node, err := pr.checkedNode(p, r.Path, wire.PermWrite, nil)
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
	pr.changes.add(nc)
	return &txn.SetData{Path: r.Path, Data: r.Data, Version: v}, nil
}

func (pr *Processor) prepSetACL(p *prepCtx, r *wire.SetACLRequest) (txn.Record, error) {
	var fixed []wire.ACL
	node, err := pr.checkedNode(p, r.Path, wire.PermAdmin, func() error {
		var code wire.Err
		if fixed, code = pr.host.Providers().FixupACL(r.ACL, p.authIDs); code != wire.ErrOK {
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
	pr.changes.add(nc)
	return &txn.SetACL{Path: r.Path, ACL: fixed, Version: v}, nil
}

func (pr *Processor) prepCheck(p *prepCtx, r *wire.CheckVersionRequest) (txn.Record, error) {
	node, err := pr.checkedNode(p, r.Path, wire.PermRead, nil)
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
func (pr *Processor) prepCloseSession(p *prepCtx) txn.Record {
	es := map[string]bool{}
	for _, path := range pr.host.Tree().Ephemerals(p.session) {
		es[path] = true
	}
	for _, c := range pr.changes.list {
		if !c.exists {
			delete(es, c.path)
		} else if c.stat.EphemeralOwner == p.session {
			es[c.path] = true
		}
	}
	paths := slices.Sorted(maps.Keys(es))
	for _, path := range paths {
		if parent, err := pr.record(tree.ParentPath(path)); err == nil {
			pc := parent.dup(p.hdr.Zxid)
			pc.stat.Pzxid = p.hdr.Zxid
			pr.changes.add(pc)
		}
		pr.changes.add(&change{zxid: p.hdr.Zxid, path: path, exists: false})
	}
	if !pr.opts.Bugs.Has(bugs.ZK1208) {
		pr.host.Sessions().SetClosing(p.session)
	}
	return &txn.CloseSession{Paths2Delete: paths}
}

// prepMulti preps every op of a multi under one zxid; the first failure turns
// it and every later op into ErrorTxns and rolls back the change records.
func (pr *Processor) prepMulti(p *prepCtx, m *wire.MultiRequest) txn.Txn {
	saved := pr.pendingFor(m.Ops)
	ops := make([]txn.Op, 0, len(m.Ops))
	var failed error
	for _, op := range m.Ops {
		if failed != nil {
			ops = append(ops, txn.Op{Type: wire.OpError, Record: &txn.Error{Err: wire.ErrRuntimeInconsistency}})
			continue
		}
		sub := *p
		sub.hdr.Type = op.Op()
		rec, err := pr.prepOp(&sub, op.Op(), op)
		if err == nil && !txn.InMulti(op.Op()) {
			err = wire.ErrBadArguments
		}
		if err != nil {
			failed = err
			ops = append(ops, txn.Op{Type: wire.OpError, Record: &txn.Error{Err: errCode(err)}})
			pr.changes.rollback(p.hdr.Zxid, saved)
			continue
		}
		ops = append(ops, txn.Op{Type: op.Op(), Record: rec})
	}
	return txn.Txn{Header: p.hdr, Record: &txn.Multi{Ops: ops}}
}

// pendingFor saves the outstanding records of a multi's paths and their
// parents, for rollback (getPendingChanges, with ZOOKEEPER-1624's parent).
func (pr *Processor) pendingFor(ops []wire.Request) map[string]*change {
	saved := map[string]*change{}
	for _, op := range ops {
		path := requestPath(op)
		if c, ok := pr.changes.byPath[path]; ok {
			saved[path] = c
		}
		i := strings.LastIndexByte(path, '/')
		if i < 0 || strings.IndexByte(path, 0) >= 0 {
			continue
		}
		if c, ok := pr.changes.byPath[path[:i]]; ok {
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

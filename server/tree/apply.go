package tree

import (
	"slices"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// Result is DataTree.ProcessTxnResult plus the watch events the txn fired.
type Result struct {
	ClientID int64
	Cxid     int32
	Zxid     int64
	Type     wire.OpCode // the (sub)txn type; a rolled-back multi op is OpError
	Err      wire.Err
	Path     string
	// Stat is the node's stat for the ops whose reply carries one
	// (create2, createTTL, createContainer, setData and setACL) when they
	// succeed; HasStat says whether it is set. (A value, not a pointer:
	// every write's result would otherwise cost an allocation.)
	Stat    wire.Stat
	HasStat bool
	// Multi holds one result per op of a multi, in order.
	Multi []Result
	// Events are the watch events the txn fired, in the order ZooKeeper
	// triggers them (per trigger, watchers in ascending order). Only the
	// top-level result carries events; a multi's are all here.
	Events []Event
}

// ApplyTxn applies one committed transaction as DataTree.processTxn does and
// returns its result and the watch events it fired.
//
// The tree takes ownership of the data slices in tx's records: a node keeps
// the slice it is given rather than a copy (every replica applies every
// write, and the txn was just decoded or prepped for this call), so the
// caller must not modify them afterwards. The tree itself never modifies a
// node's data in place.
//
// Failures are results, never panics: a txn that names a missing node fails
// with NoNode, and so on, exactly where ZooKeeper's would. A multi whose ops
// include an ErrorTxn (prep found it would fail) applies nothing: every op
// reports OpError, with OK before the failing op, the op's own code for it,
// and RuntimeInconsistency after it. Like ZooKeeper, an op of a successful
// multi that fails at apply time (only possible when replaying a fuzzy
// snapshot) is not rolled back.
//
// zabsim departs from ZooKeeper only where ZooKeeper would crash (throw an
// unchecked exception) or corrupt itself, on txns prep never produces: a
// malformed txn (record kind not matching the type), an invalid path, an
// invalid TTL or a session id that reads as a container/TTL marker fail
// with Marshalling or BadArguments, and deleting a node that has children
// fails with NotEmpty; all change nothing.
func (t *Tree) ApplyTxn(tx txn.Txn) Result {
	var events []Event
	rc := t.apply(tx.Header, tx.Record, &events)
	rc.Events = events
	if tx.Header.Zxid > t.lastZxid {
		t.lastZxid = tx.Header.Zxid
	}
	return rc
}

func (t *Tree) apply(h txn.Header, rec txn.Record, events *[]Event) Result {
	rc := Result{ClientID: h.ClientID, Cxid: h.Cxid, Zxid: h.Zxid, Type: h.Type}
	if !txn.Matches(h.Type, rec) {
		rc.Err = wire.ErrMarshalling
		return rc
	}
	switch r := rec.(type) {
	case *txn.Create:
		rc.Path = r.Path
		rc.Stat, rc.HasStat, rc.Err = t.applyCreate(h, r, events)
	case *txn.CreateContainer:
		rc.Path = r.Path
		rc.Stat, rc.Err = t.create(r.Path, r.Data, r.ACL, ContainerOwner, r.ParentCVersion, h, events)
		rc.HasStat = rc.Err == wire.ErrOK
	case *txn.CreateTTL:
		rc.Path = r.Path
		owner, err := TTLOwner(r.TTLMS)
		if err != nil {
			rc.Err = wire.ErrBadArguments
			break
		}
		rc.Stat, rc.Err = t.create(r.Path, r.Data, r.ACL, owner, r.ParentCVersion, h, events)
		rc.HasStat = rc.Err == wire.ErrOK
	case *txn.Delete:
		rc.Path = r.Path
		rc.Err = t.delete(r.Path, h.Zxid, events)
	case *txn.SetData:
		rc.Path = r.Path
		rc.Stat, rc.Err = t.setData(r.Path, r.Data, r.Version, h, events)
		rc.HasStat = rc.Err == wire.ErrOK
	case *txn.SetACL:
		rc.Path = r.Path
		rc.Stat, rc.Err = t.setACL(r.Path, r.ACL, r.Version)
		rc.HasStat = rc.Err == wire.ErrOK
	case *txn.CheckVersion:
		rc.Path = r.Path
	case *txn.CloseSession:
		t.killSession(h.ClientID, h.Zxid, r.Paths2Delete, events)
	case *txn.CreateSession:
		// Sessions live in the session tracker; the tree has nothing to do.
	case *txn.Error:
		rc.Err = r.Err
	case *txn.Multi:
		if (txn.Txn{Header: h, Record: r}).Check() != nil {
			rc.Err = wire.ErrMarshalling // an op that cannot be in a multi: apply none
			break
		}
		rc.Multi, rc.Err = t.multi(h, r, events)
	}
	return rc
}

// applyCreate applies a CreateTxn (create or create2); the stat is set
// (hasStat) only for a successful create2.
func (t *Tree) applyCreate(h txn.Header, r *txn.Create, events *[]Event) (st wire.Stat, hasStat bool, err wire.Err) {
	owner := int64(0)
	if r.Ephemeral {
		owner = h.ClientID
	}
	if k := KindOf(owner); k == OwnerContainer || k == OwnerTTL || k == OwnerInvalid {
		return wire.Stat{}, false, wire.ErrBadArguments // a session id that reads as a container/TTL marker
	}
	parentCVersion := r.ParentCVersion
	if t.staleReplay {
		parentCVersion = -1 // before ZOOKEEPER-1046 a CreateTxn had no parentCVersion: the parent's cversion moved by one
	}
	st, err = t.create(r.Path, r.Data, r.ACL, owner, parentCVersion, h, events)
	if h.Type != wire.OpCreate {
		return st, err == wire.ErrOK, err
	}
	// A replayed plain create that finds its node already there still moves
	// the parent's cversion and pzxid forward (the NODEEXISTS branch of
	// DataTree.processTxn). Plain create replies carry no stat.
	if err == wire.ErrNodeExists && !t.staleReplay && r.Path != "/" && ValidatePath(r.Path) == nil {
		if parent, ok := t.nodes[ParentPath(r.Path)]; ok {
			t.bumpParent(ParentPath(r.Path), parent, r.ParentCVersion, h.Zxid)
		} else {
			err = wire.ErrNoNode
		}
	}
	return wire.Stat{}, false, err
}

// create is DataTree.createNode; the stat is the new node's (zero on
// failure).
func (t *Tree) create(path string, data []byte, acl []wire.ACL, owner int64, parentCVersion int32, h txn.Header, events *[]Event) (wire.Stat, wire.Err) {
	if path == "/" || ValidatePath(path) != nil {
		return wire.Stat{}, badPathErr(path)
	}
	parentPath := ParentPath(path)
	parent, ok := t.nodes[parentPath]
	if !ok {
		return wire.Stat{}, wire.ErrNoNode
	}
	if _, exists := t.nodes[path]; exists {
		return wire.Stat{}, wire.ErrNodeExists
	}
	t.bumpParent(parentPath, parent, parentCVersion, h.Zxid)
	n := &node{
		data: data, // owned: see ApplyTxn
		acl:  acl,
		stat: Persisted{
			Czxid: h.Zxid, Mzxid: h.Zxid, Pzxid: h.Zxid,
			Ctime: h.TimeMS, Mtime: h.TimeMS,
			EphemeralOwner: owner,
		},
	}
	t.insert(path, n)
	st := n.clientStat()
	t.dataWatch.trigger(path, wire.EventNodeCreated, h.Zxid, n.acl, nil, events)
	t.childWatch.trigger(parentPath, wire.EventNodeChildrenChanged, h.Zxid, parent.acl, nil, events)
	return st, wire.ErrOK
}

// bumpParent sets a parent's cversion to newCversion (-1: its cversion plus
// one) and its pzxid to zxid, but only if that moves cversion forward:
// replaying a fuzzy snapshot may re-apply a create whose parent already
// moved on (DataTree.createNode and setCversionPzxid).
func (t *Tree) bumpParent(path string, parent *node, newCversion int32, zxid int64) {
	t.change(path, parent, func() {
		if newCversion == -1 {
			newCversion = parent.stat.Cversion + 1
		}
		if newCversion > parent.stat.Cversion {
			parent.stat.Cversion = newCversion
			parent.stat.Pzxid = zxid
		}
	})
}

// badPathErr is the error an apply-time path failure gets. ZooKeeper would
// throw (NODEEXISTS for "/", StringIndexOutOfBounds otherwise).
func badPathErr(path string) wire.Err {
	if path == "/" {
		return wire.ErrNodeExists
	}
	return wire.ErrBadArguments
}

// delete is DataTree.deleteNode. As in ZooKeeper, the parent's pzxid moves
// forward even when the child is already gone (fuzzy-snapshot replay).
// Deleting a node that has children fails with NotEmpty (see below).
func (t *Tree) delete(path string, zxid int64, events *[]Event) wire.Err {
	if path == "/" || ValidatePath(path) != nil {
		return wire.ErrBadArguments
	}
	parentPath := ParentPath(path)
	parent, ok := t.nodes[parentPath]
	if !ok {
		return wire.ErrNoNode
	}
	if n, ok := t.nodes[path]; ok && len(n.children) > 0 {
		// Prep never lets this through. ZooKeeper would orphan the children
		// (kept in memory, dropped by the next snapshot: replicas diverge);
		// zabsim refuses and changes nothing.
		return wire.ErrNotEmpty
	}
	t.change(parentPath, parent, func() {
		delete(parent.children, baseName(path))
		if zxid > parent.stat.Pzxid {
			parent.stat.Pzxid = zxid
		}
	})
	n, ok := t.nodes[path]
	if !ok {
		return wire.ErrNoNode
	}
	t.remove(path, n)
	reached := t.dataWatch.trigger(path, wire.EventNodeDeleted, zxid, n.acl, nil, events)
	t.childWatch.trigger(path, wire.EventNodeDeleted, zxid, n.acl, reached, events)
	t.childWatch.trigger(parentPath, wire.EventNodeChildrenChanged, zxid, parent.acl, nil, events)
	return wire.ErrOK
}

// remove drops a childless node from the index maps (its parent link is
// already gone).
func (t *Tree) remove(path string, n *node) {
	delete(t.nodes, path)
	t.digest -= n.hash
	switch owner := n.stat.EphemeralOwner; KindOf(owner) {
	case OwnerContainer:
		delete(t.containers, path)
	case OwnerTTL:
		delete(t.ttls, path)
	case OwnerSession:
		if set := t.ephemerals[owner]; set != nil {
			delete(set, path)
			if len(set) == 0 {
				delete(t.ephemerals, owner)
			}
		}
	}
}

// setData is DataTree.setData: version is the new version prep computed.
func (t *Tree) setData(path string, data []byte, version int32, h txn.Header, events *[]Event) (wire.Stat, wire.Err) {
	n, ok := t.nodes[path]
	if !ok {
		return wire.Stat{}, wire.ErrNoNode
	}
	t.change(path, n, func() {
		n.data = data // owned: see ApplyTxn
		n.stat.Mtime = h.TimeMS
		n.stat.Mzxid = h.Zxid
		n.stat.Version = version
	})
	st := n.clientStat()
	t.dataWatch.trigger(path, wire.EventNodeDataChanged, h.Zxid, n.acl, nil, events)
	return st, wire.ErrOK
}

// setACL is DataTree.setACL: version is the new aversion prep computed.
// Changing an ACL fires no watch.
func (t *Tree) setACL(path string, acl []wire.ACL, version int32) (wire.Stat, wire.Err) {
	n, ok := t.nodes[path]
	if !ok {
		return wire.Stat{}, wire.ErrNoNode
	}
	t.change(path, n, func() {
		n.acl = slices.Clone(acl)
		n.stat.Aversion = version
	})
	return n.clientStat(), wire.ErrOK
}

// killSession is DataTree.killSession: delete the paths the closeSession
// txn lists, then any other ephemeral the session still owns here (sorted;
// ZooKeeper logs those as unexpected). Missing nodes are skipped. The
// ephemeral index shrinks as nodes go, so a node that could not be deleted
// stays indexed.
func (t *Tree) killSession(session, zxid int64, inTxn []string, events *[]Event) {
	local := t.Ephemerals(session)
	listed := make(map[string]bool, len(inTxn))
	for _, p := range inTxn {
		t.delete(p, zxid, events)
		listed[p] = true
	}
	for _, p := range local {
		if !listed[p] {
			t.delete(p, zxid, events)
		}
	}
}

// multi applies a MultiTxn's ops in order; see ApplyTxn for failure rules.
func (t *Tree) multi(h txn.Header, m *txn.Multi, events *[]Event) ([]Result, wire.Err) {
	failed := slices.ContainsFunc(m.Ops, func(op txn.Op) bool { return op.Type == wire.OpError })
	results := make([]Result, 0, len(m.Ops))
	firstErr := wire.ErrOK
	postFailed := false
	for _, op := range m.Ops {
		typ, rec := op.Type, op.Record
		switch {
		case typ == wire.OpError:
			postFailed = true
		case failed:
			code := wire.ErrOK
			if postFailed {
				code = wire.ErrRuntimeInconsistency
			}
			typ, rec = wire.OpError, &txn.Error{Err: code}
		}
		sub := h
		sub.Type = typ
		rc := t.apply(sub, rec, events)
		results = append(results, rc)
		if rc.Err != wire.ErrOK && firstErr == wire.ErrOK {
			firstErr = rc.Err
		}
	}
	return results, firstErr
}

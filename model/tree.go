package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Error names, as ZooKeeper's KeeperException codes appear in histories.
const (
	ErrOK                      = ""
	ErrNoNode                  = "NONODE"
	ErrNodeExists              = "NODEEXISTS"
	ErrBadVersion              = "BADVERSION"
	ErrNotEmpty                = "NOTEMPTY"
	ErrNoChildrenForEphemerals = "NOCHILDRENFOREPHEMERALS"
	ErrBadArguments            = "BADARGUMENTS"
	ErrRuntimeInconsistency    = "RUNTIMEINCONSISTENCY"
)

// Stat is a znode's metadata (ZooKeeper's Stat, field for field).
type Stat struct {
	Czxid, Mzxid, Ctime, Mtime  int64
	Version, Cversion, Aversion int32
	EphemeralOwner              int64
	DataLength, NumChildren     int32
	Pzxid                       int64
}

// CreateMode is a create flag as clients send it (0 persistent, 1 ephemeral,
// 2 persistent-sequential, 3 ephemeral-sequential, 4 container). TTL nodes
// are outside this spec.
type CreateMode int32

// Create modes.
const (
	Persistent           CreateMode = 0
	Ephemeral            CreateMode = 1
	PersistentSequential CreateMode = 2
	EphemeralSequential  CreateMode = 3
	Container            CreateMode = 4
)

func (m CreateMode) ephemeral() bool  { return m == Ephemeral || m == EphemeralSequential }
func (m CreateMode) sequential() bool { return m == PersistentSequential || m == EphemeralSequential }

// TreeOpKind names a tree operation.
type TreeOpKind string

// Tree operations.
const (
	OpCreate       TreeOpKind = "create"
	OpDelete       TreeOpKind = "delete"
	OpSetData      TreeOpKind = "setData"
	OpGetData      TreeOpKind = "getData"
	OpExists       TreeOpKind = "exists"
	OpGetChildren  TreeOpKind = "getChildren"
	OpCheck        TreeOpKind = "check"
	OpMulti        TreeOpKind = "multi"
	OpCloseSession TreeOpKind = "closeSession"
	// OpMultiRead runs getData and getChildren sub-ops independently: a
	// failing one reports its error and the others still answer.
	OpMultiRead TreeOpKind = "multiRead"
	// OpGetAllChildrenNumber counts every descendant of Path.
	OpGetAllChildrenNumber TreeOpKind = "getAllChildrenNumber"
	// OpGetEphemerals lists Session's ephemerals whose path starts with
	// Path (sorted, in Children).
	OpGetEphemerals TreeOpKind = "getEphemerals"
	// OpSync changes nothing; its result names the path.
	OpSync TreeOpKind = "sync"
	// OpDeleteContainer is the server's own deletion of an empty container
	// (ContainerManager): it fails unless Path is a childless container.
	OpDeleteContainer TreeOpKind = "deleteContainer"
)

// Watch event types, as ZooKeeper names them.
const (
	EventNodeCreated         = "NodeCreated"
	EventNodeDeleted         = "NodeDeleted"
	EventNodeDataChanged     = "NodeDataChanged"
	EventNodeChildrenChanged = "NodeChildrenChanged"
)

// Event is a watch trigger a write fires: the event a watcher of Path
// receives (Type) when the write is applied. Which watches it fires follows
// ZooKeeper's WatchManager: NodeCreated, NodeDataChanged and NodeDeleted
// fire data and exist watches; NodeChildrenChanged and NodeDeleted fire
// child watches.
type Event struct {
	Path string
	Type string
}

// TreeOp is one operation on the tree. Version -1 means "any version".
type TreeOp struct {
	Kind    TreeOpKind
	Path    string
	Data    []byte
	Version int32
	Mode    CreateMode
	Session int64    // creator of ephemerals; the session closed by closeSession
	Ops     []TreeOp // multi's sub-operations
}

// TreeResult is an operation's outcome.
type TreeResult struct {
	Err      string // "" on success, else a ZooKeeper error name
	Path     string // created path (with its sequential suffix)
	Data     []byte
	Stat     Stat
	Children []string     // sorted (getChildren; getEphemerals' paths)
	Number   int32        // getAllChildrenNumber
	Results  []TreeResult // multi, multiRead: one per sub-op
}

type znode struct {
	data      []byte
	stat      Stat
	children  map[string]bool
	container bool // created as a container (its Stat shows owner 0)
}

// Tree is the reference znode tree. The zero value is not usable; call
// NewTree. Every write takes the zxid and time of its transaction.
type Tree struct {
	nodes map[string]*znode
	// events collects the watch triggers of the writes applied, in order.
	events []Event
}

// TreeOptions configures a new tree.
type TreeOptions struct {
	// SystemNodes adds /zookeeper, /zookeeper/config and /zookeeper/quota as
	// ZooKeeper 3.8's DataTree does (zero stats, not counted in cversion).
	SystemNodes bool
	_           struct{}
}

// NewTree returns a tree holding only the root (and the system nodes if asked).
func NewTree(opts TreeOptions) *Tree {
	t := &Tree{nodes: map[string]*znode{"/": {children: map[string]bool{}}}}
	if opts.SystemNodes {
		for _, p := range []string{"/zookeeper", "/zookeeper/config", "/zookeeper/quota"} {
			t.nodes[p] = &znode{children: map[string]bool{}}
			t.link(p)
		}
	}
	return t
}

func (t *Tree) link(p string) {
	parent := t.nodes[parentOf(p)]
	parent.children[baseOf(p)] = true
	parent.stat.NumChildren = int32(len(parent.children))
}

// Clone returns a deep copy.
func (t *Tree) Clone() *Tree {
	c := &Tree{nodes: make(map[string]*znode, len(t.nodes))}
	for p, n := range t.nodes {
		kids := make(map[string]bool, len(n.children))
		for k := range n.children {
			kids[k] = true
		}
		c.nodes[p] = &znode{data: append([]byte(nil), n.data...), stat: n.stat, children: kids, container: n.container}
	}
	return c
}

// Paths returns every path, sorted.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.nodes))
	for p := range t.nodes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Apply performs op as the transaction zxid at timeMS and returns its result.
// Reads ignore zxid and timeMS. A failed op (or multi) leaves the tree as it
// was.
func (t *Tree) Apply(op TreeOp, zxid, timeMS int64) TreeResult {
	switch op.Kind {
	case OpCreate:
		return t.create(op, zxid, timeMS)
	case OpDelete:
		return t.delete(op, zxid)
	case OpSetData:
		return t.setData(op, zxid, timeMS)
	case OpGetData:
		return t.getData(op.Path)
	case OpExists:
		return t.exists(op.Path)
	case OpGetChildren:
		return t.getChildren(op.Path)
	case OpCheck:
		return t.check(op)
	case OpMulti:
		return t.multi(op, zxid, timeMS)
	case OpCloseSession:
		return t.closeSession(op.Session, zxid)
	default:
		return t.applyOther(op, zxid)
	}
}

// ApplyEvents is Apply that also returns the watch triggers the op fired,
// in the order ZooKeeper fires them (none for reads and failed writes).
func (t *Tree) ApplyEvents(op TreeOp, zxid, timeMS int64) (TreeResult, []Event) {
	t.events = t.events[:0]
	res := t.Apply(op, zxid, timeMS)
	return res, slices.Clone(t.events)
}

func (t *Tree) applyOther(op TreeOp, zxid int64) TreeResult {
	switch op.Kind {
	case OpMultiRead:
		return t.multiRead(op)
	case OpGetAllChildrenNumber:
		return t.allChildrenNumber(op.Path)
	case OpGetEphemerals:
		return TreeResult{Children: t.ephemeralsUnder(op.Session, op.Path)}
	case OpSync:
		return TreeResult{Path: op.Path}
	case OpDeleteContainer:
		return t.deleteContainer(op.Path, zxid)
	default:
		return TreeResult{Err: ErrBadArguments}
	}
}

// ValidatePath reports whether p is a legal znode path (PathUtils.validatePath).
func ValidatePath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("path must not be empty")
	case p[0] != '/':
		return fmt.Errorf("path must start with /")
	case p == "/":
		return nil
	case strings.HasSuffix(p, "/"):
		return fmt.Errorf("path must not end with /")
	}
	for _, part := range strings.Split(p[1:], "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("invalid path element %q", part)
		}
		for _, r := range part {
			if r == 0 || (r > 0 && r < 0x1f) || (r > 0x7f && r < 0x9f) || (r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xffff) {
				return fmt.Errorf("invalid character %q", r)
			}
		}
	}
	return nil
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func baseOf(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func (t *Tree) create(op TreeOp, zxid, timeMS int64) TreeResult {
	if op.Path == "/" || ValidatePath(op.Path) != nil {
		return TreeResult{Err: ErrBadArguments}
	}
	parent, ok := t.nodes[parentOf(op.Path)]
	if !ok {
		return TreeResult{Err: ErrNoNode}
	}
	path := op.Path
	if op.Mode.sequential() {
		// ZooKeeper numbers from the cversion it stores, which counts
		// creates only; the Stat shows creates plus deletes
		// (DataNode.copyStat: stored*2 - numChildren).
		path = fmt.Sprintf("%s%010d", op.Path, (parent.stat.Cversion+parent.stat.NumChildren)/2)
	}
	if _, exists := t.nodes[path]; exists {
		return TreeResult{Err: ErrNodeExists}
	}
	if parent.stat.EphemeralOwner != 0 {
		return TreeResult{Err: ErrNoChildrenForEphemerals}
	}
	if op.Mode.ephemeral() && op.Session == 0 {
		return TreeResult{Err: ErrBadArguments}
	}
	st := Stat{Czxid: zxid, Mzxid: zxid, Ctime: timeMS, Mtime: timeMS, Pzxid: zxid, DataLength: int32(len(op.Data))}
	if op.Mode.ephemeral() {
		st.EphemeralOwner = op.Session
	}
	t.nodes[path] = &znode{data: append([]byte(nil), op.Data...), stat: st, children: map[string]bool{}, container: op.Mode == Container}
	t.link(path)
	parent.stat.Cversion++
	parent.stat.Pzxid = zxid
	t.events = append(t.events, Event{path, EventNodeCreated}, Event{parentOf(path), EventNodeChildrenChanged})
	return TreeResult{Path: path, Stat: st}
}

func (t *Tree) delete(op TreeOp, zxid int64) TreeResult {
	if op.Path == "/" || ValidatePath(op.Path) != nil {
		return TreeResult{Err: ErrBadArguments}
	}
	n, ok := t.nodes[op.Path]
	switch {
	case !ok:
		return TreeResult{Err: ErrNoNode}
	case op.Version != -1 && op.Version != n.stat.Version:
		return TreeResult{Err: ErrBadVersion}
	case len(n.children) > 0:
		return TreeResult{Err: ErrNotEmpty}
	}
	t.remove(op.Path, zxid)
	return TreeResult{}
}

func (t *Tree) remove(p string, zxid int64) {
	delete(t.nodes, p)
	parent := t.nodes[parentOf(p)]
	delete(parent.children, baseOf(p))
	parent.stat.NumChildren = int32(len(parent.children))
	parent.stat.Cversion++
	parent.stat.Pzxid = zxid
	t.events = append(t.events, Event{p, EventNodeDeleted}, Event{parentOf(p), EventNodeChildrenChanged})
}

func (t *Tree) setData(op TreeOp, zxid, timeMS int64) TreeResult {
	if ValidatePath(op.Path) != nil {
		return TreeResult{Err: ErrBadArguments}
	}
	n, ok := t.nodes[op.Path]
	switch {
	case !ok:
		return TreeResult{Err: ErrNoNode}
	case op.Version != -1 && op.Version != n.stat.Version:
		return TreeResult{Err: ErrBadVersion}
	}
	n.data = append([]byte(nil), op.Data...)
	n.stat.Version++
	n.stat.Mzxid, n.stat.Mtime = zxid, timeMS
	n.stat.DataLength = int32(len(op.Data))
	t.events = append(t.events, Event{op.Path, EventNodeDataChanged})
	return TreeResult{Stat: n.stat}
}

func (t *Tree) getData(p string) TreeResult {
	n, ok := t.nodes[p]
	if !ok {
		return TreeResult{Err: ErrNoNode}
	}
	return TreeResult{Data: append([]byte(nil), n.data...), Stat: n.stat}
}

func (t *Tree) exists(p string) TreeResult {
	n, ok := t.nodes[p]
	if !ok {
		return TreeResult{Err: ErrNoNode}
	}
	return TreeResult{Stat: n.stat}
}

func (t *Tree) getChildren(p string) TreeResult {
	n, ok := t.nodes[p]
	if !ok {
		return TreeResult{Err: ErrNoNode}
	}
	kids := make([]string, 0, len(n.children))
	for k := range n.children {
		kids = append(kids, k)
	}
	sort.Strings(kids)
	return TreeResult{Children: kids, Stat: n.stat}
}

func (t *Tree) check(op TreeOp) TreeResult {
	n, ok := t.nodes[op.Path]
	switch {
	case !ok:
		return TreeResult{Err: ErrNoNode}
	case op.Version != -1 && op.Version != n.stat.Version:
		return TreeResult{Err: ErrBadVersion}
	}
	return TreeResult{}
}

// multi applies sub-ops in order on a copy; all share one zxid. On the first
// failure the tree is unchanged and results follow ZooKeeper: earlier ops
// report OK (rolled back), the failing op its error, later ops
// RUNTIMEINCONSISTENCY; the multi's own Err is the failing op's.
func (t *Tree) multi(op TreeOp, zxid, timeMS int64) TreeResult {
	work := t.Clone()
	results := make([]TreeResult, len(op.Ops))
	for i, sub := range op.Ops {
		if !allowedInMulti(sub.Kind) {
			return multiFailure(len(op.Ops), i, ErrBadArguments)
		}
		results[i] = work.Apply(sub, zxid, timeMS)
		if results[i].Err != ErrOK {
			return multiFailure(len(op.Ops), i, results[i].Err)
		}
	}
	t.nodes = work.nodes
	t.events = append(t.events, work.events...)
	return TreeResult{Results: results}
}

// allowedInMulti: ZooKeeper's write multi takes create, delete, setData and
// check only.
func allowedInMulti(k TreeOpKind) bool {
	return k == OpCreate || k == OpDelete || k == OpSetData || k == OpCheck
}

func multiFailure(n, failed int, err string) TreeResult {
	results := make([]TreeResult, n)
	for i := range results {
		switch {
		case i == failed:
			results[i].Err = err
		case i > failed:
			results[i].Err = ErrRuntimeInconsistency
		}
	}
	return TreeResult{Err: err, Results: results}
}

// closeSession deletes the session's ephemerals in path order.
func (t *Tree) closeSession(session int64, zxid int64) TreeResult {
	for _, p := range t.Ephemerals(session) {
		t.remove(p, zxid)
	}
	return TreeResult{}
}

// Ephemerals returns the session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	var out []string
	for p, n := range t.nodes {
		if session != 0 && n.stat.EphemeralOwner == session {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Digest is a canonical text of the whole tree (paths, data, stats), for
// comparing a server's tree with the spec's.
func (t *Tree) Digest() string {
	var b strings.Builder
	for _, p := range t.Paths() {
		n := t.nodes[p]
		fmt.Fprintf(&b, "%s %q %+v\n", p, n.data, n.stat)
	}
	return b.String()
}

// multiRead answers each getData or getChildren sub-op on its own: a
// failing one carries its error, the others their data (ZooKeeper's
// multiRead never rolls anything back; it changes nothing).
func (t *Tree) multiRead(op TreeOp) TreeResult {
	results := make([]TreeResult, len(op.Ops))
	for i, sub := range op.Ops {
		switch sub.Kind {
		case OpGetData, OpGetChildren:
			results[i] = t.Apply(sub, 0, 0)
		default:
			results[i] = TreeResult{Err: ErrBadArguments}
		}
	}
	return TreeResult{Results: results}
}

// allChildrenNumber counts every node below p (DataTree.getAllChildrenNumber:
// paths starting with p + "/").
func (t *Tree) allChildrenNumber(p string) TreeResult {
	if _, ok := t.nodes[p]; !ok {
		return TreeResult{Err: ErrNoNode}
	}
	prefix := p + "/"
	if p == "/" {
		prefix = "/"
	}
	n := int32(0)
	for q := range t.nodes {
		if q != "/" && strings.HasPrefix(q, prefix) {
			n++
		}
	}
	return TreeResult{Number: n}
}

// ephemeralsUnder is getEphemerals: the session's ephemerals whose path
// starts with prefix (every one for "" or "/"), sorted.
func (t *Tree) ephemeralsUnder(session int64, prefix string) []string {
	all := t.Ephemerals(session)
	if strings.TrimSpace(prefix) == "" || strings.TrimSpace(prefix) == "/" {
		return all
	}
	out := all[:0]
	for _, p := range all {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// deleteContainer removes an empty container (ContainerManager's txn).
func (t *Tree) deleteContainer(p string, zxid int64) TreeResult {
	n, ok := t.nodes[p]
	switch {
	case !ok:
		return TreeResult{Err: ErrNoNode}
	case len(n.children) > 0:
		return TreeResult{Err: ErrNotEmpty}
	case !n.container:
		return TreeResult{Err: ErrBadVersion}
	}
	t.remove(p, zxid)
	return TreeResult{}
}

package tree

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/server/wire"
)

// Persisted is StatPersisted: the stat fields a node stores. Ctime and Mtime
// are milliseconds since the Unix epoch (the txn header's TimeMS). Cversion
// counts the creates of children (DataTree semantics); the Stat a client
// sees reports cversion*2 − numChildren, i.e. creates plus deletes.
type Persisted struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	Pzxid          int64
}

// NodeInfo is what the prep stage needs to validate a request against a
// node: its persisted stat, ACL, and child count.
type NodeInfo struct {
	Stat        Persisted
	ACL         []wire.ACL
	NumChildren int
	DataLength  int
}

type node struct {
	path     string // the key of the node in Tree.nodes (see Intern)
	data     []byte
	acl      []wire.ACL
	stat     Persisted
	children map[string]struct{}
	hash     uint64 // this node's contribution to Tree.digest
}

// clientStat is DataNode.copyStat: the Stat a client sees.
func (n *node) clientStat() wire.Stat {
	numChildren := int32(len(n.children))
	return wire.Stat{
		Czxid:          n.stat.Czxid,
		Mzxid:          n.stat.Mzxid,
		Ctime:          n.stat.Ctime,
		Mtime:          n.stat.Mtime,
		Version:        n.stat.Version,
		Cversion:       n.stat.Cversion*2 - numChildren,
		Aversion:       n.stat.Aversion,
		EphemeralOwner: clientOwner(n.stat.EphemeralOwner),
		DataLength:     int32(len(n.data)),
		NumChildren:    numChildren,
		Pzxid:          n.stat.Pzxid,
	}
}

// Tree is ZooKeeper's DataTree: the znodes, the per-session ephemeral index,
// the container and TTL indexes, and the data and child watch managers. It
// is a plain state machine: it knows nothing of session liveness,
// connections or clocks; everything arrives in txns or arguments. It is not
// safe for concurrent use.
type Tree struct {
	nodes      map[string]*node
	ephemerals map[int64]map[string]struct{}
	containers map[string]struct{}
	ttls       map[string]struct{}
	dataWatch  watchManager // data and exist watches (WatchManager dataWatches)
	childWatch watchManager // child watches (WatchManager childWatches)
	digest     uint64       // sum of node hashes, kept up to date on every change
	lastZxid   int64

	// staleReplay re-creates ZOOKEEPER-1046 (SetStaleReplay).
	staleReplay bool
	// providers are the server's optional authentication providers, for
	// the ACL checks the tree makes itself (GetDataView).
	providers Providers
}

// SetProviders sets the authentication providers the tree's own ACL
// checks use (the zero value, ZooKeeper's default registry, until set).
func (t *Tree) SetProviders(p Providers) { t.providers = p }

// SetStaleReplay turns on the zk-1046 bug switch's replay path: a create
// moves its parent's cversion by one instead of to the txn's parentCVersion
// (the field the fix added), and a replayed plain create that finds its node
// already there (the node was in a fuzzy snapshot) leaves the parent's
// cversion and pzxid alone, as FileTxnSnapLog did before ZOOKEEPER-1046. The parent keeps the stale cversion the fuzzy
// snapshot recorded, and the next sequential name collides with an existing
// node (NODEEXISTS) or reuses a deleted one's.
func (t *Tree) SetStaleReplay(on bool) { t.staleReplay = on }

// Special nodes every tree starts with (DataTree's constructor).
const (
	ZookeeperPath = "/zookeeper"
	QuotaPath     = "/zookeeper/quota"
	ConfigPath    = "/zookeeper/config"
)

// New returns a tree holding what ZooKeeper 3.8's DataTree starts with: "/",
// "/zookeeper" and "/zookeeper/quota" (open ACL, all stat fields zero) and
// "/zookeeper/config" (read-only ACL, aversion −1, because DataTree sets its
// ACL with version −1).
func New() *Tree {
	t := empty()
	for _, p := range []string{"/", ZookeeperPath, QuotaPath, ConfigPath} {
		t.insert(p, &node{data: []byte{}, acl: wire.OpenACLUnsafe})
	}
	cfg := t.nodes[ConfigPath]
	t.change(ConfigPath, cfg, func() {
		cfg.acl = wire.ReadACLUnsafe
		cfg.stat.Aversion = -1
	})
	return t
}

func empty() *Tree {
	return &Tree{
		nodes:      make(map[string]*node),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		dataWatch:  newWatchManager(),
		childWatch: newWatchManager(),
	}
}

// Intern returns the path of the node named by b, if the tree has one, as
// the string the tree already holds: a server decodes the paths of client
// requests through it (it is a wire.Interner), so a request on an existing
// node costs no copy of its path. It does not keep b.
func (t *Tree) Intern(b []byte) (string, bool) {
	if n := t.nodes[string(b)]; n != nil {
		return n.path, true
	}
	return "", false
}

// insert adds a node under its (existing) parent and indexes its owner.
func (t *Tree) insert(path string, n *node) {
	n.acl = slices.Clone(n.acl)
	if n.children == nil {
		n.children = make(map[string]struct{})
	}
	n.path = path
	n.hash = nodeHash(path, n)
	t.digest += n.hash
	t.nodes[path] = n
	if path != "/" {
		t.nodes[ParentPath(path)].children[baseName(path)] = struct{}{}
	}
	switch owner := n.stat.EphemeralOwner; KindOf(owner) {
	case OwnerContainer:
		t.containers[path] = struct{}{}
	case OwnerTTL:
		t.ttls[path] = struct{}{}
	case OwnerSession:
		set := t.ephemerals[owner]
		if set == nil {
			set = make(map[string]struct{})
			t.ephemerals[owner] = set
		}
		set[path] = struct{}{}
	}
}

// change applies f to n and keeps the digest in step.
func (t *Tree) change(path string, n *node, f func()) {
	t.digest -= n.hash
	f()
	n.hash = nodeHash(path, n)
	t.digest += n.hash
}

// nodeHash is a node's contribution to the tree digest: FNV-1a over its
// path, data (nil and empty differ), ACL and persisted stat, in their jute
// encoding (a string, a buffer, an ACL vector, encodePersisted's fields).
// It hashes the fields as it walks them instead of encoding them into a
// buffer first: every write rehashes the nodes it changes, on every server.
func nodeHash(path string, n *node) uint64 {
	h := fnvHash(fnvOffset64)
	h = h.str(path)
	if n.data == nil {
		h = h.u32(^uint32(0)) // a null buffer is length -1
	} else {
		h = h.u32(uint32(len(n.data))).bytes(n.data)
	}
	if n.acl == nil {
		h = h.u32(^uint32(0))
	} else {
		h = h.u32(uint32(len(n.acl)))
	}
	for i := range n.acl {
		a := &n.acl[i]
		h = h.u32(uint32(a.Perms)).str(a.ID.Scheme).str(a.ID.ID)
	}
	st := &n.stat
	h = h.u64(uint64(st.Czxid)).u64(uint64(st.Mzxid)).u64(uint64(st.Ctime)).u64(uint64(st.Mtime))
	h = h.u32(uint32(st.Version)).u32(uint32(st.Cversion)).u32(uint32(st.Aversion))
	h = h.u64(uint64(st.EphemeralOwner)).u64(uint64(st.Pzxid))
	return uint64(h)
}

// fnvHash is a running FNV-1a (64-bit) hash, fed big-endian integers and
// length-prefixed strings as a jute encoding of them would be. It is not
// hash/fnv because a hash.Hash64 carried through the field helpers escapes:
// measured, 3 allocations and 40 B per node hashed against none.
type fnvHash uint64

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func (h fnvHash) bytes(b []byte) fnvHash {
	for _, c := range b {
		h ^= fnvHash(c)
		h *= fnvPrime64
	}
	return h
}

func (h fnvHash) str(s string) fnvHash {
	h = h.u32(uint32(len(s)))
	for i := 0; i < len(s); i++ {
		h ^= fnvHash(s[i])
		h *= fnvPrime64
	}
	return h
}

// u32 and u64 are written out byte by byte (big-endian, as jute encodes):
// the loops they replace cost twice the instructions per byte in counter
// and shift bookkeeping, and a node's stat alone is 60 bytes of them,
// hashed on every server for every write.

func (h fnvHash) u32(v uint32) fnvHash {
	h = (h ^ fnvHash(byte(v>>24))) * fnvPrime64
	h = (h ^ fnvHash(byte(v>>16))) * fnvPrime64
	h = (h ^ fnvHash(byte(v>>8))) * fnvPrime64
	return (h ^ fnvHash(byte(v))) * fnvPrime64
}

func (h fnvHash) u64(v uint64) fnvHash {
	return h.u32(uint32(v >> 32)).u32(uint32(v))
}

// Digest returns a hash of the whole tree state (every node's path, data,
// ACL and persisted stat; not watches, not LastZxid). Two replicas that
// applied the same txns have equal digests. It costs O(1): the digest is
// maintained incrementally.
func (t *Tree) Digest() uint64 { return t.digest }

// LastZxid returns the highest zxid applied (DataTree.lastProcessedZxid).
func (t *Tree) LastZxid() int64 { return t.lastZxid }

// NodeCount returns the number of nodes, the root included.
func (t *Tree) NodeCount() int { return len(t.nodes) }

// lookup finds the node at path for a client's read. ZooKeeper's DataTree
// keeps the root under "" as well as "/" (its nodes map has both keys), so
// a read of the empty path reads the root; a watch it sets stays on "",
// which no change ever fires.
func (t *Tree) lookup(path string) (*node, bool) {
	if path == "" {
		path = "/"
	}
	n, ok := t.nodes[path]
	return n, ok
}

// Node returns what the prep stage needs to know about path. Its ACL is the
// tree's own slice, shared rather than copied (prep and every read check
// it): the tree never modifies a node's ACL in place (setACL installs a new
// slice), and callers must not modify it either.
func (t *Tree) Node(path string) (NodeInfo, bool) {
	n, ok := t.lookup(path)
	if !ok {
		return NodeInfo{}, false
	}
	return NodeInfo{
		Stat:        n.stat,
		ACL:         n.acl,
		NumChildren: len(n.children),
		DataLength:  len(n.data),
	}, true
}

// GetData returns a copy of the node's data and its stat; with watch set it
// arms a one-shot data watch for w, but only if the node exists.
func (t *Tree) GetData(path string, w Watcher, watch bool) ([]byte, wire.Stat, wire.Err) {
	n, ok := t.lookup(path)
	if !ok {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	if watch {
		t.dataWatch.add(path, w, modeStandard)
	}
	return slices.Clone(n.data), n.clientStat(), wire.ErrOK
}

// GetDataView is a server's getData in one lookup: it checks that ids may
// read the node (CheckACL with PermRead; a missing node is NoNode) and only
// then arms the watch and returns the data and stat. The data is the
// tree's own slice, not a copy, for a caller that only reads it (a server
// encoding a reply): the tree never modifies a node's data in place
// (setData installs a new slice), so the view stays unchanged; the caller
// must not modify it.
func (t *Tree) GetDataView(path string, ids []wire.ID, w Watcher, watch bool) ([]byte, wire.Stat, wire.Err) {
	n, ok := t.lookup(path)
	if !ok {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	if err := t.providers.CheckACL(n.acl, wire.PermRead, ids); err != wire.ErrOK {
		return nil, wire.Stat{}, err
	}
	if watch {
		t.dataWatch.add(path, w, modeStandard)
	}
	return n.data, n.clientStat(), wire.ErrOK
}

// Exists returns the node's stat; with watch set it arms a one-shot watch
// for w whether or not the node exists (an exist watch on a missing node
// fires NodeCreated), as DataTree.statNode does.
func (t *Tree) Exists(path string, w Watcher, watch bool) (wire.Stat, wire.Err) {
	if watch {
		t.dataWatch.add(path, w, modeStandard)
	}
	n, ok := t.lookup(path)
	if !ok {
		return wire.Stat{}, wire.ErrNoNode
	}
	return n.clientStat(), wire.ErrOK
}

// GetChildren returns the node's child names and its stat; with watch set it
// arms a one-shot child watch for w if the node exists. ZooKeeper returns
// the children in HashSet order; zabsim returns them sorted (byte order) so
// replies are deterministic. Clients must not rely on either order.
func (t *Tree) GetChildren(path string, w Watcher, watch bool) ([]string, wire.Stat, wire.Err) {
	n, ok := t.lookup(path)
	if !ok {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	if watch {
		t.childWatch.add(path, w, modeStandard)
	}
	return sortedKeys(n.children), n.clientStat(), wire.ErrOK
}

// GetACL returns a copy of the node's ACL and its stat.
func (t *Tree) GetACL(path string) ([]wire.ACL, wire.Stat, wire.Err) {
	n, ok := t.lookup(path)
	if !ok {
		return nil, wire.Stat{}, wire.ErrNoNode
	}
	return slices.Clone(n.acl), n.clientStat(), wire.ErrOK
}

// GetAllChildrenNumber returns the number of descendants of path (for "/",
// every node but the root, /zookeeper and its children included).
func (t *Tree) GetAllChildrenNumber(path string) (int, wire.Err) {
	n, ok := t.lookup(path)
	if !ok {
		return 0, wire.ErrNoNode
	}
	if path == "" {
		// DataTree.getAllChildrenNumber counts the keys that start with
		// path+"/": for "" that is every node but the "" alias itself, the
		// root included.
		return 1 + t.descendants("/", n), wire.ErrOK
	}
	return t.descendants(path, n), wire.ErrOK
}

func (t *Tree) descendants(path string, n *node) int {
	count := 0
	for name := range n.children {
		child := childPath(path, name)
		count += 1 + t.descendants(child, t.nodes[child])
	}
	return count
}

// GetEphemerals returns, sorted, the ephemeral nodes of session whose path
// starts with prefix (plain string prefix, as FinalRequestProcessor does; an
// empty or "/" prefix, after trimming spaces, means all of them).
func (t *Tree) GetEphemerals(session int64, prefix string) []string {
	all := t.Ephemerals(session)
	if p := strings.TrimSpace(prefix); p == "" || p == "/" {
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

// Ephemerals returns the session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	return sortedKeys(t.ephemerals[session])
}

// EphemeralSessions returns, sorted, the sessions that own ephemeral nodes.
// (ZooKeeper keeps an empty entry for a session whose ephemerals were all
// deleted; zabsim drops it.)
func (t *Tree) EphemeralSessions() []int64 {
	return sortedKeys(t.ephemerals)
}

// Containers returns the paths of all container nodes, sorted.
func (t *Tree) Containers() []string { return sortedKeys(t.containers) }

// TTLNodes returns the paths of all TTL nodes, sorted.
func (t *Tree) TTLNodes() []string { return sortedKeys(t.ttls) }

// CleanupCandidates returns, sorted, the nodes ZooKeeper's ContainerManager
// would delete at time nowMS (milliseconds, the leader's clock):
//   - containers with no children whose cversion is above zero (they had a
//     child once), or, when maxNeverUsedMS > 0, whose cversion is zero and
//     whose mtime is more than maxNeverUsedMS old;
//   - TTL nodes with no children whose mtime is more than their TTL old.
//
// The caller turns each into a deleteContainer (containers) or delete (TTL)
// request; prep re-checks the conditions when it sees it.
func (t *Tree) CleanupCandidates(nowMS, maxNeverUsedMS int64) []string {
	var out []string
	for p := range t.containers {
		n := t.nodes[p]
		if len(n.children) != 0 {
			continue
		}
		if n.stat.Cversion > 0 || (maxNeverUsedMS > 0 && nowMS-n.stat.Mtime > maxNeverUsedMS) {
			out = append(out, p)
		}
	}
	for p := range t.ttls {
		n := t.nodes[p]
		if ttl := TTLOf(n.stat.EphemeralOwner); len(n.children) == 0 && ttl != 0 && nowMS-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

// ApproximateDataSize is DataTree.approximateDataSize: the length of every
// znode's path plus its data. It walks the whole tree: it is for
// operators, not for the request path.
func (t *Tree) ApproximateDataSize() int64 {
	var size int64
	stack := []string{"/"}
	for len(stack) > 0 {
		path := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := t.Node(path)
		if !ok {
			continue
		}
		size += int64(len(path) + n.DataLength)
		kids, _, _ := t.GetChildren(path, 0, false)
		for _, k := range kids {
			if path == "/" {
				stack = append(stack, "/"+k)
			} else {
				stack = append(stack, path+"/"+k)
			}
		}
	}
	return size
}

package tree

import (
	"slices"
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// A fresh ZooKeeper 3.8 shows `stat /` with cversion -1 and `stat
// /zookeeper` with cversion -2: the persisted cversion counts creates (0
// for the built-in nodes) and copyStat reports cversion*2 - numChildren.
func TestNewTree(t *testing.T) {
	tr := New()
	cases := []struct {
		path string
		want wire.Stat
		acl  []wire.ACL
	}{
		{"/", wire.Stat{Cversion: -1, NumChildren: 1}, wire.OpenACLUnsafe},
		{"/zookeeper", wire.Stat{Cversion: -2, NumChildren: 2}, wire.OpenACLUnsafe},
		{"/zookeeper/quota", wire.Stat{}, wire.OpenACLUnsafe},
		{"/zookeeper/config", wire.Stat{Aversion: -1}, wire.ReadACLUnsafe},
	}
	for _, c := range cases {
		acl, st, err := tr.GetACL(c.path)
		if err != wire.ErrOK || st != c.want || !slices.Equal(acl, c.acl) {
			t.Errorf("%s: stat %+v acl %v err %v; want %+v %v", c.path, st, acl, err, c.want, c.acl)
		}
	}
	if n, _ := tr.GetAllChildrenNumber("/"); n != 3 {
		t.Errorf("GetAllChildrenNumber(/) = %d, want 3", n)
	}
	if tr.NodeCount() != 4 {
		t.Errorf("NodeCount = %d, want 4", tr.NodeCount())
	}
	checkInvariants(t, tr)
}

// TestStatAfterEachOp pins every Stat field after each kind of txn, as
// DataTree.processTxn + DataNode.copyStat produce them.
func TestStatAfterEachOp(t *testing.T) {
	tr := New()
	const sess = 0x155
	type check struct {
		path string
		want wire.Stat
	}
	steps := []struct {
		name     string
		h        txn.Header
		rec      txn.Record
		wantStat *wire.Stat // the result's Stat (nil: the reply carries none)
		checks   []check
	}{{
		name: "create persistent",
		h:    hdr(1, wire.OpCreate, sess), rec: &txn.Create{Path: "/a", Data: []byte("x"), ACL: wire.OpenACLUnsafe, ParentCVersion: 1},
		checks: []check{
			{"/a", wire.Stat{Czxid: 1, Mzxid: 1, Ctime: 1000, Mtime: 1000, DataLength: 1, Pzxid: 1}},
			{"/", wire.Stat{Cversion: 0, NumChildren: 2, Pzxid: 1}},
		},
	}, {
		name: "create2 ephemeral",
		h:    hdr(2, wire.OpCreate2, sess), rec: &txn.Create{Path: "/a/e", ACL: wire.OpenACLUnsafe, Ephemeral: true, ParentCVersion: 1},
		wantStat: &wire.Stat{Czxid: 2, Mzxid: 2, Ctime: 2000, Mtime: 2000, EphemeralOwner: sess, Pzxid: 2},
		checks: []check{
			{"/a", wire.Stat{Czxid: 1, Mzxid: 1, Ctime: 1000, Mtime: 1000, Cversion: 1, DataLength: 1, NumChildren: 1, Pzxid: 2}},
		},
	}, {
		name: "setData",
		h:    hdr(3, wire.OpSetData, sess), rec: &txn.SetData{Path: "/a", Data: []byte("yz"), Version: 1},
		wantStat: &wire.Stat{Czxid: 1, Mzxid: 3, Ctime: 1000, Mtime: 3000, Version: 1, Cversion: 1, DataLength: 2, NumChildren: 1, Pzxid: 2},
	}, {
		name: "setACL",
		h:    hdr(4, wire.OpSetACL, sess), rec: &txn.SetACL{Path: "/a", ACL: wire.ReadACLUnsafe, Version: 1},
		wantStat: &wire.Stat{Czxid: 1, Mzxid: 3, Ctime: 1000, Mtime: 3000, Version: 1, Cversion: 1, Aversion: 1, DataLength: 2, NumChildren: 1, Pzxid: 2},
	}, {
		name: "delete: parent cversion counts the delete, pzxid moves",
		h:    hdr(5, wire.OpDelete, sess), rec: &txn.Delete{Path: "/a/e"},
		checks: []check{
			{"/a", wire.Stat{Czxid: 1, Mzxid: 3, Ctime: 1000, Mtime: 3000, Version: 1, Cversion: 2, Aversion: 1, DataLength: 2, Pzxid: 5}},
		},
	}, {
		name: "createContainer: owner hidden from clients",
		h:    hdr(6, wire.OpCreateContainer, sess), rec: &txn.CreateContainer{Path: "/c", Data: []byte{}, ACL: wire.OpenACLUnsafe, ParentCVersion: 2},
		wantStat: &wire.Stat{Czxid: 6, Mzxid: 6, Ctime: 6000, Mtime: 6000, Pzxid: 6},
		checks: []check{
			{"/", wire.Stat{Cversion: 1, NumChildren: 3, Pzxid: 6}},
		},
	}, {
		name: "createTTL: owner hidden from clients",
		h:    hdr(7, wire.OpCreateTTL, sess), rec: &txn.CreateTTL{Path: "/t", ACL: wire.OpenACLUnsafe, ParentCVersion: 3, TTLMS: 5000},
		wantStat: &wire.Stat{Czxid: 7, Mzxid: 7, Ctime: 7000, Mtime: 7000, Pzxid: 7},
	}, {
		name: "parentCVersion -1: the tree picks cversion+1",
		h:    hdr(8, wire.OpCreate, sess), rec: &txn.Create{Path: "/a/f", ACL: wire.OpenACLUnsafe, ParentCVersion: -1},
		checks: []check{
			{"/a", wire.Stat{Czxid: 1, Mzxid: 3, Ctime: 1000, Mtime: 3000, Version: 1, Cversion: 3, Aversion: 1, DataLength: 2, NumChildren: 1, Pzxid: 8}},
		},
	}}
	for _, s := range steps {
		rc := mustApply(t, tr, s.h, s.rec)
		if rc.HasStat != (s.wantStat != nil) || (rc.HasStat && rc.Stat != *s.wantStat) {
			t.Errorf("%s: result stat %+v, want %+v", s.name, rc.Stat, s.wantStat)
		}
		for _, c := range s.checks {
			if got := statOf(t, tr, c.path); got != c.want {
				t.Errorf("%s: stat %s\n got  %+v\n want %+v", s.name, c.path, got, c.want)
			}
		}
		checkInvariants(t, tr)
	}
	if info, _ := tr.Node("/c"); info.Stat.EphemeralOwner != ContainerOwner {
		t.Errorf("container owner %#x, want %#x", info.Stat.EphemeralOwner, ContainerOwner)
	}
	if info, _ := tr.Node("/t"); TTLOf(info.Stat.EphemeralOwner) != 5000 || uint64(info.Stat.EphemeralOwner) != 0xff00000000001388 {
		t.Errorf("ttl owner %#x", info.Stat.EphemeralOwner)
	}
	if tr.LastZxid() != 8 {
		t.Errorf("LastZxid = %d, want 8", tr.LastZxid())
	}
}

func TestApplyErrors(t *testing.T) {
	tr := New()
	mustApply(t, tr, hdr(1, wire.OpCreate, 1), prepCreate(t, tr, "/a", "", false))
	before := tr.Digest()
	cases := []struct {
		name string
		h    txn.Header
		rec  txn.Record
		want wire.Err
	}{
		{"create without parent", hdr(2, wire.OpCreate2, 1), &txn.Create{Path: "/x/y", ParentCVersion: 1}, wire.ErrNoNode},
		{"setData missing", hdr(2, wire.OpSetData, 1), &txn.SetData{Path: "/x", Version: 1}, wire.ErrNoNode},
		{"setACL missing", hdr(2, wire.OpSetACL, 1), &txn.SetACL{Path: "/x", Version: 1}, wire.ErrNoNode},
		{"delete missing parent", hdr(2, wire.OpDelete, 1), &txn.Delete{Path: "/x/y"}, wire.ErrNoNode},
		{"error txn", hdr(2, wire.OpError, 1), &txn.Error{Err: wire.ErrBadVersion}, wire.ErrBadVersion},
		{"record kind mismatch", hdr(2, wire.OpCreate, 1), &txn.Delete{Path: "/a"}, wire.ErrMarshalling},
		{"nil record", hdr(2, wire.OpDelete, 1), nil, wire.ErrMarshalling},
		{"invalid path", hdr(2, wire.OpCreate2, 1), &txn.Create{Path: "a", ParentCVersion: 1}, wire.ErrBadArguments},
		{"create root", hdr(2, wire.OpCreate2, 1), &txn.Create{Path: "/", ParentCVersion: 1}, wire.ErrNodeExists},
		{"invalid ttl", hdr(2, wire.OpCreateTTL, 1), &txn.CreateTTL{Path: "/t", TTLMS: 0}, wire.ErrBadArguments},
		{"ttl too large", hdr(2, wire.OpCreateTTL, 1), &txn.CreateTTL{Path: "/t", TTLMS: MaxTTLMS + 1}, wire.ErrBadArguments},
		{"ephemeral for container-marker session", hdr(2, wire.OpCreate, ContainerOwner), &txn.Create{Path: "/e", Ephemeral: true}, wire.ErrBadArguments},
		{"multi with setACL op", hdr(2, wire.OpMulti, 1), &txn.Multi{Ops: []txn.Op{
			{Type: wire.OpCreate, Record: &txn.Create{Path: "/m", ParentCVersion: -1}},
			{Type: wire.OpSetACL, Record: &txn.SetACL{Path: "/a"}}}}, wire.ErrMarshalling},
	}
	for _, c := range cases {
		rc := tr.ApplyTxn(txn.Txn{Header: c.h, Record: c.rec})
		if rc.Err != c.want {
			t.Errorf("%s: err %v, want %v", c.name, rc.Err, c.want)
		}
		if len(rc.Events) != 0 {
			t.Errorf("%s: events %v", c.name, rc.Events)
		}
	}
	if tr.Digest() != before {
		t.Errorf("failed txns changed the tree")
	}
	checkInvariants(t, tr)
}

// Replaying a create over an existing node (fuzzy snapshot replay) fails
// with NodeExists but still moves the parent's cversion and pzxid forward;
// deleting an already deleted child still moves the parent's pzxid.
func TestReplayIdempotence(t *testing.T) {
	tr := New()
	create := prepCreate(t, tr, "/a", "", false)
	mustApply(t, tr, hdr(1, wire.OpCreate, 1), create)
	again := *create
	again.ParentCVersion = 5
	rc := tr.ApplyTxn(txn.Txn{Header: hdr(9, wire.OpCreate, 1), Record: &again})
	if rc.Err != wire.ErrNodeExists {
		t.Fatalf("replayed create: %v", rc.Err)
	}
	root, _ := tr.Node("/")
	if root.Stat.Cversion != 5 || root.Stat.Pzxid != 9 {
		t.Errorf("root after replayed create: cversion %d pzxid %d, want 5 9", root.Stat.Cversion, root.Stat.Pzxid)
	}
	rc = tr.ApplyTxn(txn.Txn{Header: hdr(10, wire.OpDelete, 1), Record: &txn.Delete{Path: "/gone"}})
	root, _ = tr.Node("/")
	if rc.Err != wire.ErrNoNode || root.Stat.Pzxid != 10 {
		t.Errorf("delete of missing child: err %v, root pzxid %d; want NoNode, 10", rc.Err, root.Stat.Pzxid)
	}
	checkInvariants(t, tr)
}

// Sequence numbers come from the parent's persisted cversion, which counts
// creates: a deleted sequential node's number is never reused.
func TestSequentialNaming(t *testing.T) {
	tr := New()
	mustApply(t, tr, hdr(1, wire.OpCreate, 1), prepCreate(t, tr, "/q", "", false))
	var made []string
	for z := int64(2); z <= 5; z++ {
		parent, _ := tr.Node("/q")
		path := SequentialName("/q/n-", parent.Stat.Cversion)
		mustApply(t, tr, hdr(z, wire.OpCreate, 1), prepCreate(t, tr, path, "", false))
		made = append(made, path)
		if z == 3 {
			mustApply(t, tr, hdr(z*10, wire.OpDelete, 1), &txn.Delete{Path: path})
		}
	}
	want := []string{"/q/n-0000000000", "/q/n-0000000001", "/q/n-0000000002", "/q/n-0000000003"}
	if !slices.Equal(made, want) {
		t.Fatalf("names %v, want %v", made, want)
	}
	kids, _, _ := tr.GetChildren("/q", 0, false)
	if !slices.Equal(kids, []string{"n-0000000000", "n-0000000002", "n-0000000003"}) {
		t.Errorf("children %v", kids)
	}
	if got := SequentialName("/s", 2147483647); got != "/s2147483647" {
		t.Errorf("max cversion: %s", got)
	}
	if got := SequentialName("/s", -5); got != "/s-000000005" { // Java's %010d of a negative number
		t.Errorf("negative cversion: %s", got)
	}
}

func TestCloseSession(t *testing.T) {
	tr := New()
	const s1, s2 = 0x11, 0x22
	mustApply(t, tr, hdr(1, wire.OpCreate, s1), prepCreate(t, tr, "/e1", "", true))
	mustApply(t, tr, hdr(2, wire.OpCreate, s1), prepCreate(t, tr, "/e2", "", true))
	mustApply(t, tr, hdr(3, wire.OpCreate, s1), prepCreate(t, tr, "/e3", "", true))
	mustApply(t, tr, hdr(4, wire.OpCreate, s2), prepCreate(t, tr, "/other", "", true))
	if got := tr.GetEphemerals(s1, "/e"); !slices.Equal(got, []string{"/e1", "/e2", "/e3"}) {
		t.Fatalf("GetEphemerals = %v", got)
	}
	if got := tr.GetEphemerals(s1, "/e2"); !slices.Equal(got, []string{"/e2"}) {
		t.Fatalf("GetEphemerals(prefix /e2) = %v", got)
	}
	if got := tr.GetEphemerals(s1, " / "); len(got) != 3 {
		t.Fatalf("GetEphemerals(' / ') = %v", got)
	}
	// The txn lists /e3 and /e1 (and a path already gone); /e2 is found in
	// the tree's own index and deleted after them.
	tr.AddWatch("/", 9, wire.AddWatchPersistentRecursive)
	rc := mustApply(t, tr, hdr(5, wire.OpCloseSession, s1), &txn.CloseSession{Paths2Delete: []string{"/e3", "/missing", "/e1"}})
	if got := ev(rc.Events); got != "9:Deleted:/e3@5 9:Deleted:/e1@5 9:Deleted:/e2@5" {
		t.Errorf("closeSession events: %s", got)
	}
	for _, p := range []string{"/e1", "/e2", "/e3"} {
		if _, err := tr.Exists(p, 0, false); err != wire.ErrNoNode {
			t.Errorf("%s survived closeSession", p)
		}
	}
	if len(tr.Ephemerals(s1)) != 0 || !slices.Equal(tr.EphemeralSessions(), []int64{s2}) {
		t.Errorf("ephemeral index after close: %v sessions %v", tr.Ephemerals(s1), tr.EphemeralSessions())
	}
	root := statOf(t, tr, "/")
	if root.Pzxid != 5 || root.NumChildren != 2 {
		t.Errorf("root after close: %+v", root)
	}
	checkInvariants(t, tr)
}

func TestGetAllChildrenNumber(t *testing.T) {
	tr := New()
	for i, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d", "/ab"} {
		mustApply(t, tr, hdr(int64(i+1), wire.OpCreate, 1), prepCreate(t, tr, p, "", false))
	}
	for path, want := range map[string]int{"/": 8, "/a": 3, "/a/b": 1, "/ab": 0, "/zookeeper": 2} {
		if got, err := tr.GetAllChildrenNumber(path); got != want || err != wire.ErrOK {
			t.Errorf("GetAllChildrenNumber(%s) = %d %v, want %d", path, got, err, want)
		}
	}
	if _, err := tr.GetAllChildrenNumber("/nope"); err != wire.ErrNoNode {
		t.Errorf("missing path: %v", err)
	}
}

func TestCleanupCandidates(t *testing.T) {
	tr := New()
	mustApply(t, tr, hdr(1, wire.OpCreateContainer, 1), &txn.CreateContainer{Path: "/c", ACL: wire.OpenACLUnsafe, ParentCVersion: -1})
	mustApply(t, tr, hdr(2, wire.OpCreateContainer, 1), &txn.CreateContainer{Path: "/used", ACL: wire.OpenACLUnsafe, ParentCVersion: -1})
	mustApply(t, tr, hdr(3, wire.OpCreate, 1), prepCreate(t, tr, "/used/x", "", false))
	mustApply(t, tr, hdr(4, wire.OpCreateTTL, 1), &txn.CreateTTL{Path: "/t", ACL: wire.OpenACLUnsafe, ParentCVersion: -1, TTLMS: 5000})
	mustApply(t, tr, hdr(5, wire.OpCreateTTL, 1), &txn.CreateTTL{Path: "/tp", ACL: wire.OpenACLUnsafe, ParentCVersion: -1, TTLMS: 1})
	mustApply(t, tr, hdr(6, wire.OpCreate, 1), prepCreate(t, tr, "/tp/kid", "", false))

	// /used has a child, /c never had one, /t (mtime 4000) is 5000 ms old
	// only after 9000, /tp has a child.
	if got := tr.CleanupCandidates(9000, 0); len(got) != 0 {
		t.Errorf("at 9000: %v, want none", got)
	}
	if got := tr.CleanupCandidates(9001, 0); !slices.Equal(got, []string{"/t"}) {
		t.Errorf("at 9001: %v, want [/t]", got)
	}
	if got := tr.CleanupCandidates(9001, 8000); !slices.Equal(got, []string{"/c", "/t"}) {
		t.Errorf("with maxNeverUsed 8000: %v, want [/c /t]", got)
	}
	mustApply(t, tr, hdr(7, wire.OpDelete, 1), &txn.Delete{Path: "/used/x"})
	mustApply(t, tr, hdr(8, wire.OpDelete, 1), &txn.Delete{Path: "/tp/kid"})
	if got := tr.CleanupCandidates(0, 0); !slices.Equal(got, []string{"/used"}) {
		t.Errorf("after emptying: %v, want [/used]", got)
	}
	if got := tr.CleanupCandidates(9001, 0); !slices.Equal(got, []string{"/t", "/tp", "/used"}) {
		t.Errorf("after emptying at 9001: %v", got)
	}
	mustApply(t, tr, hdr(9, wire.OpDeleteContainer, 1), &txn.Delete{Path: "/used"})
	if !slices.Equal(tr.Containers(), []string{"/c"}) || !slices.Equal(tr.TTLNodes(), []string{"/t", "/tp"}) {
		t.Errorf("indexes: containers %v ttls %v", tr.Containers(), tr.TTLNodes())
	}
	checkInvariants(t, tr)
}

func TestOwnerKinds(t *testing.T) {
	cases := []struct {
		owner int64
		want  OwnerKind
	}{
		{0, OwnerNone},
		{0x100000001, OwnerSession},
		{ContainerOwner, OwnerContainer},
		{-0x0100000000000000 + 1, OwnerTTL},         // 0xff00000000000001
		{-0x0100000000000000 | 1<<40, OwnerInvalid}, // feature bits 1
		{0x7f00000000000000, OwnerSession},
	}
	for _, c := range cases {
		if got := KindOf(c.owner); got != c.want {
			t.Errorf("KindOf(%#x) = %v, want %v", uint64(c.owner), got, c.want)
		}
	}
	if _, err := TTLOwner(0); err == nil {
		t.Error("TTLOwner(0) accepted")
	}
	if o, err := TTLOwner(MaxTTLMS); err != nil || TTLOf(o) != MaxTTLMS {
		t.Errorf("TTLOwner(max) = %#x, %v", o, err)
	}
}

// Prep never deletes a node with children (NotEmpty, NoChildrenForEphemerals);
// if such a txn arrives anyway the tree refuses it instead of orphaning the
// children, and closeSession leaves such an ephemeral indexed.
func TestDeleteNonEmptyRefused(t *testing.T) {
	tr := New()
	const sess = 0x31
	mustApply(t, tr, hdr(1, wire.OpCreate, sess), prepCreate(t, tr, "/e", "", true))
	mustApply(t, tr, hdr(2, wire.OpCreate, sess), prepCreate(t, tr, "/e/kid", "", false))
	mustApply(t, tr, hdr(3, wire.OpCreate, 0x99), prepCreate(t, tr, "/theirs", "", true))
	digest := tr.Digest()
	if rc := tr.ApplyTxn(txn.Txn{Header: hdr(4, wire.OpDelete, 1), Record: &txn.Delete{Path: "/e"}}); rc.Err != wire.ErrNotEmpty {
		t.Fatalf("delete non-empty: %v", rc.Err)
	}
	if tr.Digest() != digest {
		t.Fatal("refused delete changed the tree")
	}
	// The txn's list is authoritative, as in ZooKeeper: it may name a node
	// of another session.
	mustApply(t, tr, hdr(5, wire.OpCloseSession, sess), &txn.CloseSession{Paths2Delete: []string{"/theirs"}})
	if _, err := tr.Exists("/theirs", 0, false); err != wire.ErrNoNode {
		t.Error("/theirs survived")
	}
	if !slices.Equal(tr.Ephemerals(sess), []string{"/e"}) || len(tr.Ephemerals(0x99)) != 0 {
		t.Errorf("ephemerals after close: %v / %v", tr.Ephemerals(sess), tr.Ephemerals(0x99))
	}
	checkInvariants(t, tr)
}

package tree

import (
	"testing"

	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

func TestMultiSuccess(t *testing.T) {
	s := newScript(t)
	s.create("/acct")
	s.tr.Exists("/acct/x", 1, true)
	s.tr.GetChildren("/acct", 2, true)
	s.tr.GetData("/acct", 3, true)
	m := &txn.Multi{Ops: []txn.Op{
		{Type: wire.OpCheck, Record: &txn.CheckVersion{Path: "/acct", Version: 0}},
		{Type: wire.OpCreate2, Record: &txn.Create{Path: "/acct/x", Data: []byte("1"), ACL: wire.OpenACLUnsafe, ParentCVersion: 1}},
		{Type: wire.OpCreate, Record: &txn.Create{Path: "/acct/y", ACL: wire.OpenACLUnsafe, ParentCVersion: 2}},
		{Type: wire.OpSetData, Record: &txn.SetData{Path: "/acct", Data: []byte("2"), Version: 1}},
		{Type: wire.OpDelete, Record: &txn.Delete{Path: "/acct/y"}},
	}}
	rc := s.tr.ApplyTxn(txn.Txn{Header: hdr(2, wire.OpMulti, 7), Record: m})
	if rc.Err != wire.ErrOK || len(rc.Multi) != 5 {
		t.Fatalf("multi: err %v, %d results", rc.Err, len(rc.Multi))
	}
	wantTypes := []wire.OpCode{wire.OpCheck, wire.OpCreate2, wire.OpCreate, wire.OpSetData, wire.OpDelete}
	for i, sub := range rc.Multi {
		if sub.Type != wantTypes[i] || sub.Err != wire.ErrOK || sub.Zxid != 2 || len(sub.Events) != 0 {
			t.Errorf("op %d: %+v", i, sub)
		}
	}
	if !rc.Multi[1].HasStat || rc.Multi[1].Stat.Czxid != 2 || rc.Multi[2].HasStat || !rc.Multi[3].HasStat || rc.Multi[3].Stat.Version != 1 {
		t.Errorf("sub stats: %+v %+v %+v", rc.Multi[1].Stat, rc.Multi[2].Stat, rc.Multi[3].Stat)
	}
	expect(t, "multi events", ev(rc.Events),
		"1:Created:/acct/x@2 2:ChildrenChanged:/acct@2 3:DataChanged:/acct@2")
	st := statOf(t, s.tr, "/acct")
	// two creates, one delete: cversion 3, one child left, pzxid of the multi.
	if st.Cversion != 3 || st.NumChildren != 1 || st.Pzxid != 2 || st.Version != 1 {
		t.Errorf("/acct after multi: %+v", st)
	}
	checkInvariants(t, s.tr)
}

// A multi that failed in prep carries an ErrorTxn for every op; applying it
// changes nothing, fires nothing, and reports OK before the failing op, its
// code for it, and RuntimeInconsistency after it (what kazoo sees).
func TestMultiFailedAppliesNothing(t *testing.T) {
	s := newScript(t)
	s.create("/acct")
	s.tr.Exists("/acct/x", 1, true)
	before, digest := dump(s.tr), s.tr.Digest()
	m := &txn.Multi{Ops: []txn.Op{
		{Type: wire.OpCreate, Record: &txn.Create{Path: "/acct/x", ACL: wire.OpenACLUnsafe, ParentCVersion: 1}},
		{Type: wire.OpError, Record: &txn.Error{Err: wire.ErrBadVersion}},
		{Type: wire.OpSetData, Record: &txn.SetData{Path: "/acct", Version: 1}},
	}}
	rc := s.tr.ApplyTxn(txn.Txn{Header: hdr(2, wire.OpMulti, 7), Record: m})
	if rc.Err != wire.ErrBadVersion {
		t.Errorf("multi err %v, want BadVersion", rc.Err)
	}
	wantErrs := []wire.Err{wire.ErrOK, wire.ErrBadVersion, wire.ErrRuntimeInconsistency}
	for i, sub := range rc.Multi {
		if sub.Type != wire.OpError || sub.Err != wantErrs[i] {
			t.Errorf("op %d: type %v err %v, want error %v", i, sub.Type, sub.Err, wantErrs[i])
		}
	}
	if len(rc.Events) != 0 || dump(s.tr) != before || s.tr.Digest() != digest {
		t.Errorf("failed multi changed the tree or fired %v", ev(rc.Events))
	}
	if s.tr.LastZxid() != 2 {
		t.Errorf("LastZxid %d: a failed multi still consumes its zxid", s.tr.LastZxid())
	}
	if s.tr.CheckWatches("/acct/x", wire.WatcherData, 1) != wire.ErrOK {
		t.Error("failed multi consumed a watch")
	}
}

func TestMultiEmpty(t *testing.T) {
	tr := New()
	rc := tr.ApplyTxn(txn.Txn{Header: hdr(1, wire.OpMulti, 7), Record: &txn.Multi{}})
	if rc.Err != wire.ErrOK || len(rc.Multi) != 0 {
		t.Errorf("empty multi: %+v", rc)
	}
}

package model

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/history"
	"pgregory.net/rapid"
)

func rec(index int, t int64, p int, typ history.Type, f, value string) history.Op {
	op := history.Op{Index: index, Time: t, Process: p, Type: typ, F: f}
	if value != "" {
		op.Value = json.RawMessage(value)
	}
	return op
}

func checkRegister(t *testing.T, ops []history.Op) porcupine.CheckResult {
	t.Helper()
	pops, _, err := RegisterOperations(ops, RegisterOptions{PlainReads: true})
	if err != nil {
		t.Fatal(err)
	}
	return porcupine.CheckOperationsTimeout(RegisterModel(), pops, 0)
}

func TestRegisterModelAcceptsLinearizable(t *testing.T) {
	ops := []history.Op{
		rec(0, 0, 0, history.Invoke, "write", `{"key":"a","value":1}`),
		rec(1, 1, 1, history.Invoke, "read", `{"key":"a"}`),
		rec(2, 2, 1, history.OK, "read", `{"key":"a","value":1,"version":1}`),
		rec(3, 3, 0, history.OK, "write", `{"key":"a","value":1,"version":1}`),
		rec(4, 4, 2, history.Invoke, "cas", `{"key":"a","value":7,"expect":1}`),
		rec(5, 5, 2, history.Info, "cas", ``),
		rec(6, 6, 1, history.Invoke, "read", `{"key":"a"}`),
		rec(7, 7, 1, history.OK, "read", `{"key":"a","value":1,"version":1}`),
		rec(8, 8, 1, history.Invoke, "read", `{"key":"a"}`),
		rec(9, 9, 1, history.OK, "read", `{"key":"a","value":7,"version":2}`),
	}
	if res := checkRegister(t, ops); res != porcupine.Ok {
		t.Fatalf("linearizable history judged %s", res)
	}
}

func TestRegisterModelRejectsStaleReadAndBadCas(t *testing.T) {
	stale := []history.Op{
		rec(0, 0, 0, history.Invoke, "write", `{"key":"a","value":1}`),
		rec(1, 1, 0, history.OK, "write", `{"key":"a","value":1,"version":1}`),
		rec(2, 2, 1, history.Invoke, "read", `{"key":"a"}`),
		rec(3, 3, 1, history.OK, "read", `{"key":"a","value":0,"version":0}`),
	}
	if res := checkRegister(t, stale); res != porcupine.Illegal {
		t.Fatalf("stale read judged %s", res)
	}
	badCas := []history.Op{
		rec(0, 0, 0, history.Invoke, "cas", `{"key":"a","value":1,"expect":3}`),
		rec(1, 1, 0, history.OK, "cas", `{"key":"a","value":1,"expect":3,"version":4}`),
	}
	if res := checkRegister(t, badCas); res != porcupine.Illegal {
		t.Fatalf("cas on the wrong version judged %s", res)
	}
}

func TestRegisterOperationsRejectsMalformedValues(t *testing.T) {
	ops := []history.Op{rec(0, 0, 0, history.Invoke, "cas", `{"key":"a","value":1}`), rec(1, 1, 0, history.OK, "cas", `{}`)}
	if _, _, err := RegisterOperations(ops, RegisterOptions{}); err == nil || !strings.Contains(err.Error(), "expect") {
		t.Fatalf("cas without expect: err %v", err)
	}
}

func TestKVModelMatchesPartitioned(t *testing.T) {
	ops := []history.Op{
		rec(0, 0, 0, history.Invoke, "write", `{"key":"a","value":1}`),
		rec(1, 1, 0, history.OK, "write", `{"key":"a","value":1,"version":1}`),
		rec(2, 2, 1, history.Invoke, "read", `{"key":"b"}`),
		rec(3, 3, 1, history.OK, "read", `{"key":"b","value":0,"version":0}`),
		rec(4, 4, 1, history.Invoke, "read", `{"key":"a"}`),
		rec(5, 5, 1, history.OK, "read", `{"key":"a","value":0,"version":0}`),
	}
	pops, _, err := RegisterOperations(ops, RegisterOptions{PlainReads: true})
	if err != nil {
		t.Fatal(err)
	}
	if porcupine.CheckOperations(KVModel(), pops) || porcupine.CheckOperations(RegisterModel(), pops) {
		t.Fatal("stale read of a accepted")
	}
	if !porcupine.CheckOperations(KVModel(), pops[:2]) {
		t.Fatal("valid prefix rejected by the KV model")
	}
}

func TestDescribe(t *testing.T) {
	got := DescribeRegisterOp(RegisterInput{Kind: RegCas, Key: "k", Value: 5, Expect: 2}, RegisterOutput{Known: true, Version: 3})
	if got != "cas(k, v2, 5) -> v3" {
		t.Fatalf("describe = %q", got)
	}
}

func TestTreeSequentialEphemeralAndStats(t *testing.T) {
	tr := NewTree(TreeOptions{SystemNodes: true})
	if r := tr.Apply(TreeOp{Kind: OpCreate, Path: "/e", Mode: Persistent}, 10, 1); r.Err != "" || r.Stat.Czxid != 10 {
		t.Fatalf("create /e: %+v", r)
	}
	r1 := tr.Apply(TreeOp{Kind: OpCreate, Path: "/e/n-", Mode: EphemeralSequential, Session: 7}, 11, 2)
	r2 := tr.Apply(TreeOp{Kind: OpCreate, Path: "/e/n-", Mode: PersistentSequential}, 12, 3)
	if r1.Path != "/e/n-0000000000" || r2.Path != "/e/n-0000000001" {
		t.Fatalf("sequential names %q %q", r1.Path, r2.Path)
	}
	if r := tr.Apply(TreeOp{Kind: OpCreate, Path: "/e/n-0000000000/x"}, 13, 4); r.Err != ErrNoChildrenForEphemerals {
		t.Fatalf("child of ephemeral: %+v", r)
	}
	if r := tr.Apply(TreeOp{Kind: OpDelete, Path: "/e", Version: -1}, 13, 4); r.Err != ErrNotEmpty {
		t.Fatalf("delete non-empty: %+v", r)
	}
	tr.Apply(TreeOp{Kind: OpCloseSession, Session: 7}, 14, 5)
	kids := tr.Apply(TreeOp{Kind: OpGetChildren, Path: "/e"}, 0, 0)
	if len(kids.Children) != 1 || kids.Children[0] != "n-0000000001" {
		t.Fatalf("children after closeSession: %+v", kids)
	}
	st := kids.Stat
	if st.Cversion != 3 || st.NumChildren != 1 || st.Pzxid != 14 {
		t.Fatalf("parent stat after 2 creates + 1 expiry delete: %+v", st)
	}
	r3 := tr.Apply(TreeOp{Kind: OpCreate, Path: "/e/n-", Mode: PersistentSequential}, 15, 6)
	// The Stat's cversion (3) counts creates and deletes; ZooKeeper
	// numbers from the cversion it stores, which counts the 2 creates
	// (DataNode.copyStat reports stored*2 - numChildren).
	if r3.Path != "/e/n-0000000002" {
		t.Fatalf("sequence must count the parent's creates (2), got %q", r3.Path)
	}
	if root := tr.Apply(TreeOp{Kind: OpExists, Path: "/"}, 0, 0); root.Stat.NumChildren != 2 || root.Stat.Cversion != 1 {
		t.Fatalf("root stat %+v", root.Stat)
	}
}

func TestTreeVersionsAndErrors(t *testing.T) {
	tr := NewTree(TreeOptions{})
	cases := []struct {
		op   TreeOp
		want string
	}{
		{TreeOp{Kind: OpCreate, Path: "/a/b"}, ErrNoNode},
		{TreeOp{Kind: OpCreate, Path: "bad"}, ErrBadArguments},
		{TreeOp{Kind: OpCreate, Path: "/a/"}, ErrBadArguments},
		{TreeOp{Kind: OpCreate, Path: "/a", Data: []byte("x")}, ErrOK},
		{TreeOp{Kind: OpCreate, Path: "/a"}, ErrNodeExists},
		{TreeOp{Kind: OpSetData, Path: "/a", Version: 1}, ErrBadVersion},
		{TreeOp{Kind: OpSetData, Path: "/a", Version: 0, Data: []byte("yy")}, ErrOK},
		{TreeOp{Kind: OpSetData, Path: "/a", Version: -1, Data: []byte("zzz")}, ErrOK},
		{TreeOp{Kind: OpDelete, Path: "/a", Version: 1}, ErrBadVersion},
		{TreeOp{Kind: OpCreate, Path: "/e", Mode: Ephemeral}, ErrBadArguments},
	}
	for i, c := range cases {
		if r := tr.Apply(c.op, int64(100+i), 0); r.Err != c.want {
			t.Fatalf("step %d %+v: err %q, want %q", i, c.op, r.Err, c.want)
		}
	}
	got := tr.Apply(TreeOp{Kind: OpGetData, Path: "/a"}, 0, 0)
	if string(got.Data) != "zzz" || got.Stat.Version != 2 || got.Stat.Mzxid != 107 || got.Stat.DataLength != 3 || got.Stat.Czxid != 103 {
		t.Fatalf("getData /a = %q %+v", got.Data, got.Stat)
	}
}

func TestTreeMultiIsAtomic(t *testing.T) {
	tr := NewTree(TreeOptions{})
	tr.Apply(TreeOp{Kind: OpCreate, Path: "/x", Data: []byte("10")}, 1, 0)
	tr.Apply(TreeOp{Kind: OpCreate, Path: "/y", Data: []byte("0")}, 2, 0)
	before := tr.Digest()
	r := tr.Apply(TreeOp{Kind: OpMulti, Ops: []TreeOp{
		{Kind: OpSetData, Path: "/x", Data: []byte("5"), Version: 0},
		{Kind: OpCheck, Path: "/y", Version: 9},
		{Kind: OpSetData, Path: "/y", Data: []byte("5"), Version: -1},
	}}, 3, 0)
	if r.Err != ErrBadVersion || r.Results[0].Err != ErrOK || r.Results[1].Err != ErrBadVersion || r.Results[2].Err != ErrRuntimeInconsistency {
		t.Fatalf("failed multi results: %+v", r)
	}
	if tr.Digest() != before {
		t.Fatal("failed multi changed the tree")
	}
	r = tr.Apply(TreeOp{Kind: OpMulti, Ops: []TreeOp{
		{Kind: OpSetData, Path: "/x", Data: []byte("5"), Version: 0},
		{Kind: OpSetData, Path: "/y", Data: []byte("5"), Version: 0},
	}}, 4, 0)
	if r.Err != ErrOK || r.Results[1].Stat.Mzxid != 4 || r.Results[0].Stat.Mzxid != 4 {
		t.Fatalf("multi: %+v", r)
	}
}

// TestTreeMultiProperty: a multi either applies every sub-op (same as
// applying them one by one) or changes nothing.
func TestTreeMultiProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := NewTree(TreeOptions{})
		paths := []string{"/a", "/a/b", "/c"}
		for i := 0; i < rapid.IntRange(0, 4).Draw(t, "setup"); i++ {
			tr.Apply(TreeOp{Kind: OpCreate, Path: rapid.SampledFrom(paths).Draw(t, "p")}, int64(i+1), 0)
		}
		var subs []TreeOp
		for i := 0; i < rapid.IntRange(1, 4).Draw(t, "n"); i++ {
			subs = append(subs, TreeOp{
				Kind:    rapid.SampledFrom([]TreeOpKind{OpCreate, OpDelete, OpSetData, OpCheck}).Draw(t, "k"),
				Path:    rapid.SampledFrom(paths).Draw(t, "p"),
				Version: rapid.Int32Range(-1, 1).Draw(t, "v"),
			})
		}
		seq := tr.Clone()
		allOK := true
		for _, s := range subs {
			allOK = allOK && seq.Apply(s, 50, 0).Err == ErrOK
		}
		before := tr.Digest()
		r := tr.Apply(TreeOp{Kind: OpMulti, Ops: subs}, 50, 0)
		if allOK != (r.Err == ErrOK) {
			t.Fatalf("multi err %q but sequential all-ok=%v", r.Err, allOK)
		}
		if allOK && tr.Digest() != seq.Digest() {
			t.Fatalf("multi differs from sequential application")
		}
		if !allOK && tr.Digest() != before {
			t.Fatalf("failed multi changed the tree")
		}
	})
}

func TestTreeModelWithPorcupine(t *testing.T) {
	create := TreeInput{Op: TreeOp{Kind: OpCreate, Path: "/q-", Mode: PersistentSequential}, Zxid: 5}
	ok := []porcupine.Operation{
		{ClientId: 0, Input: create, Call: 0, Output: TreeOutput{Known: true, Result: TreeResult{Path: "/q-0000000000", Stat: Stat{Czxid: 5, Mzxid: 5, Pzxid: 5}}}, Return: 10},
		{ClientId: 1, Input: TreeInput{Op: TreeOp{Kind: OpGetChildren, Path: "/"}}, Call: 11, Output: TreeOutput{Known: true, Result: TreeResult{Children: []string{"q-0000000000"}, Stat: Stat{Cversion: 1, NumChildren: 1, Pzxid: 5}}}, Return: 12},
	}
	if !porcupine.CheckOperations(TreeModel(TreeOptions{}), ok) {
		t.Fatal("valid tree history rejected")
	}
	bad := append([]porcupine.Operation(nil), ok...)
	bad[1].Output = TreeOutput{Known: true, Result: TreeResult{Children: []string{}, Stat: Stat{}}}
	if porcupine.CheckOperations(TreeModel(TreeOptions{}), bad) {
		t.Fatal("read missing a completed create accepted")
	}
}

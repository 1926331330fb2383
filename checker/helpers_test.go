package checker

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/history"
)

// hb builds hand-made histories: each call appends one record.
type hb struct{ ops []history.Op }

type mod func(*history.Op)

func zx(z int64) mod       { return func(o *history.Op) { o.Zxid = z } }
func sess(s int64) mod     { return func(o *history.Op) { o.Session = s } }
func node(n string) mod    { return func(o *history.Op) { o.Node = n } }
func errName(e string) mod { return func(o *history.Op) { o.Error = e } }

func (h *hb) rec(t int64, p int, typ history.Type, f string, v any, mods ...mod) *hb {
	op := history.Op{Index: len(h.ops), Time: t, Process: p, Type: typ, F: f}
	switch x := v.(type) {
	case nil:
	case string:
		op.Value = json.RawMessage(x)
	default:
		op.Value = mustJSON(x)
	}
	for _, m := range mods {
		m(&op)
	}
	h.ops = append(h.ops, op)
	return h
}

func (h *hb) inv(t int64, p int, f string, v any, mods ...mod) *hb {
	return h.rec(t, p, history.Invoke, f, v, mods...)
}
func (h *hb) ok(t int64, p int, f string, v any, mods ...mod) *hb {
	return h.rec(t, p, history.OK, f, v, mods...)
}
func (h *hb) fail(t int64, p int, f string, v any, mods ...mod) *hb {
	return h.rec(t, p, history.Fail, f, v, mods...)
}
func (h *hb) info(t int64, p int, f string, v any, mods ...mod) *hb {
	return h.rec(t, p, history.Info, f, v, mods...)
}
func (h *hb) nemesis(t int64, f string, nodes ...string) *hb {
	return h.rec(t, history.NemesisProcess, history.Info, f, history.NemesisValue{Nodes: nodes})
}

// closed appends a cluster record: the quorum committed session's closing
// at zxid, on node.
func (h *hb) closed(t int64, session, zxid int64, node string) *hb {
	h.ops = append(h.ops, history.Op{Index: len(h.ops), Time: t, Process: history.ClusterProcess, Type: history.Info,
		F: history.FSessionClosed, Session: session, Zxid: zxid, Node: node})
	return h
}

// history returns the records, failing the test if they are not a
// structurally valid history (hand-made histories must be well formed).
func (h *hb) history(t *testing.T) []history.Op {
	t.Helper()
	if err := history.Validate(h.ops); err != nil {
		t.Fatalf("test history is malformed: %v", err)
	}
	return h.ops
}

func wantValid(t *testing.T, r Result) {
	t.Helper()
	if r.Valid != Valid {
		t.Fatalf("%s: want valid, got %s\n%s", r.Name, r.Valid, r)
	}
}

func wantUnknown(t *testing.T, r Result) {
	t.Helper()
	if r.Valid != Unknown {
		t.Fatalf("%s: want unknown, got %s\n%s", r.Name, r.Valid, r)
	}
}

// wantAnomaly asserts the result is invalid with an anomaly of kind.
func wantAnomaly(t *testing.T, r Result, kind string) Anomaly {
	t.Helper()
	if r.Valid != Invalid {
		t.Fatalf("%s: want invalid (%s), got %s\n%s", r.Name, kind, r.Valid, r)
	}
	var kinds []string
	for _, a := range r.Anomalies {
		if a.Kind == kind {
			return a
		}
		kinds = append(kinds, a.Kind)
	}
	t.Fatalf("%s: no %q anomaly; found %s", r.Name, kind, strings.Join(kinds, ", "))
	return Anomaly{}
}

func reg(key string, value *int64, version *int32) history.RegisterValue {
	return history.RegisterValue{Key: key, Value: value, Version: version}
}

func i64(v int64) *int64 { return &v }
func i32(v int32) *int32 { return &v }

// Package checkertest builds hand-made histories and asserts verdicts, for
// the tests of checkers that live outside package checker (each case
// study's, see package study), as go/analysis's analysistest serves
// analyzers. Package checker's own tests keep an unexported copy of the
// builder (they cannot import this package).
package checkertest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// H builds a hand-made history: each call appends one record.
type H struct{ ops []history.Op }

// Mod changes a record as it is appended.
type Mod func(*history.Op)

// Zx sets the record's zxid.
func Zx(z int64) Mod { return func(o *history.Op) { o.Zxid = z } }

// Sess sets the record's session.
func Sess(s int64) Mod { return func(o *history.Op) { o.Session = s } }

// Node sets the record's node.
func Node(n string) Mod { return func(o *history.Op) { o.Node = n } }

// ErrName sets the record's error.
func ErrName(e string) Mod { return func(o *history.Op) { o.Error = e } }

// Rec appends a record of type typ at time t on process p; v is its value
// (nil: none; a string: raw JSON; else encoded).
func (h *H) Rec(t int64, p int, typ history.Type, f string, v any, mods ...Mod) *H {
	op := history.Op{Index: len(h.ops), Time: t, Process: p, Type: typ, F: f}
	switch x := v.(type) {
	case nil:
	case string:
		op.Value = json.RawMessage(x)
	default:
		op.Value = MustJSON(x)
	}
	for _, m := range mods {
		m(&op)
	}
	h.ops = append(h.ops, op)
	return h
}

// Inv appends an invoke.
func (h *H) Inv(t int64, p int, f string, v any, mods ...Mod) *H {
	return h.Rec(t, p, history.Invoke, f, v, mods...)
}

// OK appends an ok completion.
func (h *H) OK(t int64, p int, f string, v any, mods ...Mod) *H {
	return h.Rec(t, p, history.OK, f, v, mods...)
}

// Fail appends a fail completion.
func (h *H) Fail(t int64, p int, f string, v any, mods ...Mod) *H {
	return h.Rec(t, p, history.Fail, f, v, mods...)
}

// Info appends an info completion.
func (h *H) Info(t int64, p int, f string, v any, mods ...Mod) *H {
	return h.Rec(t, p, history.Info, f, v, mods...)
}

// Nemesis appends a nemesis record naming nodes.
func (h *H) Nemesis(t int64, f string, nodes ...string) *H {
	return h.Rec(t, history.NemesisProcess, history.Info, f, history.NemesisValue{Nodes: nodes})
}

// Closed appends a cluster record: the quorum committed session's closing
// at zxid, on node.
func (h *H) Closed(t int64, session, zxid int64, node string) *H {
	h.ops = append(h.ops, history.Op{Index: len(h.ops), Time: t, Process: history.ClusterProcess, Type: history.Info,
		F: history.FSessionClosed, Session: session, Zxid: zxid, Node: node})
	return h
}

// History returns the records, failing the test if they are not a
// structurally valid history (hand-made histories must be well formed).
func (h *H) History(t *testing.T) []history.Op {
	t.Helper()
	if err := history.Validate(h.ops); err != nil {
		t.Fatalf("test history is malformed: %v", err)
	}
	return h.ops
}

// Then applies f to the builder, so a test's own record helpers chain.
func (h *H) Then(f func(*H) *H) *H { return f(h) }

// Ops returns the records as they are, unvalidated.
func (h *H) Ops() []history.Op { return h.ops }

// Clone returns a builder holding a copy of the records so far.
func (h *H) Clone() *H { return &H{ops: append([]history.Op(nil), h.ops...)} }

// MustJSON encodes v or panics.
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// WantValid fails the test unless r is valid.
func WantValid(t *testing.T, r checker.Result) {
	t.Helper()
	if r.Valid != checker.Valid {
		t.Fatalf("%s: want valid, got %s\n%s", r.Name, r.Valid, r)
	}
}

// WantUnknown fails the test unless r is unknown.
func WantUnknown(t *testing.T, r checker.Result) {
	t.Helper()
	if r.Valid != checker.Unknown {
		t.Fatalf("%s: want unknown, got %s\n%s", r.Name, r.Valid, r)
	}
}

// WantAnomaly fails the test unless r is invalid with an anomaly of kind,
// and returns that anomaly.
func WantAnomaly(t *testing.T, r checker.Result, kind string) checker.Anomaly {
	t.Helper()
	if r.Valid != checker.Invalid {
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
	return checker.Anomaly{}
}

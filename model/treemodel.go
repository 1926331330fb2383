package model

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/anishathalye/porcupine"
)

// TreeInput is one tree operation as a client issued it, with the zxid and
// time of its transaction when it was a write (from the reply header).
type TreeInput struct {
	Op     TreeOp
	Zxid   int64
	TimeMS int64
}

// TreeOutput is the client-observed result; Known is false for info ops.
type TreeOutput struct {
	Known  bool
	Result TreeResult
}

// SameResult compares a spec result with an observed one. Ctime and Mtime
// are ignored (the server's clock is not the spec's); everything else,
// including zxids, must match.
func SameResult(want, got TreeResult) bool {
	if want.Err != got.Err || want.Path != got.Path || want.Number != got.Number || !bytes.Equal(want.Data, got.Data) ||
		!slices.Equal(want.Children, got.Children) || len(want.Results) != len(got.Results) {
		return false
	}
	ws, gs := want.Stat, got.Stat
	ws.Ctime, ws.Mtime, gs.Ctime, gs.Mtime = 0, 0, 0, 0
	if ws != gs {
		return false
	}
	for i := range want.Results {
		if !SameResult(want.Results[i], got.Results[i]) {
			return false
		}
	}
	return true
}

// TreeModel is a Porcupine model of the whole tree (unpartitioned: multi and
// sequential names couple paths). Info ops may or may not apply.
func TreeModel(opts TreeOptions) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{NewTree(opts)} },
		Step: func(state, input, output any) []any {
			t, in, out := state.(*Tree), input.(TreeInput), output.(TreeOutput)
			next := t.Clone()
			res := next.Apply(in.Op, in.Zxid, in.TimeMS)
			if out.Known {
				if SameResult(res, out.Result) {
					return []any{next}
				}
				return nil
			}
			if res.Err != ErrOK {
				return []any{t}
			}
			return []any{next, t}
		},
		Equal:             func(a, b any) bool { return a.(*Tree).Digest() == b.(*Tree).Digest() },
		DescribeOperation: DescribeTreeOp,
		DescribeState:     func(s any) string { return s.(*Tree).Digest() },
	}
	return nm.ToModel()
}

// DescribeTreeOp renders a tree op for Porcupine's visualization.
func DescribeTreeOp(input, output any) string {
	in, out := input.(TreeInput), output.(TreeOutput)
	res := "?"
	if out.Known {
		res = describeResult(out.Result)
	}
	return fmt.Sprintf("%s(%s v%d) -> %s", in.Op.Kind, in.Op.Path, in.Op.Version, res)
}

func describeResult(r TreeResult) string {
	switch {
	case r.Err != ErrOK:
		return r.Err
	case r.Path != "":
		return r.Path
	case r.Children != nil:
		return fmt.Sprintf("%v", r.Children)
	default:
		return fmt.Sprintf("%q v%d", r.Data, r.Stat.Version)
	}
}

package checker

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/model"
)

// Failing windows. A linearizability failure of a 3,000-op history is read
// the way Knossos and Elle draw it: only the few ops of the failing key
// around the anomaly. A window is a stretch of one key's register ops, cut
// by time: every op whose interval meets [from, to]. It starts from the
// ops an anomaly cites and grows backwards until Porcupine finds no
// linearization of the window alone from *any* starting state (the
// register's state where the window begins is not known: earlier ops are
// cut away). Such a window is Confirmed: no legal history could contain
// it. Growing stops at maxWindowOps; a window that could not be confirmed
// is still drawn, marked so.

// maxWindowOps bounds a window; beyond it a drawing is no use to a reader.
const maxWindowOps = 80

// windowTimeout bounds Porcupine's search of one candidate window. Windows
// are small; a timeout only leaves a window unconfirmed.
const windowTimeout = 5 * time.Second

// FailingWindow is a failing window of one key.
type FailingWindow struct {
	Key string
	// Ops are the window's ops, earliest call first.
	Ops []WindowOp
	// Confirmed says Porcupine found no linearization of Ops alone, from
	// any starting state of the register (from its initial state when
	// FromStart).
	Confirmed bool
	// FromStart says the window begins with the key's first op.
	FromStart bool
	// FromNS and ToNS are the stretch of time the window covers.
	FromNS, ToNS int64
}

// WindowOp is one op of a window.
type WindowOp struct {
	Index    int    // the invoke record's Index
	Process  int    // the client process
	CallNS   int64  // invocation time
	ReturnNS int64  // completion time (for an Open op: the window's end)
	Open     bool   // info or never completed: it may take effect any time after its call
	Text     string // "cas(k2, v573, 2279) -> v574"
	Node     string // the server that answered, when known
	Zxid     int64  // the completion's zxid, when known
	Cited    bool   // an anomaly names this op
}

// LinearWindows returns one failing window per key that res (the
// linearizable checker's result) cites ops of, in key order. ops is the
// run's history. Plain reads join a window only when an anomaly cites them
// (the checker judges them only when asked to).
func LinearWindows(ops []history.Op, res Result) []FailingWindow {
	cited := citedOps(res)
	if len(cited) == 0 {
		return nil
	}
	pops, _, err := model.RegisterOperations(ops, model.RegisterOptions{PlainReads: true})
	if err != nil {
		return nil
	}
	plain := map[int]bool{}
	for _, p := range history.Pairs(ops) {
		if p.Invoke.F == history.FRead {
			plain[p.Invoke.Index] = true
		}
	}
	pops = slices.DeleteFunc(pops, func(o porcupine.Operation) bool {
		i := o.Metadata.(model.OpMeta).Index
		return plain[i] && !cited[i]
	})
	return windowsOf(pops, cited)
}

// citedOps is the set of op indexes res's anomalies name.
func citedOps(res Result) map[int]bool {
	cited := map[int]bool{}
	for _, a := range res.Anomalies {
		if a.Kind == "unknown" {
			continue
		}
		for _, i := range a.Ops {
			cited[i] = true
		}
	}
	return cited
}

// windowsOf computes the windows of the keys whose ops are cited.
func windowsOf(pops []porcupine.Operation, cited map[int]bool) []FailingWindow {
	var out []FailingWindow
	for _, part := range model.PartitionByKey(pops) {
		if w, ok := keyWindow(part, cited); ok {
			out = append(out, w)
		}
	}
	return out
}

// keyWindow finds the failing window of one key's ops, if any are cited.
func keyWindow(part []porcupine.Operation, cited map[int]bool) (FailingWindow, bool) {
	part = slices.Clone(part)
	slices.SortStableFunc(part, func(a, b porcupine.Operation) int { return compareInt64(a.Call, b.Call) })
	from, to, found := int64(0), int64(0), false
	for _, o := range part {
		if !cited[o.Metadata.(model.OpMeta).Index] {
			continue
		}
		end := o.Return
		if !o.Output.(model.RegisterOutput).Known {
			end = o.Call
		}
		if !found {
			from, to, found = o.Call, end, true
		}
		from, to = min(from, o.Call), max(to, end)
	}
	if !found {
		return FailingWindow{}, false
	}
	key := part[0].Input.(model.RegisterInput).Key
	w := cut(part, from, to, cited)
	for step := 2; len(w) <= maxWindowOps; step *= 2 {
		fromStart := from <= part[0].Call
		if illegalAlone(w, fromStart) {
			win := makeWindow(key, w, true, cited)
			win.FromStart = fromStart
			return win, true
		}
		if fromStart {
			break
		}
		// Take step more ops that were called before the window began.
		k := 0
		for k < len(part) && part[k].Call < from {
			k++
		}
		from = part[max(0, k-step)].Call
		w = cut(part, from, to, cited)
	}
	w = cut(part, from, to, cited)
	if len(w) > maxWindowOps {
		w = nearest(w, cited)
	}
	return makeWindow(key, w, false, cited), true
}

// cut takes the ops whose interval meets [from, to]: called by to, and
// returned at or after from. An info op (its return is the end of the
// history) joins only when called inside [from, to] or cited: an older one
// could have taken effect anywhere, and would stretch every drawing.
func cut(part []porcupine.Operation, from, to int64, cited map[int]bool) []porcupine.Operation {
	var out []porcupine.Operation
	for _, o := range part {
		if o.Call > to {
			break
		}
		in := o.Return >= from
		if !o.Output.(model.RegisterOutput).Known {
			in = o.Call >= from
		}
		if in || cited[o.Metadata.(model.OpMeta).Index] {
			out = append(out, o)
		}
	}
	return out
}

// nearest keeps the cited ops and the maxWindowOps-len(cited) others
// closest to them in call order.
func nearest(w []porcupine.Operation, cited map[int]bool) []porcupine.Operation {
	last := 0
	for i, o := range w {
		if cited[o.Metadata.(model.OpMeta).Index] {
			last = i
		}
	}
	lo := max(0, last+1-maxWindowOps)
	return w[lo : last+1]
}

// illegalAlone reports whether Porcupine finds no linearization of w
// starting from any register state (or from the initial register, when
// w starts the key's history).
func illegalAlone(w []porcupine.Operation, fromStart bool) bool {
	m := windowModel(fromStart)
	return porcupine.CheckOperationsTimeout(m, w, windowTimeout) == porcupine.Illegal
}

// windowModel is the model a window is judged and drawn with.
func windowModel(fromStart bool) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: model.PartitionByKey,
		Init: func() []any {
			if fromStart {
				return []any{winState{reg: model.InitialRegister}}
			}
			return []any{winState{any: true}}
		},
		Step: func(state, input, output any) []any {
			return winStep(state.(winState), input.(model.RegisterInput), output.(model.RegisterOutput))
		},
		Equal: func(a, b any) bool { return a.(winState) == b.(winState) },
		Hash: func(s any) uint64 {
			w := s.(winState)
			if w.any {
				return 1
			}
			return uint64(w.reg.Value)*1000003 ^ uint64(w.reg.Version)
		},
		DescribeOperation: model.DescribeRegisterOp,
		DescribeOperationMetadata: func(meta any) string {
			if m, ok := meta.(windowMeta); ok {
				return fmt.Sprintf("process %d, %s", m.Process, model.DescribeMeta(m.OpMeta))
			}
			return model.DescribeMeta(meta)
		},
		DescribeState: func(s any) string {
			w := s.(winState)
			if w.any {
				return "unknown (before the window)"
			}
			return fmt.Sprintf("%d@v%d", w.reg.Value, w.reg.Version)
		},
	}
	return nm.ToModel()
}

// windowMeta is an op's metadata in the drawing of windows: its client id
// there is a row number, so the process rides along.
type windowMeta struct {
	model.OpMeta
	Process int
}

// winState is a register state, or any state at all (the window's start,
// where the ops cut away left the register unknown).
type winState struct {
	any bool
	reg model.RegisterState
}

// winStep steps a register from a known state as the model does; from an
// unknown one, every op that can tell the state afterwards fixes it, and
// any other leaves it unknown. It is never stricter than the model from
// some state, so a window it rejects has no linearization from any state.
func winStep(s winState, in model.RegisterInput, out model.RegisterOutput) []any {
	if !s.any {
		next := model.StepRegister(s.reg, in, out)
		res := make([]any, len(next))
		for i, n := range next {
			res[i] = winState{reg: n}
		}
		return res
	}
	unknown := []any{s}
	if !out.Known {
		return unknown // an info write or cas may or may not have applied
	}
	switch in.Kind {
	case model.RegRead:
		if out.Version == model.NoVersion {
			return unknown
		}
		return []any{winState{reg: model.RegisterState{Value: out.Value, Version: out.Version}}}
	case model.RegWrite:
		if out.Version == model.NoVersion {
			return unknown
		}
		return []any{winState{reg: model.RegisterState{Value: in.Value, Version: out.Version}}}
	default:
		if out.Version != model.NoVersion && out.Version != in.Expect+1 {
			return nil
		}
		return []any{winState{reg: model.RegisterState{Value: in.Value, Version: in.Expect + 1}}}
	}
}

func makeWindow(key string, w []porcupine.Operation, confirmed bool, cited map[int]bool) FailingWindow {
	out := FailingWindow{Key: key, Confirmed: confirmed}
	for i, o := range w {
		meta := o.Metadata.(model.OpMeta)
		known := o.Output.(model.RegisterOutput).Known
		op := WindowOp{Index: meta.Index, Process: o.ClientId, CallNS: o.Call, ReturnNS: o.Return, Open: !known,
			Text: model.DescribeRegisterOp(o.Input, o.Output), Node: meta.Node, Zxid: meta.Zxid, Cited: cited[meta.Index]}
		if i == 0 || op.CallNS < out.FromNS {
			out.FromNS = op.CallNS
		}
		if known {
			out.ToNS = max(out.ToNS, op.ReturnNS)
		}
		out.Ops = append(out.Ops, op)
	}
	for i := range out.Ops {
		out.ToNS = max(out.ToNS, out.Ops[i].CallNS)
	}
	for i := range out.Ops {
		if out.Ops[i].Open {
			out.Ops[i].ReturnNS = out.ToNS
		}
	}
	return out
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// visualizeWindows writes Porcupine's visualization of the failing windows
// only: a history too long to draw whole still shows its anomaly.
func visualizeWindows(pops []porcupine.Operation, res Result, opts LinearOptions) error {
	ws := windowsOf(pops, citedOps(res))
	var sel []porcupine.Operation
	fromStart := true
	byIndex := map[int]porcupine.Operation{}
	for _, o := range pops {
		byIndex[o.Metadata.(model.OpMeta).Index] = o
	}
	// Porcupine draws a row for every client id up to the largest: number
	// the windows' processes densely, and name the process in each op's
	// details.
	rows := map[int]int{}
	for _, w := range ws {
		for _, op := range w.Ops {
			if _, ok := rows[op.Process]; !ok {
				rows[op.Process] = 0
			}
		}
	}
	procs := slices.Sorted(maps.Keys(rows))
	for i, p := range procs {
		rows[p] = i
	}
	for _, w := range ws {
		for _, op := range w.Ops {
			o := byIndex[op.Index]
			o.Metadata = windowMeta{OpMeta: o.Metadata.(model.OpMeta), Process: o.ClientId}
			o.ClientId = rows[o.ClientId]
			sel = append(sel, o)
		}
		fromStart = fromStart && w.FromStart
	}
	m := windowModel(fromStart)
	_, info := porcupine.CheckOperationsVerbose(m, sel, opts.Timeout)
	return porcupine.Visualize(m, info, opts.Visualization)
}

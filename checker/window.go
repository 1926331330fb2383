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
// around the anomaly. A window is a stretch [from, to] of one key's
// register ops, closed so that it can be judged on its own:
//
//   - it holds every op with a definite reply whose interval meets
//     [from, to], and from and to are moved out until every such op lies
//     inside (so every op left out before the window returned before any
//     op of the window was called, and every op left out after was called
//     after every definite op of the window returned);
//   - it holds every info op (no definite reply: it may take effect any
//     time after its call) called by to, unless a read that returned
//     before from saw the value it wrote (then it took effect before the
//     window); those called before from may take effect anywhere in it;
//   - reads nobody cites are left out (dropping a read never turns a
//     legal history illegal), as are fail ops (they took no effect).
//
// Then any linearization of the whole history, restricted to the window,
// is a linearization of the window from the state the register had when
// it began (an info op of the window placed after every other op of it
// changes nothing it observes). So when Porcupine finds no linearization
// of the window alone from *any* starting state, the window on its own
// proves the violation: it is Confirmed. The window starts from the ops an
// anomaly cites and grows backwards until it is confirmed or reaches
// maxWindowOps; an unconfirmed one is still drawn (the ops around the
// cited ones), marked so.

// maxWindowOps bounds a window; beyond it a drawing is no use to a reader.
const maxWindowOps = 80

// maxWindowInfo bounds the info ops of a window Porcupine judges: each may
// or may not have taken effect, anywhere after its call, and a dozen of
// them from an unknown starting state take Porcupine seconds.
const maxWindowInfo = 8

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
	// Early marks an Open op called before the window began (CallNS is
	// then the window's start): it may have taken effect inside it.
	Early bool
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
		if !known(o) {
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
	seedFrom, seedTo := from, to
	for step := 2; ; step *= 2 {
		var w []porcupine.Operation
		var early map[int]bool
		w, early, from, to = closedWindow(part, from, to, cited)
		if len(w) > maxWindowOps || infoOps(w) > maxWindowInfo {
			break
		}
		fromStart := from <= part[0].Call
		if illegalAlone(w, fromStart) {
			win := makeWindow(key, w, true, cited, early)
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
	}
	// Unconfirmed: draw the ops around the cited ones only.
	w := cut(part, seedFrom, seedTo, cited)
	if len(w) > maxWindowOps {
		w = nearest(w, cited)
	}
	return makeWindow(key, w, false, cited, nil), true
}

func known(o porcupine.Operation) bool { return o.Output.(model.RegisterOutput).Known }

func infoOps(w []porcupine.Operation) int {
	n := 0
	for _, o := range w {
		if !known(o) {
			n++
		}
	}
	return n
}

// closedWindow widens [from, to] until every op with a definite reply
// that meets it lies inside it, and returns the window's ops (see the
// comment at the top), its info ops' calls moved up to from (early names
// those called before from).
func closedWindow(part []porcupine.Operation, from, to int64, cited map[int]bool) ([]porcupine.Operation, map[int]bool, int64, int64) {
	for {
		f, t := from, to
		for _, o := range part {
			if o.Call > to {
				break
			}
			if known(o) && o.Return >= from {
				f, t = min(f, o.Call), max(t, o.Return)
			}
		}
		if f == from && t == to {
			break
		}
		from, to = f, t
	}
	// An info op called before the window took effect before it when a
	// read saw its value by then, or when a read (at any time) saw its
	// value at a version some op had already passed by then — provided
	// its value is its own (no other write of the key, nor the initial
	// register, has it: the workloads write unique values).
	writers := map[int64]int{}
	for _, o := range part {
		if in := o.Input.(model.RegisterInput); in.Kind != model.RegRead {
			writers[in.Value]++
		}
	}
	seenBy := map[int64]bool{}  // values reads saw by from
	seenAt := map[int64]int32{} // the version at which reads saw each value
	top := model.NoVersion      // the highest version an op reported by from
	for _, o := range part {
		out := o.Output.(model.RegisterOutput)
		if !known(o) {
			continue
		}
		if o.Input.(model.RegisterInput).Kind == model.RegRead {
			seenAt[out.Value] = out.Version
			if o.Return < from {
				seenBy[out.Value] = true
			}
		}
		if o.Return < from {
			top = max(top, out.Version)
		}
	}
	before := func(o porcupine.Operation) bool {
		v := o.Input.(model.RegisterInput).Value
		if writers[v] != 1 || v == model.InitialRegister.Value {
			return false
		}
		at, ok := seenAt[v]
		return seenBy[v] || (ok && at != model.NoVersion && at <= top)
	}
	var w []porcupine.Operation
	early := map[int]bool{}
	for _, o := range part {
		if o.Call > to {
			break
		}
		switch {
		case known(o) && o.Return >= from:
			w = append(w, o)
		case !known(o) && (o.Call >= from || !before(o) || cited[o.Metadata.(model.OpMeta).Index]):
			if o.Call < from {
				early[o.Metadata.(model.OpMeta).Index] = true
				o.Call = from
			}
			w = append(w, o)
		}
	}
	return w, early, from, to
}

// cut takes the ops whose interval meets [from, to], for drawing an
// unconfirmed window: called by to, and returned at or after from; an
// info op only when called inside [from, to] or cited.
func cut(part []porcupine.Operation, from, to int64, cited map[int]bool) []porcupine.Operation {
	var out []porcupine.Operation
	for _, o := range part {
		if o.Call > to {
			break
		}
		in := o.Return >= from
		if !known(o) {
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

func makeWindow(key string, w []porcupine.Operation, confirmed bool, cited, early map[int]bool) FailingWindow {
	out := FailingWindow{Key: key, Confirmed: confirmed}
	for i, o := range w {
		meta := o.Metadata.(model.OpMeta)
		known := o.Output.(model.RegisterOutput).Known
		op := WindowOp{Index: meta.Index, Process: o.ClientId, CallNS: o.Call, ReturnNS: o.Return, Open: !known,
			Text: model.DescribeRegisterOp(o.Input, o.Output), Node: meta.Node, Zxid: meta.Zxid, Cited: cited[meta.Index], Early: early[meta.Index]}
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
	_, info, _ := boundedSearch(m, sel, opts.Timeout)
	return porcupine.Visualize(m, info, opts.Visualization)
}

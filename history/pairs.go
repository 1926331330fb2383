package history

import (
	"encoding/json"
	"math"
)

// Pair is a client operation: its invocation and its completion. An
// invocation that never completed is treated as info (Jepsen's history/pairs):
// Open is set and Complete is a synthetic info record with Index -1 and Time
// math.MaxInt64.
type Pair struct {
	Invoke   Op
	Complete Op
	Open     bool
}

// Type is the completion's type (info for an open invocation).
func (p Pair) Type() Type { return p.Complete.Type }

// Value returns the completion's value when it has one, else the
// invocation's: ok records carry results, info and fail records usually
// repeat or omit the request.
func (p Pair) Value() json.RawMessage {
	if len(p.Complete.Value) > 0 {
		return p.Complete.Value
	}
	return p.Invoke.Value
}

// Decode unmarshals Value() into v.
func (p Pair) Decode(v any) error {
	if len(p.Complete.Value) > 0 {
		return p.Complete.Decode(v)
	}
	return p.Invoke.Decode(v)
}

// Session returns the session id recorded on the completion, else on the
// invocation.
func (p Pair) Session() int64 {
	if p.Complete.Session != 0 {
		return p.Complete.Session
	}
	return p.Invoke.Session
}

// Pairs matches each client invocation with the next completion on its
// process, in invocation order. Nemesis and cluster records and stray
// completions are skipped (Read rejects the latter).
func Pairs(ops []Op) []Pair {
	pairs := make([]Pair, 0, len(ops)/2)
	open := make(map[int]int) // process → index into pairs
	for _, op := range ops {
		if !op.IsClient() {
			continue
		}
		if op.Type == Invoke {
			open[op.Process] = len(pairs)
			pairs = append(pairs, Pair{Invoke: op, Open: true,
				Complete: Op{Index: -1, Time: math.MaxInt64, Process: op.Process, Type: Info, F: op.F}})
			continue
		}
		i, ok := open[op.Process]
		if !ok {
			continue
		}
		delete(open, op.Process)
		pairs[i].Complete, pairs[i].Open = op, false
	}
	return pairs
}

// FilterF returns the records whose f is one of fs (nemesis records included
// only if their f is listed).
func FilterF(ops []Op, fs ...string) []Op {
	want := make(map[string]bool, len(fs))
	for _, f := range fs {
		want[f] = true
	}
	return Filter(ops, func(o Op) bool { return want[o.F] })
}

// FilterProcess returns the records of one process.
func FilterProcess(ops []Op, process int) []Op {
	return Filter(ops, func(o Op) bool { return o.Process == process })
}

// Clients returns every client record (neither nemesis nor cluster).
func Clients(ops []Op) []Op { return Filter(ops, Op.IsClient) }

// Nemesis returns every nemesis record.
func Nemesis(ops []Op) []Op { return Filter(ops, Op.IsNemesis) }

// Filter returns the records for which keep is true, in order.
func Filter(ops []Op, keep func(Op) bool) []Op {
	var out []Op
	for _, op := range ops {
		if keep(op) {
			out = append(out, op)
		}
	}
	return out
}

// EndTime is the largest Time in the history (0 for an empty one).
func EndTime(ops []Op) int64 {
	var end int64
	for _, op := range ops {
		end = max(end, op.Time)
	}
	return end
}

package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/history"
)

// RegisterKind is what a register operation does.
type RegisterKind uint8

// Register operation kinds. Plain reads and sync-reads step the model the
// same way; only the checker decides which of them must be linearizable.
const (
	RegRead RegisterKind = iota
	RegWrite
	RegCas
)

func (k RegisterKind) String() string {
	switch k {
	case RegRead:
		return "read"
	case RegWrite:
		return "write"
	default:
		return "cas"
	}
}

// NoVersion marks an unreported version.
const NoVersion int32 = -2

// RegisterInput is a register operation's request.
type RegisterInput struct {
	Kind   RegisterKind
	Key    string
	Value  int64 // written value (write, cas)
	Expect int32 // expected version (cas)
}

// RegisterOutput is a register operation's response. Known is false for info
// completions: the op may or may not have taken effect.
type RegisterOutput struct {
	Known   bool
	Value   int64
	Version int32 // version after the op; -1 = node absent; NoVersion = not reported
}

// RegisterState is one key's register: the data and its Stat.version.
// Version -1 means the node does not exist.
type RegisterState struct {
	Value   int64
	Version int32
}

// InitialRegister is the state of every key when a register history starts
// (the workload creates each key with data "0").
var InitialRegister = RegisterState{Value: 0, Version: 0}

// StepRegister returns every state the register may be in after the op, given
// its response; none means the response is impossible from s.
func StepRegister(s RegisterState, in RegisterInput, out RegisterOutput) []RegisterState {
	switch in.Kind {
	case RegRead:
		if !out.Known {
			return []RegisterState{s}
		}
		if out.Version == -1 {
			return matchIf(s, s.Version == -1)
		}
		return matchIf(s, out.Value == s.Value && (out.Version == NoVersion || out.Version == s.Version))
	case RegWrite:
		next := RegisterState{Value: in.Value, Version: s.Version + 1}
		if s.Version == -1 { // setData on a missing node fails with NONODE
			return matchIf(s, !out.Known)
		}
		return matchIf(next, !out.Known || out.Version == NoVersion || out.Version == next.Version)
	default:
		next := RegisterState{Value: in.Value, Version: s.Version + 1}
		if !out.Known {
			if s.Version == in.Expect && s.Version >= 0 {
				return []RegisterState{next, s}
			}
			return []RegisterState{s}
		}
		return matchIf(next, s.Version == in.Expect && s.Version >= 0 &&
			(out.Version == NoVersion || out.Version == next.Version))
	}
}

func matchIf(s RegisterState, ok bool) []RegisterState {
	if ok {
		return []RegisterState{s}
	}
	return nil
}

// RegisterModel is the per-key register model, partitioned by key. Its state
// is the set of possible RegisterStates (a power-set construction, because an
// info cas may or may not have applied).
func RegisterModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: PartitionByKey,
		Init:      func() []any { return []any{InitialRegister} },
		Step: func(state, input, output any) []any {
			next := StepRegister(state.(RegisterState), input.(RegisterInput), output.(RegisterOutput))
			out := make([]any, len(next))
			for i, s := range next {
				out[i] = s
			}
			return out
		},
		Equal:                     func(a, b any) bool { return a.(RegisterState) == b.(RegisterState) },
		Hash:                      func(s any) uint64 { r := s.(RegisterState); return uint64(r.Value)*1000003 ^ uint64(r.Version) },
		DescribeOperation:         DescribeRegisterOp,
		DescribeOperationMetadata: DescribeMeta,
		DescribeState: func(s any) string {
			r := s.(RegisterState)
			return fmt.Sprintf("%d@v%d", r.Value, r.Version)
		},
	}
	return nm.ToModel()
}

// PartitionByKey splits register operations by key, in key order.
func PartitionByKey(ops []porcupine.Operation) [][]porcupine.Operation {
	byKey := make(map[string][]porcupine.Operation)
	for _, op := range ops {
		k := op.Input.(RegisterInput).Key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

// DescribeRegisterOp renders an op for Porcupine's visualization.
func DescribeRegisterOp(input, output any) string {
	in, out := input.(RegisterInput), output.(RegisterOutput)
	res := "?"
	if out.Known {
		res = fmt.Sprintf("v%d", out.Version)
		if in.Kind == RegRead {
			res = fmt.Sprintf("%d@v%d", out.Value, out.Version)
		}
	}
	switch in.Kind {
	case RegRead:
		return fmt.Sprintf("read(%s) -> %s", in.Key, res)
	case RegWrite:
		return fmt.Sprintf("write(%s, %d) -> %s", in.Key, in.Value, res)
	default:
		return fmt.Sprintf("cas(%s, v%d, %d) -> %s", in.Key, in.Expect, in.Value, res)
	}
}

// KVState is the unpartitioned model's state: every key's register.
type KVState map[string]RegisterState

// KVModel is the same register semantics without partitioning: one state
// holding every key. It exists to measure Porcupine on a whole history, which
// is what partitioning (and the zxid fast path) avoid.
func KVModel() porcupine.Model {
	get := func(s KVState, k string) RegisterState {
		if r, ok := s[k]; ok {
			return r
		}
		return InitialRegister
	}
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{KVState{}} },
		Step: func(state, input, output any) []any {
			s, in := state.(KVState), input.(RegisterInput)
			var out []any
			for _, r := range StepRegister(get(s, in.Key), in, output.(RegisterOutput)) {
				n := make(KVState, len(s)+1)
				for k, v := range s {
					n[k] = v
				}
				n[in.Key] = r
				out = append(out, n)
			}
			return out
		},
		Equal: func(a, b any) bool {
			x, y := a.(KVState), b.(KVState)
			for k, v := range x {
				if get(y, k) != v {
					return false
				}
			}
			for k, v := range y {
				if get(x, k) != v {
					return false
				}
			}
			return true
		},
		DescribeOperation: DescribeRegisterOp,
		DescribeState: func(s any) string {
			kv := s.(KVState)
			keys := make([]string, 0, len(kv))
			for k := range kv {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = fmt.Sprintf("%s=%d@v%d", k, kv[k].Value, kv[k].Version)
			}
			return "{" + strings.Join(parts, ", ") + "}"
		},
	}
	return nm.ToModel()
}

// RegisterOptions selects which register ops become Porcupine operations.
type RegisterOptions struct {
	// PlainReads includes f "read" (served locally, not linearizable in
	// ZooKeeper). Off by default: only sync-reads are judged.
	PlainReads bool
	_          struct{}
}

// OpMeta rides along each Porcupine operation: the invoke record's Index, and
// the completion's zxid and serving node (zero when unknown).
type OpMeta struct {
	Index int
	Zxid  int64
	Node  string
}

// DescribeMeta renders OpMeta for Porcupine's visualization.
func DescribeMeta(meta any) string {
	m, ok := meta.(OpMeta)
	if !ok {
		return ""
	}
	return fmt.Sprintf("op %d zxid 0x%x node %s", m.Index, m.Zxid, m.Node)
}

// RegisterOperations converts a register history to Porcupine operations.
// ok ops keep their interval; info ops (and invocations never completed) get
// Return = end of history + 1, i.e. they may take effect at any time after
// their invocation; fail ops and info reads are dropped. The returned index
// maps each operation to its invoke record's Index (also in Metadata, an
// OpMeta).
func RegisterOperations(ops []history.Op, opts RegisterOptions) ([]porcupine.Operation, []int, error) {
	end := history.EndTime(ops) + 1
	var out []porcupine.Operation
	var index []int
	for _, p := range history.Pairs(ops) {
		in, isRead, err := registerInput(p, opts)
		if err != nil {
			return nil, nil, err
		}
		if in == nil || p.Type() == history.Fail || (isRead && p.Type() != history.OK) {
			continue
		}
		o, err := registerOutput(p)
		if err != nil {
			return nil, nil, err
		}
		ret := p.Complete.Time
		if !o.Known {
			ret = end
		}
		meta := OpMeta{Index: p.Invoke.Index, Zxid: p.Complete.Zxid, Node: p.Complete.Node}
		out = append(out, porcupine.Operation{ClientId: p.Invoke.Process, Input: *in, Call: p.Invoke.Time,
			Output: o, Return: ret, Metadata: meta})
		index = append(index, p.Invoke.Index)
	}
	return out, index, nil
}

func registerInput(p history.Pair, opts RegisterOptions) (*RegisterInput, bool, error) {
	var kind RegisterKind
	switch p.Invoke.F {
	case history.FSyncRead:
		kind = RegRead
	case history.FRead:
		if !opts.PlainReads {
			return nil, true, nil
		}
		kind = RegRead
	case history.FWrite:
		kind = RegWrite
	case history.FCas:
		kind = RegCas
	default:
		return nil, false, nil
	}
	var v history.RegisterValue
	if err := p.Invoke.Decode(&v); err != nil {
		return nil, false, err
	}
	in := &RegisterInput{Kind: kind, Key: v.Key}
	if kind != RegRead {
		if v.Value == nil {
			return nil, false, fmt.Errorf("op %d: %s without a value", p.Invoke.Index, p.Invoke.F)
		}
		in.Value = *v.Value
	}
	if kind == RegCas {
		if v.Expect == nil {
			return nil, false, fmt.Errorf("op %d: cas without expect", p.Invoke.Index)
		}
		in.Expect = *v.Expect
	}
	return in, kind == RegRead, nil
}

func registerOutput(p history.Pair) (RegisterOutput, error) {
	if p.Type() != history.OK {
		return RegisterOutput{Known: false, Version: NoVersion}, nil
	}
	var v history.RegisterValue
	if err := p.Complete.Decode(&v); err != nil {
		return RegisterOutput{}, err
	}
	out := RegisterOutput{Known: true, Version: NoVersion}
	if v.Version != nil {
		out.Version = *v.Version
	}
	if v.Value != nil {
		out.Value = *v.Value
	} else if out.Version != -1 && p.Invoke.F != history.FWrite && p.Invoke.F != history.FCas {
		return RegisterOutput{}, fmt.Errorf("op %d: ok %s without a value", p.Complete.Index, p.Invoke.F)
	}
	return out, nil
}

package checker

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/zabsim/zabsim/history"
)

// genOptions shapes a synthetic register history.
type genOptions struct {
	ops, keys, clients int
	infoPercent        int // share of writes and cas that complete as info
	seed               uint64
}

type genOp struct {
	process                 int
	f, key                  string
	invoke, point, complete int64
	value                   int64
	expect                  int32
	applies                 bool // info ops: did it take effect?
	typ                     history.Type
	out                     history.RegisterValue
	zxid                    int64
	errName                 string
}

// genRegisterHistory produces a linearizable register history: each op takes
// effect at a point inside its interval, zxids follow those points, and info
// writes take effect or not at random.
func genRegisterHistory(o genOptions) []history.Op {
	rng := rand.New(rand.NewPCG(o.seed, 0x5eed))
	free := make([]int64, o.clients)
	ops := make([]genOp, o.ops)
	for i := range ops {
		c := 0
		for j := range free {
			if free[j] < free[c] {
				c = j
			}
		}
		g := &ops[i]
		g.process, g.key = c, fmt.Sprintf("k%d", rng.IntN(o.keys))
		g.invoke = free[c] + rng.Int64N(100)
		g.point = g.invoke + 1 + rng.Int64N(1000)
		g.complete = g.point + 1 + rng.Int64N(1000)
		free[c] = g.complete
		g.typ, g.applies = history.OK, true
		switch x := rng.IntN(100); {
		case x < 40:
			g.f = history.FSyncRead
		case x < 60:
			g.f = history.FRead
		case x < 85:
			g.f = history.FWrite
		default:
			g.f = history.FCas
		}
		g.value = int64(i + 1)
		if g.f == history.FWrite || g.f == history.FCas {
			if rng.IntN(100) < o.infoPercent {
				g.typ, g.applies, g.errName = history.Info, rng.IntN(2) == 0, "CONNECTIONLOSS"
			}
		}
		g.expect = int32(rng.IntN(3)) // decided against the state below
	}
	applyAtPoints(ops, rng)
	return genRecords(ops)
}

type genState struct {
	value   int64
	version int32
}

func applyAtPoints(ops []genOp, rng *rand.Rand) {
	order := make([]int, len(ops))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return ops[order[a]].point < ops[order[b]].point })
	state := map[string]genState{}
	var zxid int64 = 1 << 32
	for _, i := range order {
		g := &ops[i]
		s := state[g.key]
		g.out = history.RegisterValue{Key: g.key}
		switch g.f {
		case history.FRead, history.FSyncRead:
			g.out.Value, g.out.Version, g.zxid = history.Int64(s.value), history.Int32(s.version), zxid
			continue
		case history.FCas:
			if rng.IntN(10) < 7 {
				g.expect = s.version
			} else {
				g.expect = s.version + 1 + int32(rng.IntN(2))
			}
			g.out.Expect = history.Int32(g.expect)
			if g.expect != s.version {
				if g.typ == history.OK {
					g.typ, g.errName = history.Fail, "BADVERSION"
				}
				continue
			}
		}
		if !g.applies {
			continue
		}
		zxid++
		s = genState{value: g.value, version: s.version + 1}
		state[g.key] = s
		g.out.Value, g.out.Version, g.zxid = history.Int64(g.value), history.Int32(s.version), zxid
	}
}

type genRecord struct {
	t          int64
	completion bool
	seq        int
	op         history.Op
}

func genRecords(ops []genOp) []history.Op {
	recs := make([]genRecord, 0, 2*len(ops))
	for i, g := range ops {
		in := history.RegisterValue{Key: g.key}
		if g.f == history.FWrite || g.f == history.FCas {
			in.Value = history.Int64(g.value)
		}
		if g.f == history.FCas {
			in.Expect = history.Int32(g.expect)
		}
		inv := history.Op{Time: g.invoke, Process: g.process, Type: history.Invoke, F: g.f, Value: mustJSON(in)}
		done := history.Op{Time: g.complete, Process: g.process, Type: g.typ, F: g.f, Error: g.errName}
		if g.typ == history.OK {
			done.Value, done.Zxid = mustJSON(g.out), g.zxid
		}
		recs = append(recs, genRecord{t: g.invoke, seq: 2 * i, op: inv}, genRecord{t: g.complete, completion: true, seq: 2*i + 1, op: done})
	}
	sort.Slice(recs, func(a, b int) bool {
		x, y := recs[a], recs[b]
		if x.t != y.t {
			return x.t < y.t
		}
		if x.completion != y.completion {
			return x.completion
		}
		return x.seq < y.seq
	})
	out := make([]history.Op, len(recs))
	for i, r := range recs {
		out[i] = r.op
		out[i].Index = i
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test helper: only ever given plain structs
	}
	return b
}

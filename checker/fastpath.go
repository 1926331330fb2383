package checker

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/model"
)

// The zxid fast path. ZooKeeper has already chosen a linearization: every
// committed write has a zxid, and on one znode the zxid order is the
// Stat.version order. So a register history's linearization on one key is
// forced up to small choices: ok writes in zxid (= version) order, info
// writes filling the version gaps that reads or later writes prove were
// committed, and each read right after the write whose version it returned.
// fastPathKey builds that sequence, replays it through the model, and checks
// that every op's linearization point can lie inside its [call, return]
// interval: greedily, t = max(t, call) must stay <= return. The sequence is
// a witness, so success proves linearizability; failure proves nothing and
// sends the key to Porcupine. Cost: one sort, O(n log n), O(n) memory.

type fpOp struct {
	in   model.RegisterInput
	out  model.RegisterOutput
	call int64
	ret  int64
	meta model.OpMeta
}

// fastPathKey returns "" if it verified the key's ops, else why not. It
// also returns violations that follow from versions alone (see
// definiteViolations): when there are any, the key is certainly not
// linearizable and Porcupine need not search.
func fastPathKey(ops []porcupine.Operation) (string, []Anomaly) {
	writes, infos, reads := splitOps(ops)
	if bad := definiteViolations(writes, infos, reads); len(bad) > 0 {
		return "definite violations", bad
	}
	return witness(writes, infos, reads), nil
}

func splitOps(ops []porcupine.Operation) (writes, infos, reads []fpOp) {
	for _, o := range ops {
		f := fpOp{in: o.Input.(model.RegisterInput), out: o.Output.(model.RegisterOutput), call: o.Call, ret: o.Return}
		f.meta, _ = o.Metadata.(model.OpMeta)
		switch {
		case f.in.Kind == model.RegRead:
			reads = append(reads, f)
		case f.out.Known:
			writes = append(writes, f)
		default:
			infos = append(infos, f)
		}
	}
	return writes, infos, reads
}

// witness builds the zxid-ordered sequence and verifies it: "" on success.
func witness(writes, infos, reads []fpOp) string {
	slots, why := slotWrites(writes)
	if why != "" {
		return why
	}
	readsAt, top, why := slotReads(reads)
	if why != "" {
		return why
	}
	if n := len(slots) - 1; n > top {
		top = n
	}
	seq, why := buildSequence(slots, readsAt, infos, top)
	if why != "" {
		return why
	}
	return verifySequence(seq)
}

// slotWrites indexes ok writes by the version they produced and checks that
// zxid order agrees with version order.
func slotWrites(writes []fpOp) ([]*fpOp, string) {
	sort.Slice(writes, func(i, j int) bool { return writes[i].out.Version < writes[j].out.Version })
	var slots []*fpOp
	var lastZxid int64
	for i := range writes {
		w := &writes[i]
		v := w.out.Version
		if v == model.NoVersion || v < 1 {
			return nil, fmt.Sprintf("op %d: ok write without a version", w.meta.Index)
		}
		if w.meta.Zxid != 0 {
			if w.meta.Zxid <= lastZxid {
				return nil, fmt.Sprintf("op %d: zxid order disagrees with version order", w.meta.Index)
			}
			lastZxid = w.meta.Zxid
		}
		for int(v) >= len(slots) {
			slots = append(slots, nil)
		}
		if slots[v] != nil {
			return nil, fmt.Sprintf("ops %d and %d both produced version %d", slots[v].meta.Index, w.meta.Index, v)
		}
		slots[v] = w
	}
	if len(slots) == 0 {
		slots = []*fpOp{nil}
	}
	return slots, ""
}

func slotReads(reads []fpOp) (map[int32][]fpOp, int, string) {
	readsAt := make(map[int32][]fpOp)
	top := 0
	for _, r := range reads {
		v := r.out.Version
		if v < 0 {
			return nil, 0, fmt.Sprintf("op %d: read without a version", r.meta.Index)
		}
		readsAt[v] = append(readsAt[v], r)
		top = max(top, int(v))
	}
	for v := range readsAt {
		rs := readsAt[v]
		sort.Slice(rs, func(i, j int) bool { return rs[i].call < rs[j].call })
	}
	return readsAt, top, ""
}

// infoPool hands out info writes to fill version gaps. A gap that reads
// observed takes the write of the value they read; any other gap takes, first,
// an info cas expecting exactly the previous version (it fits nowhere else),
// then the earliest-invoked plain write no read demands — the choice that
// constrains later ops least.
type infoPool struct {
	ops      []fpOp // sorted by call
	used     []bool
	demanded map[int64]bool // values reads saw at versions no ok write produced
}

func (p *infoPool) take(version int32, wantValue *int64) *fpOp {
	if wantValue != nil {
		return p.first(func(o *fpOp) bool {
			return o.in.Value == *wantValue && (o.in.Kind != model.RegCas || o.in.Expect == version-1)
		})
	}
	if o := p.first(func(o *fpOp) bool { return o.in.Kind == model.RegCas && o.in.Expect == version-1 }); o != nil {
		return o
	}
	return p.first(func(o *fpOp) bool { return o.in.Kind == model.RegWrite && !p.demanded[o.in.Value] })
}

func (p *infoPool) first(fits func(*fpOp) bool) *fpOp {
	for i := range p.ops {
		if !p.used[i] && fits(&p.ops[i]) {
			p.used[i] = true
			return &p.ops[i]
		}
	}
	return nil
}

func buildSequence(slots []*fpOp, readsAt map[int32][]fpOp, infos []fpOp, top int) ([]fpOp, string) {
	sort.Slice(infos, func(i, j int) bool { return infos[i].call < infos[j].call })
	pool := &infoPool{ops: infos, used: make([]bool, len(infos)), demanded: map[int64]bool{}}
	for v, rs := range readsAt {
		if int(v) >= len(slots) || slots[v] == nil {
			pool.demanded[rs[0].out.Value] = true
		}
	}
	seq := append([]fpOp(nil), readsAt[0]...)
	for v := 1; v <= top; v++ {
		var producer *fpOp
		if v < len(slots) {
			producer = slots[v]
		}
		if producer == nil {
			var want *int64
			if rs := readsAt[int32(v)]; len(rs) > 0 {
				want = &rs[0].out.Value
			}
			producer = pool.take(int32(v), want)
		}
		if producer == nil {
			return nil, fmt.Sprintf("no write can have produced version %d", v)
		}
		seq = append(seq, *producer)
		seq = append(seq, readsAt[int32(v)]...)
	}
	for i, o := range pool.ops {
		if !pool.used[i] && o.in.Kind == model.RegWrite {
			seq = append(seq, o) // committed last or never: nobody can tell
		}
	}
	return seq, ""
}

// verifySequence replays seq through the model (an info write in the
// sequence is taken as applied) and checks real-time order.
func verifySequence(seq []fpOp) string {
	state := model.InitialRegister
	var t int64
	for _, o := range seq {
		next := model.StepRegister(state, o.in, o.out)
		applied := false
		for _, s := range next {
			if o.in.Kind == model.RegRead || s.Version == state.Version+1 {
				state, applied = s, true
				break
			}
		}
		if !applied {
			return fmt.Sprintf("op %d (%s) is illegal in zxid order", o.meta.Index, model.DescribeRegisterOp(o.in, o.out))
		}
		t = max(t, o.call)
		if t > o.ret {
			return fmt.Sprintf("op %d (%s) returned before ops ordered before it were invoked", o.meta.Index, model.DescribeRegisterOp(o.in, o.out))
		}
	}
	return ""
}

package checker

import (
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/model"
)

// definiteViolations finds what is impossible in the register model whatever
// the linearization, using only versions (each committed write on a key
// produces the next version, exactly once) and real time:
//
//   - two ok writes produced the same version;
//   - a read's value is not what the write that produced its version wrote
//     (or, for a version no ok write reported, what any info write wrote; or,
//     for version 0, the initial value);
//   - an op observed version v although it was invoked after another op that
//     had already observed or produced a version > v (a stale read, or a
//     write that lost earlier acknowledged writes);
//   - a read returned a version before the write producing it was invoked.
//
// Each is a certain violation, so reporting it needs no search.
func definiteViolations(writes, infos, reads []fpOp) []Anomaly {
	var out []Anomaly
	producers := map[int32]fpOp{}
	for _, w := range writes {
		if w.out.Version == model.NoVersion {
			continue
		}
		if p, dup := producers[w.out.Version]; dup {
			out = append(out, Anomaly{Kind: "duplicate-version", Ops: []int{p.meta.Index, w.meta.Index},
				Explanation: fmt.Sprintf("ops %d and %d both report producing version %d of %q", p.meta.Index, w.meta.Index, w.out.Version, w.in.Key)})
			continue
		}
		producers[w.out.Version] = w
	}
	// Values that some write may have produced at a version nobody reported.
	infoValues := map[int64]bool{}
	for _, o := range infos {
		infoValues[o.in.Value] = true
	}
	for _, w := range writes {
		if w.out.Version == model.NoVersion {
			infoValues[w.in.Value] = true
		}
	}
	for _, r := range reads {
		if a, bad := wrongValue(r, producers, infoValues); bad {
			out = append(out, a)
		}
	}
	return append(out, versionRegressions(append(append([]fpOp(nil), writes...), reads...))...)
}

func wrongValue(r fpOp, producers map[int32]fpOp, infoValues map[int64]bool) (Anomaly, bool) {
	v, key := r.out.Version, r.in.Key
	if v == model.NoVersion || v < 0 {
		return Anomaly{}, false
	}
	p, known := producers[v]
	switch {
	case v == 0 && r.out.Value != model.InitialRegister.Value:
		return Anomaly{Kind: "phantom-read", Ops: []int{r.meta.Index},
			Explanation: fmt.Sprintf("op %d read %q = %d at version 0; the initial value is %d", r.meta.Index, key, r.out.Value, model.InitialRegister.Value)}, true
	case known && p.in.Value != r.out.Value:
		return Anomaly{Kind: "phantom-read", Ops: []int{p.meta.Index, r.meta.Index},
			Explanation: fmt.Sprintf("op %d read %q = %d at version %d, but op %d wrote %d as that version", r.meta.Index, key, r.out.Value, v, p.meta.Index, p.in.Value)}, true
	case known && r.ret < p.call:
		return Anomaly{Kind: "read-before-write", Ops: []int{r.meta.Index, p.meta.Index},
			Explanation: fmt.Sprintf("op %d read %q version %d before op %d, which wrote it, was invoked", r.meta.Index, key, v, p.meta.Index)}, true
	case !known && v > 0 && !infoValues[r.out.Value]:
		return Anomaly{Kind: "phantom-read", Ops: []int{r.meta.Index},
			Explanation: fmt.Sprintf("op %d read %q = %d at version %d, a value no write of %q could have produced", r.meta.Index, key, r.out.Value, v, key)}, true
	}
	return Anomaly{}, false
}

// versionRegressions flags every op that saw an older version than an op
// completed before it was invoked. A write must produce a newer version than
// anything completed before it; a read at least as new.
func versionRegressions(ops []fpOp) []Anomaly {
	var known []fpOp
	for _, o := range ops {
		if o.out.Version != model.NoVersion && o.out.Version >= 0 {
			known = append(known, o)
		}
	}
	byDone := append([]fpOp(nil), known...)
	sort.Slice(byDone, func(i, j int) bool { return byDone[i].ret < byDone[j].ret })
	sort.Slice(known, func(i, j int) bool { return known[i].call < known[j].call })
	var out []Anomaly
	var newest *fpOp
	j := 0
	for i := range known {
		o := &known[i]
		for ; j < len(byDone) && byDone[j].ret < o.call; j++ {
			if newest == nil || byDone[j].out.Version > newest.out.Version {
				newest = &byDone[j]
			}
		}
		if newest == nil {
			continue
		}
		isRead := o.in.Kind == model.RegRead
		if (isRead && o.out.Version < newest.out.Version) || (!isRead && o.out.Version <= newest.out.Version) {
			kind := "stale-read"
			if !isRead {
				kind = "lost-write"
			}
			out = append(out, Anomaly{Kind: kind, Ops: []int{newest.meta.Index, o.meta.Index},
				Explanation: fmt.Sprintf("op %d (%s) was invoked after op %d (%s) completed, yet saw an older version of %q",
					o.meta.Index, model.DescribeRegisterOp(o.in, o.out), newest.meta.Index, model.DescribeRegisterOp(newest.in, newest.out), o.in.Key)})
		}
	}
	return out
}

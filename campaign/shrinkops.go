package campaign

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/studies/api"
	"github.com/zabsim/zabsim/workloads"
)

// cutOps cuts api operations (pebble's metamorphic tests shrink their op
// lists the same way): it tries skipping ever smaller stretches of the
// operation numbers every api worker draws — halves, quarters, down to a
// thirty-second — keeping each cut after which the same checkers still
// fail. Skipped operations are still drawn, so the others stay what they
// were; their timing shifts, which can make the failure go away.
func (sh *shrinker) cutOps(cur scenario.Scenario, best *rundir.Outcome) (scenario.Scenario, *rundir.Outcome) {
	if !cur.HasWorkload("api") {
		return cur, best
	}
	total := lastAPIOp(best.Result.History)
	if total < 2 {
		return cur, best
	}
	cut, _ := scenario.ParseOpRanges(cur.SkipOps)
	// Operations past the failing run's last are not part of it: cut
	// them for good, so cutting a stretch removes work rather than
	// letting later draws take its place.
	cut = mergeRanges(append(cut, workloads.OpRange{From: total + 1, To: maxOpNumber}))
	for chunk := (total + 1) / 2; chunk >= max(1, total/32); chunk /= 2 {
		for from := 1; from <= total; from += chunk {
			r := workloads.OpRange{From: from, To: min(from+chunk-1, total)}
			if covered(cut, r) {
				continue
			}
			c := cur
			cand := mergeRanges(append(append([]workloads.OpRange(nil), cut...), r))
			c.SkipOps = formatRanges(cand)
			o, ok := sh.fails(c)
			if !ok {
				continue
			}
			sh.logf("cut operations %d-%d: still fails", r.From, r.To)
			cur, best, cut = c, o, cand
		}
	}
	return cur, best
}

// maxOpNumber stands for "every later operation" in a cut.
const maxOpNumber = 1 << 30

// lastAPIOp is the highest operation number an api invocation carries.
func lastAPIOp(ops []history.Op) int {
	last := -1
	for _, op := range ops {
		if op.F != api.FAPI || op.Type != history.Invoke {
			continue
		}
		var v api.APIValue
		if json.Unmarshal(op.Value, &v) == nil && v.N > last {
			last = v.N
		}
	}
	return last
}

func covered(rs []workloads.OpRange, r workloads.OpRange) bool {
	for _, x := range rs {
		if x.From <= r.From && r.To <= x.To {
			return true
		}
	}
	return false
}

// mergeRanges sorts ranges and joins overlapping or adjacent ones.
func mergeRanges(rs []workloads.OpRange) []workloads.OpRange {
	sort.Slice(rs, func(i, j int) bool { return rs[i].From < rs[j].From })
	var out []workloads.OpRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.From <= out[n-1].To+1 {
			out[n-1].To = max(out[n-1].To, r.To)
			continue
		}
		out = append(out, r)
	}
	return out
}

// formatRanges is ParseOpRanges' inverse.
func formatRanges(rs []workloads.OpRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d-%d", r.From, r.To)
		if r.From == r.To {
			parts[i] = fmt.Sprint(r.From)
		}
	}
	return strings.Join(parts, ",")
}

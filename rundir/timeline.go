package rundir

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/history"
)

// HistoryTimeline writes Porcupine's HTML timeline of a history whose
// workload has no linearizability model: every client op on its process's
// row, partitioned by f, under a model that accepts any order. It is a
// browsing aid, not a verdict (the workload's own checkers judge the run).
func HistoryTimeline(ops []history.Op, w io.Writer) error {
	pairs := history.Pairs(ops)
	rows := map[int]int{}
	var procs []int
	for _, p := range pairs {
		if _, ok := rows[p.Invoke.Process]; !ok {
			rows[p.Invoke.Process] = 0
			procs = append(procs, p.Invoke.Process)
		}
	}
	sort.Ints(procs)
	for i, p := range procs {
		rows[p] = i
	}
	end := history.EndTime(ops) + 1
	out := make([]porcupine.Operation, 0, len(pairs))
	for _, p := range pairs {
		ret := p.Complete.Time
		if p.Open || p.Complete.Type == history.Info {
			ret = end
		}
		out = append(out, porcupine.Operation{ClientId: rows[p.Invoke.Process], Call: p.Invoke.Time, Return: ret,
			Input: p.Invoke, Output: p.Complete})
	}
	model := porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			byF := map[string][]porcupine.Operation{}
			var fs []string
			for _, op := range h {
				f := op.Input.(history.Op).F
				if _, ok := byF[f]; !ok {
					fs = append(fs, f)
				}
				byF[f] = append(byF[f], op)
			}
			sort.Strings(fs)
			parts := make([][]porcupine.Operation, 0, len(fs))
			for _, f := range fs {
				parts = append(parts, byF[f])
			}
			return parts
		},
		Init: func() any { return "" },
		Step: func(state, _, _ any) (bool, any) { return true, state },
		DescribeOperation: func(in, out any) string {
			i, o := in.(history.Op), out.(history.Op)
			s := fmt.Sprintf("%s %s → %s", i.F, i.Value, o.Type)
			if o.Error != "" {
				s += " " + o.Error
			}
			return s
		},
	}
	_, info := porcupine.CheckOperationsVerbose(model, out, 10*time.Second)
	return porcupine.Visualize(model, info, w)
}

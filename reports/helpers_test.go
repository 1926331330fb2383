package reports

import (
	"math/rand/v2"
	"testing"

	"github.com/zabsim/zabsim/history"
)

// builder appends records with increasing indexes.
type builder struct{ ops []history.Op }

func (b *builder) add(t int64, proc int, typ history.Type, f string, v any) {
	op := history.Op{Index: len(b.ops), Time: t, Process: proc, Type: typ, F: f}
	if v != nil {
		raw, err := history.EncodeValue(v)
		if err != nil {
			panic(err) // test values are plain structs
		}
		op.Value = raw
	}
	b.ops = append(b.ops, op)
}

func (b *builder) nemesis(t int64, f string, nodes ...string) {
	b.add(t, history.NemesisProcess, history.Info, f, history.NemesisValue{Nodes: nodes})
}

const ms = int64(1e6)
const sec = int64(1e9)

// faultyHistory is a 30 s register run with four clients: a partition from
// 8 s to 14 s during which ops fail or time out, a one-shot disk corruption
// at 16 s, and a leader kill from 20 s to 24 s. Ops are generated in time
// order per client and merged, so the history is well formed.
func faultyHistory(t *testing.T) []history.Op {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	type ev struct {
		t    int64
		proc int
		typ  history.Type
		f    string
		err  string
	}
	var evs []ev
	fs := []string{history.FRead, history.FWrite, history.FCas}
	for proc := range 4 {
		now := int64(proc) * 3 * ms
		for now < 30*sec {
			f := fs[rng.IntN(len(fs))]
			lat := int64(1+rng.IntN(4))*ms + int64(rng.IntN(1000))*1000
			typ, errName := history.OK, ""
			inPartition := now > 8*sec && now < 14*sec
			inKill := now > 20*sec && now < 24*sec
			switch {
			case inPartition && rng.IntN(3) == 0:
				typ, errName, lat = history.Info, "timeout", 1500*ms
			case inPartition || (inKill && rng.IntN(2) == 0):
				typ, errName, lat = history.Fail, "CONNECTIONLOSS", int64(50+rng.IntN(400))*ms
			case f == history.FCas && rng.IntN(4) == 0:
				typ, errName = history.Fail, "BADVERSION"
			}
			evs = append(evs, ev{now, proc, history.Invoke, f, ""}, ev{now + lat, proc, typ, f, errName})
			now += lat + int64(20+rng.IntN(80))*ms
		}
	}
	evs = append(evs,
		ev{t: 8 * sec, proc: -1, f: "start partition random-halves"},
		ev{t: 14 * sec, proc: -1, f: "stop partition"},
		ev{t: 16 * sec, proc: -1, f: "disk corrupt s3"},
		ev{t: 20 * sec, proc: -1, f: "kill leader"},
		ev{t: 24 * sec, proc: -1, f: "restart s2"},
	)
	sortEvents(evs, func(a, b ev) bool { return a.t < b.t || (a.t == b.t && a.proc < b.proc) })
	var b builder
	for _, e := range evs {
		switch {
		case e.proc < 0 && e.f == "kill leader" || e.f == "restart s2":
			b.nemesis(e.t, e.f, "s2")
		case e.proc < 0 && e.f == "start partition random-halves":
			b.nemesis(e.t, e.f, "s1", "s2", "s3")
		case e.proc < 0:
			b.nemesis(e.t, e.f)
		default:
			b.add(e.t, e.proc, e.typ, e.f, history.RegisterValue{Key: "k1"})
			b.ops[len(b.ops)-1].Error = e.err
		}
	}
	if err := history.Validate(b.ops); err != nil {
		t.Fatalf("synthetic history is malformed: %v", err)
	}
	return b.ops
}

// sortEvents is a stable insertion-free sort for the builder (keeps equal
// events in generation order).
func sortEvents[T any](xs []T, less func(a, b T) bool) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && less(xs[j], xs[j-1]); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// faultySpans is a role timeline for three servers matching faultyHistory:
// s2 leads epoch 1, everyone looks during the partition, s2 leads epoch 2,
// is killed at 20 s, and s1 leads epoch 3.
func faultySpans() []RoleSpan {
	return []RoleSpan{
		{Node: "s1", StartNS: 0, EndNS: 8 * sec, Role: "follower", Epoch: 1},
		{Node: "s2", StartNS: 0, EndNS: 8 * sec, Role: "leader", Epoch: 1},
		{Node: "s3", StartNS: 0, EndNS: 8 * sec, Role: "follower", Epoch: 1},
		{Node: "s1", StartNS: 8 * sec, EndNS: 9 * sec, Role: "looking", Epoch: -1},
		{Node: "s2", StartNS: 8 * sec, EndNS: 9 * sec, Role: "looking", Epoch: -1},
		{Node: "s3", StartNS: 8 * sec, EndNS: 14 * sec, Role: "looking", Epoch: -1},
		{Node: "s1", StartNS: 9 * sec, EndNS: 20*sec + 400*ms, Role: "follower", Epoch: 2},
		{Node: "s2", StartNS: 9 * sec, EndNS: 20 * sec, Role: "leader", Epoch: 2},
		{Node: "s3", StartNS: 14 * sec, EndNS: 20*sec + 400*ms, Role: "follower", Epoch: 2},
		{Node: "s2", StartNS: 20 * sec, EndNS: 24 * sec, Role: "down", Epoch: -1},
		{Node: "s1", StartNS: 20*sec + 400*ms, EndNS: 30 * sec, Role: "leader", Epoch: 3},
		{Node: "s3", StartNS: 20*sec + 400*ms, EndNS: 30 * sec, Role: "follower", Epoch: 3},
		{Node: "s2", StartNS: 24 * sec, EndNS: 30 * sec, Role: "follower", Epoch: 3},
	}
}

// busyHistory is a 120 s run with a fault every few seconds (overlapping
// kinds, short intervals, one-shots) and many clients, to stress label
// placement and point density.
func busyHistory(t testing.TB, clients int) []history.Op {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var b builder
	type open struct{ t int64 }
	next := make([]int64, clients)
	pending := make([]int64, clients) // completion time of the open op, 0 if none
	faultAt := int64(2 * sec)
	faults := []string{"start partition isolate-leader", "kill one", "pause minority", "clock strobe s1 -1s 1s 200ms",
		"disk corrupt s2", "net degrade latency=50ms jitter=10ms loss=0.1 dup=0 reorder=0"}
	stops := []string{"stop partition", "restart all", "resume all", "clock reset", "", "net restore"}
	var stopAt []struct {
		t int64
		f string
	}
	for now := int64(0); now < 120*sec; now += 5 * ms {
		if now >= faultAt {
			i := rng.IntN(len(faults))
			b.nemesis(now, faults[i], "s"+string(rune('1'+rng.IntN(5))))
			if stops[i] != "" {
				stopAt = append(stopAt, struct {
					t int64
					f string
				}{now + int64(1+rng.IntN(6))*sec, stops[i]})
			}
			faultAt = now + int64(1+rng.IntN(5))*sec
		}
		kept := stopAt[:0]
		for _, s := range stopAt {
			if s.t <= now {
				b.nemesis(now, s.f)
				continue
			}
			kept = append(kept, s)
		}
		stopAt = kept
		for c := range clients {
			switch {
			case pending[c] != 0 && pending[c] <= now:
				typ := history.OK
				if rng.IntN(20) == 0 {
					typ = history.Fail
				} else if rng.IntN(200) == 0 {
					typ = history.Info
				}
				b.add(now, c, typ, []string{"read", "write"}[c%2], nil)
				pending[c], next[c] = 0, now+int64(rng.IntN(20))*ms
			case pending[c] == 0 && next[c] <= now:
				b.add(now, c, history.Invoke, []string{"read", "write"}[c%2], nil)
				pending[c] = now + int64(1+rng.ExpFloat64()*8)*ms
			}
		}
	}
	if err := history.Validate(b.ops); err != nil {
		t.Fatal(err)
	}
	return b.ops
}

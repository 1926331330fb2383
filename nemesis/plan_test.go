package nemesis

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

var allKinds = []Kind{KindPartition, KindKill, KindPause, KindClock, KindDisk, KindNet}

func planOpts(nodes int) PlanOptions {
	return PlanOptions{
		Kinds:      allKinds,
		Duration:   5 * time.Minute,
		Gap:        Interval{Min: time.Second, Max: 10 * time.Second},
		Length:     Interval{Min: 2 * time.Second, Max: 20 * time.Second},
		Nodes:      nodeNames(nodes),
		HealedTail: 30 * time.Second,
		MaxCompose: 3,
	}
}

func plan(t *testing.T, seed uint64, o PlanOptions) Schedule {
	t.Helper()
	s, err := Plan(rand.New(rand.NewPCG(seed, 3)), o)
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return s
}

func TestPlanIsDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		a, b := plan(t, seed, planOpts(5)), plan(t, seed, planOpts(5))
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d planned twice differently:\n%s\n%s", seed, a, b)
		}
	}
	if reflect.DeepEqual(plan(t, 1, planOpts(5)), plan(t, 2, planOpts(5))) {
		t.Fatal("seeds 1 and 2 planned the same schedule")
	}
}

// Every plan is valid, round-trips, ends with a heal at Duration-HealedTail,
// and, applied to a host, leaves every node running and every fault off.
func TestPlanEndsHealedWithAllNodesRunning(t *testing.T) {
	used := map[Kind]int{}
	composed := 0
	for seed := range uint64(200) {
		n := []int{1, 3, 5, 7}[seed%4]
		o := planOpts(n)
		s := plan(t, seed, o)
		if err := s.Validate(o.Nodes); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, s)
		}
		last := s.Steps[len(s.Steps)-1]
		if last.Action != (Heal{}) || last.At != o.Duration-o.HealedTail || !s.EndsHealed() {
			t.Fatalf("seed %d: does not end healed at %v:\n%s", seed, o.Duration-o.HealedTail, s)
		}
		if back, err := Parse(s.String()); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("seed %d: round trip: %v", seed, err)
		}
		h := newFakeHost(o.Nodes...)
		h.leader = o.Nodes[0]
		runAll(t, s, h, seed)
		if err := h.healthy(); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, s)
		}
		for i, st := range s.Steps {
			used[st.Action.Kind()]++
			if i > 0 && st.At == s.Steps[i-1].At && st.Action.Phase() == PhaseStart &&
				s.Steps[i-1].Action.Phase() == PhaseStart {
				composed++
			}
		}
	}
	for _, k := range allKinds {
		if used[k] == 0 {
			t.Errorf("200 plans never used kind %v", k)
		}
	}
	if composed == 0 {
		t.Error("200 plans with MaxCompose 3 never composed faults")
	}
}

func TestPlanUsesOnlyEnabledKinds(t *testing.T) {
	o := planOpts(3)
	o.Kinds = []Kind{KindClock}
	for seed := range uint64(20) {
		for _, st := range plan(t, seed, o).Steps {
			if k := st.Action.Kind(); k != KindClock && k != KindHeal {
				t.Fatalf("seed %d: clock-only plan has %v", seed, st)
			}
		}
	}
}

func TestPlanRejectsBadOptions(t *testing.T) {
	bad := map[string]func(*PlanOptions){
		"no kinds":       func(o *PlanOptions) { o.Kinds = nil },
		"heal kind":      func(o *PlanOptions) { o.Kinds = []Kind{KindHeal} },
		"zero duration":  func(o *PlanOptions) { o.Duration = 0 },
		"tail too long":  func(o *PlanOptions) { o.HealedTail = time.Hour },
		"inverted gap":   func(o *PlanOptions) { o.Gap = Interval{Min: 2, Max: 1} },
		"zero length":    func(o *PlanOptions) { o.Length = Interval{} },
		"tiny length":    func(o *PlanOptions) { o.Length = Interval{Min: 1, Max: 1} },
		"no nodes":       func(o *PlanOptions) { o.Nodes = nil },
		"bad node name":  func(o *PlanOptions) { o.Nodes = []string{"s 1"} },
		"keyword node":   func(o *PlanOptions) { o.Nodes = []string{"leader"} },
		"duplicate node": func(o *PlanOptions) { o.Nodes = []string{"s1", "s1"} },
	}
	for name, mutate := range bad {
		o := planOpts(3)
		mutate(&o)
		if _, err := Plan(rand.New(rand.NewPCG(1, 1)), o); err == nil {
			t.Errorf("%s: Plan accepted %+v", name, o)
		}
	}
	if _, err := Plan(nil, planOpts(3)); err == nil {
		t.Error("Plan accepted a nil rng")
	}
}

// A churn window kills and restarts random subsets, quorums included, each
// kill naming one node; every plan stays valid and ends with every node
// running, alone or composed with the other families.
func TestPlanChurn(t *testing.T) {
	majorityDown, partialRestart := false, false
	for seed := range uint64(100) {
		o := planOpts(3 + 2*int(seed%2))
		o.Kinds = []Kind{KindChurn}
		if seed%3 == 0 {
			o.Kinds = append([]Kind{KindChurn}, allKinds...)
		}
		s := plan(t, seed, o)
		if err := s.Validate(o.Nodes); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, s)
		}
		if back, err := Parse(s.String()); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("seed %d: round trip: %v", seed, err)
		}
		h := newFakeHost(o.Nodes...)
		h.leader = o.Nodes[0]
		runAll(t, s, h, seed)
		if err := h.healthy(); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, s)
		}
		down := map[string]bool{}
		for _, st := range s.Steps {
			switch a := st.Action.(type) {
			case Kill:
				if a.Target.Kind == TargetNodes {
					down[a.Target.Nodes[0]] = true
					if len(down) > len(o.Nodes)/2 {
						majorityDown = true
					}
				}
			case Restart:
				if a.Target.Kind == TargetNodes {
					if len(a.Target.Nodes) < len(down) {
						partialRestart = true
					}
					for _, n := range a.Target.Nodes {
						delete(down, n)
					}
				} else {
					clear(down)
				}
			case Heal:
				clear(down)
			}
		}
	}
	if !majorityDown || !partialRestart {
		t.Fatalf("100 churn plans: a majority down %v, a partial restart %v", majorityDown, partialRestart)
	}
}

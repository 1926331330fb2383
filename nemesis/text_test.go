package nemesis

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Every action form, written the way a person would.
var exampleActions = []string{
	"start partition random-halves",
	"start partition isolate-leader",
	"start partition isolate-node s3",
	"start partition majority-ring",
	"start partition bridge",
	"start partition one-way s1->s2",
	"start partition one-way leader->all",
	"start partition one-way s1,s2->minority",
	"stop partition",
	"kill one", "kill leader", "kill minority", "kill all", "kill s1,s4",
	"restart all", "restart s2",
	"pause one", "pause leader", "pause minority", "resume all", "resume s5",
	"clock skew s1 -250ms",
	"clock jump all 1m30s",
	"clock strobe leader -1s 2s 100ms",
	"clock rate s1 0.25", "clock rate leader 10", "clock rate minority 1.0001",
	"clock reset",
	"disk crash-mode lose-unsynced", "disk crash-mode keep-prefix", "disk crash-mode tear-last",
	"disk corrupt one",
	"disk fsync-errors leader",
	"disk slow all 15ms",
	"disk reset",
	"net degrade latency=10ms jitter=5ms loss=0.05 dup=0.01 reorder=0.125",
	"net restore",
	"member add s4", "member remove s2", "member remove leader",
	"member observer s3", "member participant s3", "member replace s2 s5",
	"heal",
}

func TestActionTextRoundTrip(t *testing.T) {
	for _, text := range exampleActions {
		a, err := ParseAction(text)
		if err != nil {
			t.Errorf("ParseAction(%q): %v", text, err)
			continue
		}
		if got := a.String(); got != text {
			t.Errorf("ParseAction(%q).String() = %q", text, got)
		}
	}
}

func TestParseActionNormalises(t *testing.T) {
	cases := map[string]string{
		"kill s3,s1":                         "kill s1,s3",
		"net degrade loss=0.5":               "net degrade latency=0s jitter=0s loss=0.5 dup=0 reorder=0",
		"clock   skew  s1   1000ms":          "clock skew s1 1s",
		"start partition one-way s2,s1->all": "start partition one-way s1,s2->all",
	}
	for in, want := range cases {
		a, err := ParseAction(in)
		if err != nil {
			t.Fatalf("ParseAction(%q): %v", in, err)
		}
		if a.String() != want {
			t.Errorf("ParseAction(%q) = %q, want %q", in, a, want)
		}
	}
}

func TestScheduleExampleFromBrief(t *testing.T) {
	text := "5s start partition random-halves\n12s stop partition\n20s kill leader\n25s restart all\n30s heal\n"
	s, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := Schedule{Steps: []Step{
		{At: 5 * time.Second, Action: StartPartition{Shape: ShapeRandomHalves}},
		{At: 12 * time.Second, Action: StopPartition{}},
		{At: 20 * time.Second, Action: Kill{Target: Leader}},
		{At: 25 * time.Second, Action: Restart{Target: All}},
		{At: 30 * time.Second, Action: Heal{}},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Parse = %#v, want %#v", s, want)
	}
	if s.String() != text {
		t.Fatalf("String = %q, want %q", s.String(), text)
	}
	if !s.EndsHealed() {
		t.Fatal("brief's example should end healed")
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		text string
		line int
		want string
	}{
		{"1s kill leader\n2s frobnicate", 2, "unknown action"},
		{"# comment\n\n1s kill nobody!", 3, "bad character"},
		{"1s kill leader\nfoo restart all", 2, "step time"},
		{"-1s heal", 1, "negative time"},
		{"5s heal\n3s heal", 2, "before previous"},
		{"1s stop partition", 1, "without an open partition"},
		{"1s kill one\n2s restart all\n3s restart all", 3, "without an open kill"},
		{"1s resume all", 1, "without an open pause"},
		{"1s clock reset", 1, "without an open clock"},
		{"1s disk corrupt one\n2s disk reset", 2, "without an open disk"},
		{"1s net restore", 1, "without an open net"},
		{"1s restart minority", 1, "a stop takes all or node names"},
		{"1s start partition wedge", 1, "unknown partition shape"},
		{"1s start partition one-way s1", 1, "FROM->TO"},
		{"1s start partition bridge s1", 1, "takes no arguments"},
		{"1s clock strobe s1 1s 2s 0s", 1, "period"},
		{"1s clock skew s1", 1, "want a target and 1 durations"},
		{"1s clock rate s1", 1, "want a target and a rate"},
		{"1s clock rate s1 0", 1, "outside (0, 1000]"},
		{"1s clock rate s1 -2", 1, "outside (0, 1000]"},
		{"1s clock rate s1 NaN", 1, "outside (0, 1000]"},
		{"1s clock rate s1 1e9", 1, "outside (0, 1000]"},
		{"1s clock rate s1 fast", 1, "invalid syntax"},
		{"1s disk slow s1 -1ms", 1, "negative disk latency"},
		{"1s disk crash-mode shred", 1, "unknown crash mode"},
		{"1s net degrade loss=1.5", 1, "outside [0, 1]"},
		{"1s member join s4", 1, "unknown change"},
		{"1s member add", 1, "member: want"},
		{"1s member add leader", 1, "not leader"},
		{"1s member remove s1 s2", 1, "want 3 fields"},
		{"1s member replace s2 s2", 1, "cannot replace itself"},
		{"1s member replace s2", 1, "want 4 fields"},
		{"1s net degrade loss=NaN", 1, "outside [0, 1]"},
		{"1s net degrade loss=0.1 loss=0.2", 1, "repeated"},
		{"1s net degrade colour=red", 1, "unknown field"},
		{"1s kill s1,s1", 1, "twice"},
		{"1s heal now", 1, "want 1 fields"},
	}
	for _, c := range cases {
		_, err := Parse(c.text)
		var le *LineError
		if !errors.As(err, &le) {
			t.Errorf("Parse(%q) = %v, want a LineError", c.text, err)
			continue
		}
		if le.Line != c.line || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %q, want line %d containing %q", c.text, err, c.line, c.want)
		}
	}
}

func TestValidateRejectsUnknownNodes(t *testing.T) {
	s, err := Parse("1s kill s1\n2s start partition one-way s2->s9\n3s heal")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(nodeNames(9)); err != nil {
		t.Fatalf("Validate(9 nodes) = %v", err)
	}
	err = s.Validate(nodeNames(5))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 || !strings.Contains(err.Error(), `"s9"`) {
		t.Fatalf("Validate(5 nodes) = %v, want line 2 naming s9", err)
	}
}

// Generators for random actions and schedules.

var genNode = rapid.SampledFrom([]string{"s1", "s2", "s3", "n-4.x:2181", "Z_9"})

var genTarget = rapid.Custom(func(t *rapid.T) Target {
	switch rapid.IntRange(0, 4).Draw(t, "targetKind") {
	case 0:
		return One
	case 1:
		return Leader
	case 2:
		return Minority
	case 3:
		return All
	}
	return Named(rapid.SliceOfNDistinct(genNode, 1, 3, rapid.ID).Draw(t, "nodes")...)
})

var genStopTarget = rapid.Custom(func(t *rapid.T) Target {
	if rapid.Bool().Draw(t, "all") {
		return All
	}
	return Named(rapid.SliceOfNDistinct(genNode, 1, 3, rapid.ID).Draw(t, "nodes")...)
})

func genDur(t *rapid.T, label string, lo int64) time.Duration {
	return time.Duration(rapid.Int64Range(lo, int64(time.Hour)).Draw(t, label))
}

var genProb = rapid.Custom(func(t *rapid.T) float64 { return rapid.Float64Range(0, 1).Draw(t, "p") })

var genPartition = rapid.Custom(func(t *rapid.T) Action {
	shape := Shape(rapid.IntRange(1, int(ShapeOneWay)).Draw(t, "shape"))
	switch shape {
	case ShapeIsolateNode:
		return StartPartition{Shape: shape, Node: genNode.Draw(t, "node")}
	case ShapeOneWay:
		return StartPartition{Shape: shape, From: genTarget.Draw(t, "from"), To: genTarget.Draw(t, "to")}
	}
	return StartPartition{Shape: shape}
})

var genAction = rapid.Custom(func(t *rapid.T) Action {
	tg := func() Target { return genTarget.Draw(t, "target") }
	d := func(lo int64) time.Duration { return genDur(t, "d", lo) }
	gens := []func() Action{
		func() Action { return genPartition.Draw(t, "partition") },
		func() Action { return StopPartition{} },
		func() Action { return Kill{Target: tg()} },
		func() Action { return Restart{Target: genStopTarget.Draw(t, "stop")} },
		func() Action { return Pause{Target: tg()} },
		func() Action { return Resume{Target: genStopTarget.Draw(t, "stop")} },
		func() Action { return ClockSkew{Target: tg(), Offset: d(-int64(time.Hour))} },
		func() Action { return ClockJump{Target: tg(), Delta: d(-int64(time.Hour))} },
		func() Action {
			return ClockStrobe{Target: tg(), Low: d(-int64(time.Hour)), High: d(-int64(time.Hour)), Period: d(1)}
		},
		func() Action {
			return ClockRate{Target: tg(), Rate: rapid.Float64Range(1e-6, MaxClockRate).Draw(t, "rate")}
		},
		func() Action { return ClockReset{} },
		func() Action { return DiskCrashMode{Mode: CrashMode(rapid.IntRange(0, 2).Draw(t, "mode"))} },
		func() Action { return DiskCorrupt{Target: tg()} },
		func() Action { return DiskFsyncErrors{Target: tg()} },
		func() Action { return DiskSlow{Target: tg(), Latency: d(0)} },
		func() Action { return DiskReset{} },
		func() Action {
			return NetDegrade{Faults: LinkFaults{Latency: d(0), Jitter: d(0),
				LossProb: genProb.Draw(t, "loss"), DupProb: genProb.Draw(t, "dup"), ReorderProb: genProb.Draw(t, "reorder")}}
		},
		func() Action { return NetRestore{} },
		func() Action {
			op := MemberOp(rapid.IntRange(1, int(MemberReplace)).Draw(t, "memberOp"))
			node := genNode.Draw(t, "memberNode")
			switch {
			case op == MemberReplace:
				with := genNode.Filter(func(n string) bool { return n != node }).Draw(t, "with")
				return Member{Op: op, Node: node, With: with}
			case op == MemberRemove && rapid.Bool().Draw(t, "leader"):
				return Member{Op: op, Node: LeaderNode}
			}
			return Member{Op: op, Node: node}
		},
		func() Action { return Heal{} },
	}
	return gens[rapid.IntRange(0, len(gens)-1).Draw(t, "action")]()
})

// genSchedule draws steps at non-decreasing times and drops stops that
// would have nothing to stop, so the schedule is valid.
var genSchedule = rapid.Custom(func(t *rapid.T) Schedule {
	n := rapid.IntRange(0, 30).Draw(t, "steps")
	var steps []Step
	at := time.Duration(0)
	for range n {
		at += time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "gap"))
		steps = append(steps, Step{At: at, Action: genAction.Draw(t, "action")})
	}
	return Schedule{Steps: dropOrphanStops(steps)}
})

func TestScheduleTextRoundTripRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSchedule.Draw(t, "schedule")
		if err := s.Check(); err != nil {
			t.Fatalf("generated schedule invalid: %v\n%s", err, s)
		}
		got, err := Parse(s.String())
		if err != nil {
			t.Fatalf("Parse(String()) = %v\n%s", err, s)
		}
		if len(s.Steps) == 0 && len(got.Steps) == 0 {
			return // nil and empty step lists are the same schedule
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip changed the schedule:\n%s\nbecame\n%s", s, got)
		}
	})
}

func TestKindText(t *testing.T) {
	for k := KindPartition; k <= KindHeal; k++ {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	ks, err := ParseKinds("partition, kill,net")
	if err != nil || !reflect.DeepEqual(ks, []Kind{KindPartition, KindKill, KindNet}) {
		t.Fatalf("ParseKinds = %v, %v", ks, err)
	}
	if _, err := ParseKinds("partition,gremlins"); err == nil {
		t.Fatal("ParseKinds accepted gremlins")
	}
}

// Hand-built values are checked as strictly as parsed text.
func TestCheckRejectsMalformedValues(t *testing.T) {
	bad := []Action{
		nil,
		Kill{},
		Kill{Target: Target{Kind: TargetNodes}},
		Kill{Target: Target{Kind: TargetNodes, Nodes: []string{"s2", "s1"}}},
		Kill{Target: Target{Kind: TargetLeader, Nodes: []string{"s1"}}},
		Pause{Target: Named("leader")},
		StartPartition{},
		StartPartition{Shape: ShapeBridge, Node: "s1"},
		StartPartition{Shape: ShapeIsolateNode},
		StartPartition{Shape: ShapeOneWay, From: Leader},
		DiskCrashMode{Mode: 9},
		NetDegrade{Faults: LinkFaults{Jitter: -1}},
	}
	for _, a := range bad {
		s := Schedule{Steps: []Step{{At: time.Second, Action: a}}}
		if err := s.Check(); err == nil {
			t.Errorf("Check accepted %#v", a)
		}
		if _, err := NewExecutor(s, nil); err == nil {
			t.Errorf("NewExecutor accepted %#v", a)
		}
		_ = s.String() // must not panic, even for a nil action
	}
}

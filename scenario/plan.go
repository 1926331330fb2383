package scenario

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
)

// Stream returns the random stream called name for seed: a PCG seeded with
// seed and the FNV-1a hash of name. It is the stream sim.NewStream(seed,
// name) gives (a simrun test holds them equal), here so that drawing a
// configuration and planning a schedule need no simulator: the live tier
// draws and plans exactly what a simulated run of the same seed does.
func Stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// The streams a world hands out for World.Rand(name) are Stream(seed,
// "user/"+name); the nemesis planner and executor draw from these two.
const (
	PlanStream     = "nemesis-plan"
	ExecutorStream = "nemesis"
)

// PlanSchedule returns the nemesis schedule a run of the compiled scenario
// with its seed applies to servers, and the random stream its executor
// draws targets from: the streams a simulated world of that seed hands out.
func (c *Compiled) PlanSchedule(servers []string) (nemesis.Schedule, *rand.Rand, error) {
	sched, err := c.Plan(servers, Stream(c.Seed, "user/"+PlanStream))
	return sched, Stream(c.Seed, "user/"+ExecutorStream), err
}

// Plan is the scenario's nemesis schedule over servers: its explicit
// schedule, or one planned from rng for its fault kinds.
func (c *Compiled) Plan(servers []string, rng *rand.Rand) (nemesis.Schedule, error) {
	s := c.Scenario
	sched := c.Schedule
	if len(c.Kinds) > 0 {
		var err error
		sched, err = nemesis.Plan(rng, nemesis.PlanOptions{
			Kinds: c.Kinds, Duration: s.Duration.D(), Nodes: servers, HealedTail: s.HealedTail.D(),
			Gap:        nemesis.Interval{Min: s.FaultGap[0].D(), Max: s.FaultGap[1].D()},
			Length:     nemesis.Interval{Min: s.FaultLength[0].D(), Max: s.FaultLength[1].D()},
			MaxCompose: s.MaxCompose,
			Members:    c.membership(),
		})
		if err != nil {
			return sched, err
		}
	}
	return sched, sched.Validate(servers)
}

// membership is the initial config the planner's membership changes start
// from (nil without reconfig).
func (c *Compiled) membership() *nemesis.Membership {
	s := c.Scenario
	if !s.Reconfig {
		return nil
	}
	m := c.Members()
	return &nemesis.Membership{Voters: m[:s.Servers], Observers: m[s.Servers:]}
}

// NemesisOp turns an applied nemesis step into a history record. Its f is the
// action's verb ("start partition", "stop partition", "kill", "restart",
// "clock skew", "clock reset", "disk corrupt", "net degrade", "heal", …); the
// detail carries the whole action text.
func NemesisOp(ev nemesis.Event) history.Op {
	words := strings.Fields(ev.Action)
	f := ev.Kind.String()
	if len(words) > 0 {
		f = words[0]
		switch f {
		case "start", "stop", "clock", "disk", "net":
			if len(words) > 1 {
				f += " " + words[1]
			}
		}
	}
	detail := ev.Action
	if ev.Shape != "" {
		detail += ": " + ev.Shape
	}
	if ev.Note != "" {
		detail += " (" + ev.Note + ")"
	}
	v, _ := history.EncodeValue(history.NemesisValue{Nodes: ev.Targets, Detail: detail, Shape: ev.Shape})
	return history.Op{Process: history.NemesisProcess, Type: history.Info, F: f, Value: v, Time: int64(ev.Time)}
}

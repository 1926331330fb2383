package scenario

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/zabsim/zabsim/studies"
)

// Drawn configurations, as TigerBeetle's VOPR draws its clusters: a scenario
// with Draw set is a recipe, not a configuration. Its seed draws everything
// else — ensemble shape, timing, sessions, snapshots, disks, the workload
// and its load, the fault families and their intensity, the run's length —
// from a stream of its own ("explore/config"), so the world's streams are
// the same as for the drawn scenario given as a file. The drawn scenario is
// an ordinary one (Draw false): the run directory's scenario.json replays
// the run byte for byte, and a shrinker edits it like any other.
//
// What is drawn stays within what ZooKeeper claims to survive: faults come
// from the nemesis planner (which keeps disk corruption to a minority of
// voters and ends in a healed phase), session timeouts lie between 10 and
// 20 ticks (at least twice syncLimit, which the sessions checker assumes,
// and within ZooKeeper's default negotiation bounds), and the healed tail
// leaves room for the final phase at the drawn load.

// drawStream names the random stream a drawn configuration comes from.
const drawStream = "explore/config"

// Drawn returns the configuration seed draws for s when s.Draw is set, and
// s itself otherwise. The result keeps s's name and bug switches.
func (s Scenario) Drawn(seed uint64) Scenario {
	if !s.Draw {
		return s
	}
	d := drawConfig(Stream(seed, drawStream))
	d.Name, d.Bugs = s.Name, s.Bugs
	d.Description = fmt.Sprintf("drawn by seed %d from %s: %s", seed, s.Name, d.summary())
	return d
}

// pick returns one of choices, with the given weights (same length).
func pick[T any](rng *rand.Rand, choices []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return choices[i]
		}
		n -= w
	}
	return choices[len(choices)-1]
}

func ms(n int64) Duration { return Duration(time.Duration(n) * time.Millisecond) }

// drawConfig draws one whole configuration. Every draw happens in a fixed
// order, whatever was drawn before, so that adding a knob at the end leaves
// the earlier ones of every seed as they were.
func drawConfig(rng *rand.Rand) Scenario {
	var s Scenario
	s.Servers = pick(rng, []int{1, 3, 5, 7}, []int{1, 5, 3, 1})
	observers := pick(rng, []int{0, 1, 2}, []int{6, 3, 1})
	if s.Servers > 1 {
		s.Observers = observers
	}
	// Each study gets its DrawShares (the api study three, every other one
	// one). A study that needs reconfig is never drawn (drawn ensembles
	// run without it); leaving it out of the list keeps every seed's draw
	// what it was before such studies existed.
	var names []string
	var weights []int
	for _, st := range studies.All() {
		if !st.NeedsReconfig {
			names = append(names, st.Name)
			weights = append(weights, max(1, st.DrawShares))
		}
	}
	s.Workload = pick(rng, names, weights)
	s.Clients = 1 + rng.IntN(8)
	thinks := [][2]Duration{{ms(1), ms(10)}, {ms(5), ms(30)}, {ms(10), ms(100)}, {ms(50), ms(300)}}
	s.Think = pick(rng, thinks, []int{1, 2, 4, 2})
	s.TickTimeMS = pick(rng, []int64{50, 100, 200, 400}, []int{2, 3, 4, 1})
	s.SessionTimeout = ms(s.TickTimeMS * (10 + rng.Int64N(11)))
	s.SnapCount = pick(rng, []int{10, 50, 100, 1000, 100000}, []int{1, 2, 3, 3, 1})
	s.SyncLatency = Duration(pick(rng, []time.Duration{100 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 10 * time.Millisecond, 40 * time.Millisecond}, []int{1, 2, 3, 2, 1}))
	families := []string{"partition", "kill", "pause", "clock", "disk", "net"}
	for _, f := range families {
		if rng.IntN(100) < 40 {
			s.Faults = append(s.Faults, f)
		}
	}
	if len(s.Faults) == 0 {
		s.Faults = []string{families[rng.IntN(len(families))]}
	}
	gapLo := 500 + rng.Int64N(2500)
	s.FaultGap = [2]Duration{ms(gapLo), ms(gapLo + 500 + rng.Int64N(4000))}
	lenLo := 300 + rng.Int64N(2700)
	s.FaultLength = [2]Duration{ms(lenLo), ms(lenLo + rng.Int64N(6000))}
	s.MaxCompose = 1 + rng.IntN(4)
	s.Duration = Duration(time.Duration(20+rng.IntN(41)) * time.Second)
	s.HealedTail = Duration(time.Duration(10+rng.IntN(6)) * time.Second)
	s.WindowFaults = rng.IntN(10) < 6
	if rng.IntN(10) < 4 {
		// Several case studies share the ensemble, as Kafka's registry and
		// Storm's locks share a production one.
		others := rng.Perm(len(names))
		s.Mix = []MixEntry{{Workload: s.Workload, Clients: 1 + rng.IntN(4)}}
		size := 2 + rng.IntN(2) // two or three case studies
		for _, i := range others {
			if len(s.Mix) == size {
				break
			}
			if names[i] != s.Workload {
				s.Mix = append(s.Mix, MixEntry{Workload: names[i], Clients: 1 + rng.IntN(4)})
			}
		}
		s.Workload, s.Clients = "", 0
	}
	if rng.IntN(100) < 30 {
		// Churn: kills and restarts of random node subsets, quorums
		// included (drawn last, so the knobs above stay as they were).
		s.Faults = append(s.Faults, "churn")
	}
	return s
}

// summary is a drawn configuration in one line, for its description.
func (s Scenario) summary() string {
	shape := fmt.Sprintf("%d voters", s.Servers)
	if s.Observers > 0 {
		shape += fmt.Sprintf(" + %d observers", s.Observers)
	}
	faults := strings.Join(s.Faults, ", ")
	if s.WindowFaults {
		faults += " + window faults"
	}
	load := fmt.Sprintf("%s × %d clients", s.Workload, s.Clients)
	if len(s.Mix) > 0 {
		load = ""
		for i, e := range s.Mix {
			if i > 0 {
				load += " + "
			}
			load += fmt.Sprintf("%s × %d", e.Workload, e.Clients)
		}
	}
	return fmt.Sprintf("%s, %s (think %v–%v), tick %d ms, session %v, snapCount %d, fsync %v, faults %s (compose ≤ %d), %v",
		shape, load, s.Think[0].D(), s.Think[1].D(), s.TickTimeMS, s.SessionTimeout.D(), s.SnapCount,
		s.SyncLatency.D(), faults, s.MaxCompose, s.Duration.D())
}

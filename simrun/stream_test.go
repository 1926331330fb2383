package simrun

import (
	"testing"

	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/sim"
)

// scenario.Stream is the simulator's stream of a seed and name: the live
// tier plans and draws with it, without the simulator, what a simulated
// run of the same seed plans and draws.
func TestScenarioStreamIsTheSimulators(t *testing.T) {
	for _, name := range []string{"explore/config", "user/nemesis-plan", "user/nemesis", ""} {
		for seed := uint64(0); seed < 5; seed++ {
			a, b := scenario.Stream(seed, name), sim.NewStream(seed, name)
			for range 100 {
				if x, y := a.Uint64(), b.Uint64(); x != y {
					t.Fatalf("seed %d stream %q: %d, the simulator's %d", seed, name, x, y)
				}
			}
		}
	}
}

package liverun

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/simrun"
)

// TestLivePlansTheSimulatorsSchedule: for a scenario and seed, a live run
// applies the schedule a simulated run of the same duration applies.
func TestLivePlansTheSimulatorsSchedule(t *testing.T) {
	for _, name := range []string{"register-partition", "lock-pause", "mixed-chaos", "observers-partition"} {
		s, err := scenario.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		s.Duration = scenario.Duration(12 * time.Second)
		s.HealedTail = scenario.Duration(4 * time.Second)
		sim, err := simrun.Run(s, 5, simrun.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ls, err := liveScenario(s, Options{Target: cluster.TargetZabsim, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		sched, _, err := ls.PlanSchedule(ls.Nodes())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sched.String(), sim.Schedule.String(); got != want || got == "" {
			t.Errorf("%s: live schedule\n%s\nsimulated schedule\n%s", name, got, want)
		}
	}
}

// TestLiveScenarioOptions: --duration scales an explicit schedule and the
// healed tail; bad combinations are bad input.
func TestLiveScenarioOptions(t *testing.T) {
	s, err := scenario.ByName("durability-crash-all") // explicit schedule over 30 s, heal at 20 s
	if err != nil {
		t.Fatal(err)
	}
	ls, err := liveScenario(s, Options{Target: cluster.TargetZabsim, Duration: 15 * time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sched, _, err := ls.PlanSchedule(ls.Nodes())
	if err != nil {
		t.Fatal(err)
	}
	if end := sched.End(); end != 10*time.Second || ls.Scenario.HealedTail.D() != 5*time.Second {
		t.Errorf("scaled to 15s: schedule ends at %v (want 10s), healed tail %v (want 5s)\n%s", end, ls.Scenario.HealedTail.D(), sched)
	}
	bad := []Options{
		{Target: "etcd"},
		{Target: cluster.TargetZooKeeper, Bugs: []string{"zk-1208"}},
		{Target: cluster.TargetZabsim, Bugs: []string{"no-such-bug"}},
		{Target: cluster.TargetZabsim, Duration: -time.Second},
	}
	for _, o := range bad {
		if _, err := liveScenario(s, o); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v, want ErrBadInput", o, err)
		}
	}
	obs, _ := scenario.ByName("observers-partition")
	ls, err = liveScenario(obs, Options{Target: cluster.TargetZabsim})
	if err != nil || ls.Scenario.Servers != 3 || ls.Scenario.Observers != 2 {
		t.Errorf("observers-partition: %d voters, %d observers, %v; want 3 and 2", ls.Scenario.Servers, ls.Scenario.Observers, err)
	}
	for _, nodes := range []int{1, 6, 8} { // standalone with observers; 8 servers; 10
		if _, err := liveScenario(obs, Options{Target: cluster.TargetZabsim, Nodes: nodes}); !errors.Is(err, ErrBadInput) {
			t.Errorf("observers-partition with --servers %d: %v, want ErrBadInput", nodes, err)
		}
	}
}

// TestRunFailedStartLeavesNoDirectory: a cluster that cannot start (here
// a "server" binary that exits at once) is an error with no run directory
// left behind, half-written or not; a relative directory is no different.
func TestRunFailedStartLeavesNoDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := scenario.ByName("register-partition")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), s, Options{Target: cluster.TargetZabsim, Seed: 1, Dir: filepath.Join("out", "run"),
		ZabsimBin: "/bin/false", Duration: 5 * time.Second, StartTimeout: 20 * time.Second})
	if err == nil {
		t.Fatal("a cluster of /bin/false started")
	}
	if _, serr := os.Stat(filepath.Join("out", "run")); !errors.Is(serr, fs.ErrNotExist) {
		t.Errorf("a failed start left its run directory (%v); the error was: %v", serr, err)
	}
}

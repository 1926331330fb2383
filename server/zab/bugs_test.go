package zab

import (
	"testing"
)

// With a bug switch on, the randomized harness must find the defect: a
// violation of the invariants (lost committed txn, diverging chains) or a
// diverging state after healing, within maxSeeds seeds.
func TestChaosFindsBugs(t *testing.T) {
	cases := []struct {
		bug      Bug
		maxSeeds int
		tune     func(*chaosOpts)
	}{
		{BugAckBeforeFsync, 400, func(o *chaosOpts) {}},
		{BugZK3911, 400, func(o *chaosOpts) { o.window = 1000 }},
		{BugZK3104, 400, func(o *chaosOpts) { o.window = 2 }},
		{BugZK1154, 400, func(o *chaosOpts) {}},
	}
	for _, c := range cases {
		t.Run(c.bug.String(), func(t *testing.T) {
			o := defaultChaos()
			o.bugs = Bugs(0).With(c.bug)
			// Slow disks, a slow network and crashes of leader+follower
			// widen the windows these defects need.
			o.persistPct, o.deliverPct, o.quorumCrashPct = 15, 30, 3
			c.tune(&o)
			for seed := uint64(1); seed <= uint64(c.maxSeeds); seed++ {
				r := runChaos(seed, o)
				if len(r.violations) > 0 || r.liveness != nil {
					t.Logf("found at seed %d: %v %v", seed, first(r.violations), r.liveness)
					return
				}
			}
			t.Fatalf("%s: no violation found in %d seeds", c.bug, c.maxSeeds)
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

package zab

import (
	"testing"

	"github.com/zabsim/zabsim/server/bugs"
)

// With a bug switch on, the randomized harness must find the defect — a
// violated invariant (lost committed txn, diverging chains), a livelock, or
// diverging state after healing — within maxSeeds seeds.
func TestChaosFindsBugs(t *testing.T) {
	cases := []struct {
		bug      bugs.Bug
		maxSeeds int
		tune     func(*chaosOpts)
		slow     bool // needs >100 seeds: skipped with -short (race runs)
	}{
		// A total crash while followers' ACKed txns are not yet durable.
		{bugs.AckBeforeFsync, 100, func(o *chaosOpts) { o.persistPct, o.allCrashPM = 25, 5 }, false},
		// A DIFF-synced follower's new epoch must outlive its history: slow
		// disks, long DIFFs, and crashes of the leader with a follower.
		{bugs.ZK3911, 300, func(o *chaosOpts) {
			o.window, o.allCrashPM, o.quorumCrashPM, o.crashPM = 1000, 5, 10, 5
		}, true},
		// A SNAP during establishment: frequent local snapshots and a tiny
		// DIFF window put lagging learners on SNAP.
		{bugs.ZK3104, 400, func(o *chaosOpts) {
			o.persistPct, o.window, o.snapshotPct = 25, 3, 10
			o.allCrashPM, o.quorumCrashPM, o.crashPM = 5, 10, 5
		}, true},
		{bugs.ZK1154, 100, func(o *chaosOpts) {}, false},
		// Restarts with uncommitted tails and returns into a new epoch.
		{bugs.ZK2845, 100, func(o *chaosOpts) {}, false},
		{bugs.ZK1549, 100, func(o *chaosOpts) {}, false},
		// The zk-3911 profile: the epoch file outruns the DIFF's txns. Found
		// at seed 628 since learners ACK the outstanding proposals of their
		// sync (at 146 before, when those waited for the next write).
		{bugs.ZK4646, 1000, func(o *chaosOpts) {
			o.window, o.allCrashPM, o.quorumCrashPM, o.crashPM = 1000, 5, 10, 5
		}, true},
		// The zk-3104 profile: SNAPs during establishment, crashes.
		{bugs.ZK3642, 400, func(o *chaosOpts) {
			o.persistPct, o.window, o.snapshotPct = 25, 3, 10
			o.allCrashPM, o.quorumCrashPM, o.crashPM = 5, 10, 5
		}, true},
	}
	for _, c := range cases {
		t.Run(c.bug.String(), func(t *testing.T) {
			if c.slow && testing.Short() {
				t.Skip("searches >100 seeds; run without -short")
			}
			o := defaultChaos()
			o.bugs = bugs.Set(0).With(c.bug)
			c.tune(&o)
			for seed := uint64(1); seed <= uint64(c.maxSeeds); seed++ {
				r := runChaos(seed, o)
				if len(r.violations) > 0 || r.liveness != nil {
					t.Logf("found at seed %d: %s %v", seed, first(r.violations), r.liveness)
					return
				}
			}
			t.Fatalf("%s: no violation found in %d seeds", c.bug, c.maxSeeds)
		})
	}
}

// The same schedules with every switch off find nothing: the bug tests
// above fail for the switch's reason, not the harness's.
func TestChaosBugProfilesCleanWithoutBugs(t *testing.T) {
	tunes := []func(*chaosOpts){
		func(o *chaosOpts) { o.persistPct, o.allCrashPM = 25, 5 },
		func(o *chaosOpts) { o.window, o.allCrashPM, o.quorumCrashPM, o.crashPM = 1000, 5, 10, 5 },
		func(o *chaosOpts) {
			o.persistPct, o.window, o.snapshotPct = 25, 3, 10
			o.allCrashPM, o.quorumCrashPM, o.crashPM = 5, 10, 5
		},
	}
	for i, tune := range tunes {
		o := defaultChaos()
		tune(&o)
		for seed := uint64(1); seed <= uint64(seedCount(100, 1000)); seed++ {
			r := runChaos(seed, o)
			if len(r.violations) > 0 || r.liveness != nil {
				t.Fatalf("profile %d seed %d: %v %v", i, seed, r.violations, r.liveness)
			}
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

package storage

import (
	"os"
	"testing"

	"pgregory.net/rapid"
)

// CheckRounds is how many times the crash properties run rapid.Check (100
// cases each, or -rapid.checks): 10 by default (about 0.2 s per property),
// 1 with -short, 200 with ZABSIM_SOAK=1.
func CheckRounds() int {
	switch {
	case os.Getenv("ZABSIM_SOAK") == "1":
		return 200
	case testing.Short():
		return 1
	}
	return 10
}

func TestCrashRecoveryFakeDisk(t *testing.T) {
	crashSeen = crashCoverage{}
	for range CheckRounds() {
		rapid.Check(t, func(t *rapid.T) {
			CheckCrashRecovery(t, FakeCrashDisk(rapid.Uint64().Draw(t, "diskSeed")))
		})
	}
	t.Logf("coverage: %+v", crashSeen)
	// rapid's first cases are tiny; over its default 100 cases torn tails
	// and recovered snapshots must still show up, or the generator is broken.
	if crashSeen.tornTails == 0 || crashSeen.snapshotsRecovered == 0 {
		t.Errorf("the property never exercised a torn tail or a snapshot: %+v", crashSeen)
	}
}

func TestCorruptionDetectedFakeDisk(t *testing.T) {
	for range CheckRounds() {
		rapid.Check(t, func(t *rapid.T) {
			CheckCorruptionDetected(t, FakeCrashDisk(rapid.Uint64().Draw(t, "diskSeed")))
		})
	}
}

package storage_test

// The crash-recovery properties against the simulator's disk, the one every
// simulated server runs on. (This test-only import of sim is outside the
// server's dependency graph: go list -deps does not follow test imports.)

import (
	"testing"

	"github.com/zabsim/zabsim/server/storage"
	"github.com/zabsim/zabsim/sim"
	"pgregory.net/rapid"
)

var simModes = []sim.CrashMode{sim.CrashLoseUnsynced, sim.CrashKeepPrefix, sim.CrashTearLastWrite, sim.CrashKeepAll}

func simCrashDisk(t *rapid.T) storage.CrashDisk {
	d, err := sim.NewDisk(sim.NewStream(rapid.Uint64().Draw(t, "diskSeed"), "disk"), sim.DiskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return storage.CrashDisk{
		Disk:           d,
		CompleteAll:    d.CompletePendingSyncs,
		Crash:          func(m int) error { return d.Crash(simModes[m]) },
		ModeName:       func(m int) string { return simModes[m].String() },
		Modes:          len(simModes),
		Corrupt:        d.Corrupt,
		FailNextSyncs:  d.FailNextSyncs,
		FailNextWrites: d.FailNextWrites,
	}
}

func TestCrashRecoverySimDisk(t *testing.T) {
	for range storage.CheckRounds() {
		rapid.Check(t, func(t *rapid.T) { storage.CheckCrashRecovery(t, simCrashDisk(t)) })
	}
}

func TestCorruptionDetectedSimDisk(t *testing.T) {
	for range storage.CheckRounds() {
		rapid.Check(t, func(t *rapid.T) { storage.CheckCorruptionDetected(t, simCrashDisk(t)) })
	}
}

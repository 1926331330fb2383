// Package campaign runs many simulated runs and keeps what they find:
// suites over seed ranges (parallel across worlds, sharded for CI
// matrices, interruptible and resumable), merging shard directories, the
// suite's index page and JUnit XML, repro of a run directory, the shrinker
// (nemesis steps, fault windows, api operations, clients, duration) and
// bug hunts with their catalogue.
//
// campaign drives simrun and writes through rundir; it must not import
// live, liverun or cmd, and nothing of the live tier may import it.
package campaign

// Package simbench measures the simulator's own speed (`zabsim bench
// --sim`): a steady-load world — servers, register clients, no faults, no
// checking — run for a few seeds after a warm-up run, reported as
// simulated seconds per wall second, events per second and heap
// allocations per event, with the median run.
//
// It drives whole simulated runs through scenarios, so unlike the live
// benchmark (live/bench) it depends on the simulator. It must not import
// live, liverun or cmd; nothing imports it but cmd/zabsim.
package simbench

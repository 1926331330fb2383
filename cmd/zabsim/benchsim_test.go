package main

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bench -sim runs the steady-load world and reports, per run and as the
// median, a positive speed, event rate and allocation rate; the event counts
// are those of the seeds it names.
func TestBenchSimPrintsFigures(t *testing.T) {
	out, err := runBenchCmd(t, "--sim", "--sim-servers", "3", "--sim-clients", "2", "--sim-duration", "3s", "--sim-runs", "2", "--sim-seed", "4")
	if err != nil {
		t.Fatalf("bench -sim: %v\n%s", err, out)
	}
	rows := regexp.MustCompile(`(?m)^\s+(\d+)\s+\S+\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$`).FindAllStringSubmatch(out, -1)
	if len(rows) != 2 || rows[0][1] != "4" || rows[1][1] != "5" {
		t.Fatalf("want rows for seeds 4 and 5:\n%s", out)
	}
	for _, r := range rows {
		for _, field := range r[2:] {
			if v, err := strconv.ParseFloat(field, 64); err != nil || v <= 0 {
				t.Errorf("seed %s: figure %q is not positive:\n%s", r[1], field, out)
			}
		}
	}
	if !regexp.MustCompile(`(?m)^median: [\d.]+ sim-s/wall-s \(\d+ events/s, [\d.]+ allocs/event\); load \d+ client ops and \d+ events per simulated s$`).MatchString(out) {
		t.Errorf("no median line:\n%s", out)
	}
}

func TestBenchSimBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--sim", "--sim-runs", "0"},
		{"--sim", "--sim-servers", "0"},
		{"--sim", "--sim-duration", "-1s"},
		{"--sim", "--sim-think-min", "2s", "--sim-think-max", "1s"},
		{"-sim", "-sim-duration", "-1s"}, // the deprecated single-dash spelling
	} {
		_, err := runBenchCmd(t, args...)
		var u usageError
		if err == nil || !errors.As(err, &u) || !(strings.Contains(err.Error(), "must be positive") || strings.Contains(err.Error(), "--sim-think-max")) {
			t.Errorf("bench %v: err %v, want a usage error", args, err)
		}
	}
}

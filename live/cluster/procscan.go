package cluster

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ProcessGroupMembers lists the pids in /proc that are, or belong to the
// process group of, one of pgids: after a cluster's Stop it must be empty.
// Tests and supervisors use it to prove no stray process remains. It fails
// where there is no /proc.
func ProcessGroupMembers(pgids []int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces, so cut at the last ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 3 {
			continue
		}
		pgrp, _ := strconv.Atoi(fields[2])
		if slices.Contains(pgids, pgrp) || slices.Contains(pgids, pid) {
			out = append(out, pid)
		}
	}
	return out, nil
}

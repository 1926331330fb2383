package nemesis

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseAction parses an action's text form (a step line without its time).
func ParseAction(s string) (Action, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil, fmt.Errorf("empty action")
	}
	a, err := parseFields(f)
	if err != nil {
		return nil, err
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	return a, nil
}

func parseFields(f []string) (Action, error) {
	switch f[0] {
	case "start":
		if len(f) >= 2 && f[1] == "partition" {
			return parsePartition(f[2:])
		}
		return nil, fmt.Errorf("start: want \"start partition SHAPE\", got %q", strings.Join(f, " "))
	case "stop":
		if err := arity(f, 2); err != nil || f[1] != "partition" {
			return nil, fmt.Errorf("stop: want \"stop partition\", got %q", strings.Join(f, " "))
		}
		return StopPartition{}, nil
	case "kill", "restart", "pause", "resume":
		return parseProcess(f)
	case "clock":
		return parseClock(f)
	case "disk":
		return parseDisk(f)
	case "net":
		return parseNet(f)
	case "member":
		return parseMember(f)
	case "heal":
		return Heal{}, arity(f, 1)
	}
	return nil, fmt.Errorf("unknown action %q", f[0])
}

// arity checks a command has exactly n fields.
func arity(f []string, n int) error {
	if len(f) != n {
		return fmt.Errorf("%q: want %d fields, got %d", strings.Join(f, " "), n, len(f))
	}
	return nil
}

func parsePartition(f []string) (Action, error) {
	if len(f) == 0 {
		return nil, fmt.Errorf("start partition: missing shape")
	}
	for s := ShapeRandomHalves; s <= ShapeOneWay; s++ {
		if shapeNames[s] != f[0] {
			continue
		}
		switch s {
		case ShapeIsolateNode:
			if len(f) != 2 {
				return nil, fmt.Errorf("isolate-node: want one node name")
			}
			return StartPartition{Shape: s, Node: f[1]}, nil
		case ShapeOneWay:
			return parseOneWay(f)
		}
		if len(f) != 1 {
			return nil, fmt.Errorf("partition %v takes no arguments", s)
		}
		return StartPartition{Shape: s}, nil
	}
	return nil, fmt.Errorf("unknown partition shape %q", f[0])
}

func parseOneWay(f []string) (Action, error) {
	if len(f) != 2 {
		return nil, fmt.Errorf("one-way: want FROM->TO")
	}
	from, to, ok := strings.Cut(f[1], "->")
	if !ok {
		return nil, fmt.Errorf("one-way: want FROM->TO, got %q", f[1])
	}
	ft, err := ParseTarget(from)
	if err != nil {
		return nil, err
	}
	tt, err := ParseTarget(to)
	if err != nil {
		return nil, err
	}
	return StartPartition{Shape: ShapeOneWay, From: ft, To: tt}, nil
}

func parseProcess(f []string) (Action, error) {
	if err := arity(f, 2); err != nil {
		return nil, err
	}
	t, err := ParseTarget(f[1])
	if err != nil {
		return nil, err
	}
	switch f[0] {
	case "kill":
		return Kill{Target: t}, nil
	case "restart":
		return Restart{Target: t}, nil
	case "pause":
		return Pause{Target: t}, nil
	}
	return Resume{Target: t}, nil
}

// parseTargetDurations parses "TARGET D1 D2 ..." with exactly n durations.
func parseTargetDurations(f []string, n int) (Target, []time.Duration, error) {
	if len(f) != n+1 {
		return Target{}, nil, fmt.Errorf("want a target and %d durations, got %q", n, strings.Join(f, " "))
	}
	t, err := ParseTarget(f[0])
	if err != nil {
		return Target{}, nil, err
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		if ds[i], err = time.ParseDuration(f[i+1]); err != nil {
			return Target{}, nil, err
		}
	}
	return t, ds, nil
}

func parseClock(f []string) (Action, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("clock: want skew, jump, strobe, rate or reset")
	}
	switch f[1] {
	case "reset":
		return ClockReset{}, arity(f, 2)
	case "skew":
		t, d, err := parseTargetDurations(f[2:], 1)
		return ClockSkew{Target: t, Offset: durAt(d, 0)}, err
	case "jump":
		t, d, err := parseTargetDurations(f[2:], 1)
		return ClockJump{Target: t, Delta: durAt(d, 0)}, err
	case "strobe":
		t, d, err := parseTargetDurations(f[2:], 3)
		return ClockStrobe{Target: t, Low: durAt(d, 0), High: durAt(d, 1), Period: durAt(d, 2)}, err
	case "rate":
		return parseClockRate(f[2:])
	}
	return nil, fmt.Errorf("clock: unknown fault %q", f[1])
}

// parseClockRate parses "TARGET RATE".
func parseClockRate(f []string) (Action, error) {
	if len(f) != 2 {
		return nil, fmt.Errorf("clock rate: want a target and a rate, got %q", strings.Join(f, " "))
	}
	t, err := ParseTarget(f[0])
	if err != nil {
		return nil, err
	}
	r, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return nil, fmt.Errorf("clock rate: %w", err)
	}
	return ClockRate{Target: t, Rate: r}, nil
}

// durAt tolerates the nil slice of a failed parse.
func durAt(d []time.Duration, i int) time.Duration {
	if i < len(d) {
		return d[i]
	}
	return 0
}

func parseDisk(f []string) (Action, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("disk: want crash-mode, corrupt, fsync-errors, slow or reset")
	}
	switch f[1] {
	case "reset":
		return DiskReset{}, arity(f, 2)
	case "crash-mode":
		if err := arity(f, 3); err != nil {
			return nil, err
		}
		m, err := ParseCrashMode(f[2])
		return DiskCrashMode{Mode: m}, err
	case "corrupt", "fsync-errors":
		if err := arity(f, 3); err != nil {
			return nil, err
		}
		t, err := ParseTarget(f[2])
		if f[1] == "corrupt" {
			return DiskCorrupt{Target: t}, err
		}
		return DiskFsyncErrors{Target: t}, err
	case "slow":
		t, d, err := parseTargetDurations(f[2:], 1)
		return DiskSlow{Target: t, Latency: durAt(d, 0)}, err
	}
	return nil, fmt.Errorf("disk: unknown fault %q", f[1])
}

func parseNet(f []string) (Action, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("net: want degrade or restore")
	}
	switch f[1] {
	case "restore":
		return NetRestore{}, arity(f, 2)
	case "degrade":
		lf, err := parseLinkFaults(f[2:])
		return NetDegrade{Faults: lf}, err
	}
	return nil, fmt.Errorf("net: unknown fault %q", f[1])
}

// parseLinkFaults parses key=value fields; a missing key means no fault.
func parseLinkFaults(f []string) (LinkFaults, error) {
	var lf LinkFaults
	seen := map[string]bool{}
	for _, kv := range f {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return LinkFaults{}, fmt.Errorf("net degrade: bad or repeated field %q", kv)
		}
		seen[k] = true
		var err error
		switch k {
		case "latency":
			lf.Latency, err = time.ParseDuration(v)
		case "jitter":
			lf.Jitter, err = time.ParseDuration(v)
		case "loss":
			lf.LossProb, err = strconv.ParseFloat(v, 64)
		case "dup":
			lf.DupProb, err = strconv.ParseFloat(v, 64)
		case "reorder":
			lf.ReorderProb, err = strconv.ParseFloat(v, 64)
		default:
			err = fmt.Errorf("unknown field %q", k)
		}
		if err != nil {
			return LinkFaults{}, fmt.Errorf("net degrade: %w", err)
		}
	}
	return lf, nil
}

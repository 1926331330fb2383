package nemesis

import (
	"slices"
	"time"
)

// This file holds the edits a shrinker needs to delta-debug a failing
// schedule: each returns a new, still Check-valid schedule.

// Drop returns the schedule without step i, and without any stop that only
// closed what step i opened (so dropping a Kill drops its Restart, unless the
// Restart also restarts another kill). Out-of-range i returns s unchanged.
func (s Schedule) Drop(i int) Schedule {
	if i < 0 || i >= len(s.Steps) {
		return s.clone()
	}
	steps := slices.Delete(slices.Clone(s.Steps), i, i+1)
	return Schedule{Steps: dropOrphanStops(steps)}
}

// dropOrphanStops removes stops with nothing open to close. Removing one does
// not change what is open afterwards (it closed nothing), so one pass does.
func dropOrphanStops(steps []Step) []Step {
	var open openFaults
	out := steps[:0]
	for _, st := range steps {
		if open.apply(st.Action) {
			out = append(out, st)
		}
	}
	return out
}

// matchingStop returns the index of the first step after i that closes (part
// of) the fault step i opens, or -1.
func (s Schedule) matchingStop(i int) int {
	a := s.Steps[i].Action
	if a.Phase() != PhaseStart {
		return -1
	}
	for j := i + 1; j < len(s.Steps); j++ {
		b := s.Steps[j].Action
		if b.Kind() == KindHeal || (b.Kind() == a.Kind() && b.Phase() == PhaseStop) {
			return j
		}
	}
	return -1
}

// ShortenFault halves the time between start step i and the stop that
// closes it, moving the stop earlier. It reports false (and returns s) when
// step i is not a start, has no stop, or cannot be shortened.
func (s Schedule) ShortenFault(i int) (Schedule, bool) {
	if i < 0 || i >= len(s.Steps) {
		return s.clone(), false
	}
	j := s.matchingStop(i)
	if j < 0 || s.Steps[j].At == s.Steps[i].At {
		return s.clone(), false
	}
	stop := s.Steps[j]
	stop.At = s.Steps[i].At + (stop.At-s.Steps[i].At)/2
	steps := slices.Delete(slices.Clone(s.Steps), j, j+1)
	at := i + 1
	for at < len(steps) && steps[at].At <= stop.At {
		at++
	}
	out := Schedule{Steps: slices.Insert(steps, at, stop)}
	if out.Check() != nil || out.EndsHealed() != s.EndsHealed() {
		return s.clone(), false
	}
	return out, true
}

// Truncate keeps the steps before end and, if any fault is still open,
// appends a Heal at end.
func (s Schedule) Truncate(end time.Duration) Schedule {
	var out Schedule
	for _, st := range s.Steps {
		if st.At < end {
			out.Steps = append(out.Steps, st)
		}
	}
	if !out.EndsHealed() {
		out.Steps = append(out.Steps, Step{At: max(end, 0), Action: Heal{}})
	}
	return out
}

func (s Schedule) clone() Schedule { return Schedule{Steps: slices.Clone(s.Steps)} }

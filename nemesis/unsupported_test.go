package nemesis

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// limitedHost is a fakeHost that, like a live cluster, cannot fault disks
// and (without libfaketime) cannot move clocks.
type limitedHost struct{ *fakeHost }

func (h limitedHost) DiskFault(n string, f DiskFault) error {
	h.logf("disk %s %+v", n, f)
	return fmt.Errorf("disk faults on real processes: %w", ErrUnsupported)
}

func (h limitedHost) CorruptRecord(n string, pick uint64) error {
	h.logf("corrupt %s", n)
	return fmt.Errorf("corrupting a record: %w", ErrUnsupported)
}

func (h limitedHost) ClockSkew(n string, d time.Duration) error {
	h.logf("skew %s %v", n, d)
	return fmt.Errorf("no libfaketime: %w", ErrUnsupported)
}

// TestUnsupportedFaultsAreNotedAndTheRunGoesOn: a host's ErrUnsupported is
// recorded as the step's note instead of ending the run; later steps still
// apply, and heal neither asks the host to undo what never happened nor
// stops healing the rest.
func TestUnsupportedFaultsAreNotedAndTheRunGoesOn(t *testing.T) {
	h := limitedHost{newFakeHost(nodeNames(3)...)}
	s := mustParse(t, `
1s disk fsync-errors s2
1s disk corrupt one
1s clock skew s3 -2s
2s kill s1
2s net degrade latency=10ms
3s heal`)
	evs := runAll(t, s, h, 1)
	if len(evs) != 6 {
		t.Fatalf("%d events, want 6: %+v", len(evs), evs)
	}
	for i := range 3 {
		if !strings.HasPrefix(evs[i].Note, "unsupported: ") || !strings.Contains(evs[i].Note, ErrUnsupported.Error()) {
			t.Errorf("event %d (%s) note %q, want an unsupported note", i, evs[i].Action, evs[i].Note)
		}
	}
	if evs[3].Note != "" || len(evs[3].Targets) != 1 || evs[3].Targets[0] != "s1" {
		t.Errorf("kill after unsupported steps: %+v", evs[3])
	}
	if evs[5].Note != "" {
		t.Errorf("heal note %q: nothing unsupported was in force", evs[5].Note)
	}
	if err := h.healthy(); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.calls {
		if strings.HasPrefix(c, "disk s2 {FsyncErrors:false") || strings.HasPrefix(c, "skew s3 0s") {
			t.Errorf("heal undid a fault that never happened: %q in %q", c, h.calls)
		}
	}
}

package studies_test

import (
	"slices"
	"testing"

	"github.com/zabsim/zabsim/studies"
)

// The registry lists every study once, in name order, each valid; names
// and checkers resolve, unknown ones do not.
func TestRegistry(t *testing.T) {
	names := studies.Names()
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Fatalf("Names() = %v, want sorted and unique", names)
	}
	for _, st := range studies.All() {
		if err := st.Validate(); err != nil {
			t.Error(err)
		}
		if got, err := studies.ByName(st.Name); err != nil || got != st {
			t.Errorf("ByName(%s) = %v, %v", st.Name, got, err)
		}
		for _, c := range st.Checkers {
			if got, err := studies.Checker(c.Name); err != nil || got != c {
				t.Errorf("Checker(%s) = %v, %v", c.Name, got, err)
			}
		}
	}
	if _, err := studies.ByName("nope"); err == nil {
		t.Error("ByName of an unknown study must fail")
	}
	if _, err := studies.Checker("nope"); err == nil {
		t.Error("Checker of an unknown name must fail")
	}
}

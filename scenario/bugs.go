package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
)

// CheckBugs reports the names that are not bug switches (server/bugs holds
// their one table, a leaf package this data package may read), listing
// every switch as zabsim list does.
func CheckBugs(names []string) error {
	known := bugs.Names()
	var unknown []string
	for _, n := range names {
		if !slices.Contains(known, n) {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("unknown bug switch %s (known: %s)", unknown[0], strings.Join(known, ", "))
	}
	return fmt.Errorf("unknown bug switches %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
}

// Package scenariotest holds the helpers tests of the packages that run
// scenarios share (simrun, campaign): durations written as numbers and a
// suite-membership check. It imports scenario only; nothing but tests
// import it.
package scenariotest

import (
	"slices"
	"testing"
	"time"

	"github.com/zabsim/zabsim/scenario"
)

// Secs is n seconds as a scenario duration.
func Secs(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Second) }

// Millis is n milliseconds as a scenario duration.
func Millis(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }

// InSuite reports whether the named suite lists scenario name.
func InSuite(t testing.TB, suite, name string) bool {
	t.Helper()
	scs, err := scenario.Suite(suite)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(scs, func(s scenario.Scenario) bool { return s.Name == name })
}

package simrun

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/scenario"
)

func secs(n int) scenario.Duration   { return scenario.Duration(time.Duration(n) * time.Second) }
func millis(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }

// inSuite reports whether the named suite lists scenario name.
func inSuite(t *testing.T, suite, name string) bool {
	t.Helper()
	scs, err := scenario.Suite(suite)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scs {
		if s.Name == name {
			return true
		}
	}
	return false
}

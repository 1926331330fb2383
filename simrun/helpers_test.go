package simrun

import (
	"testing"

	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/scenario/scenariotest"
)

func secs(n int) scenario.Duration   { return scenariotest.Secs(n) }
func millis(n int) scenario.Duration { return scenariotest.Millis(n) }

func inSuite(t *testing.T, suite, name string) bool { return scenariotest.InSuite(t, suite, name) }

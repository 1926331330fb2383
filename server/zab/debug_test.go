package zab

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestDebugSeed(t *testing.T) {
	seed, _ := strconv.ParseUint(os.Getenv("ZAB_SEED"), 10, 64)
	if seed == 0 {
		t.Skip()
	}
	o := defaultChaos()
	o.voters, _ = strconv.Atoi(os.Getenv("ZAB_VOTERS"))
	o.observers, _ = strconv.Atoi(os.Getenv("ZAB_OBS"))
	defer func() {
		if x := recover(); x != nil {
			lines := strings.Split(lastWorld.trace.String(), "\n")
			fmt.Println(strings.Join(lines[max(0, len(lines)-80):], "\n"))
			fmt.Println(lastWorld.stateString())
			fmt.Println("PANIC", x)
		}
	}()
	fmt.Println(runChaos(seed, o))
	lines := strings.Split(lastWorld.trace.String(), "\n")
	fmt.Println(strings.Join(lines[max(0, len(lines)-80):], "\n"))
}

var lastWorld *world

package checker

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zabsim/zabsim/model"
)

// A search whose memo table outgrows the budget is cut short and reported
// Unknown, long before its timeout; an easy one still finishes.
func TestBoundedSearchStopsAtTheMemoryBudget(t *testing.T) {
	// Many writes of distinct values with unknown outcomes, all concurrent,
	// each read back by a later completed read that no order can explain:
	// Porcupine must try a vast number of subsets before it gives up.
	var ops []porcupine.Operation
	for i := range 40 {
		ops = append(ops, porcupine.Operation{ClientId: i, Call: 0, Return: 1000 + int64(i),
			Input:  model.RegisterInput{Kind: model.RegWrite, Key: "k", Value: int64(i + 1)},
			Output: model.RegisterOutput{Known: false}})
	}
	for i := range 20 {
		ops = append(ops, porcupine.Operation{ClientId: 100 + i, Call: 2000 + int64(i), Return: 2000 + int64(i) + 1,
			Input:  model.RegisterInput{Kind: model.RegRead, Key: "k"},
			Output: model.RegisterOutput{Known: true, Value: int64(1000 + i), Version: int32(i)}})
	}
	old := PorcupineMemoryBudget
	PorcupineMemoryBudget = 1 << 20 // 1 MiB
	defer func() { PorcupineMemoryBudget = old }()
	start := time.Now()
	res, _, allowed := boundedSearch(model.RegisterModel(), ops, time.Minute)
	if res != porcupine.Unknown {
		t.Fatalf("hard history: %v, want Unknown (cut short)", res)
	}
	if allowed >= time.Minute || time.Since(start) > 30*time.Second {
		t.Fatalf("search allowed %v, took %v: the budget did not cut it short", allowed, time.Since(start))
	}
	// The budget is what cut it: with room to spare the same search runs
	// to its timeout.
	PorcupineMemoryBudget = 1 << 40
	if res, _, allowed := boundedSearch(model.RegisterModel(), ops, 3*time.Second); res != porcupine.Unknown || allowed != 3*time.Second {
		t.Fatalf("with a large budget: %v after %v, want Unknown at the 3s timeout", res, allowed)
	}
	easy := []porcupine.Operation{{ClientId: 0, Call: 0, Return: 1,
		Input: model.RegisterInput{Kind: model.RegRead, Key: "k"}, Output: model.RegisterOutput{Known: true, Value: 0, Version: 0}}}
	if res, _, _ := boundedSearch(model.RegisterModel(), easy, time.Minute); res != porcupine.Ok {
		t.Fatalf("easy history: %v", res)
	}
}

package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
	"pgregory.net/rapid"
)

// writeOp is one generated write: setData of a register key, or the create
// of a unique node.
type writeOp struct {
	create bool
	key    int
	value  string
}

type outcome int

const (
	acked outcome = iota
	failed
	unknown
)

// TestCrashRecoveryProperty: random writes, a crash at a random moment under
// a random disk crash mode, restart, read everything back. Every acknowledged
// write must be visible; a register's final value must be its last
// acknowledged value or a later indeterminate write; a node whose create was
// refused must not exist.
func TestCrashRecoveryProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		const keys = 3
		n := rapid.IntRange(5, 60).Draw(rt, "ops")
		ops := make([]writeOp, n)
		for i := range ops {
			ops[i] = writeOp{create: rapid.Bool().Draw(rt, "create"), key: rapid.IntRange(0, keys-1).Draw(rt, "key"), value: fmt.Sprintf("v%d", i)}
		}
		mode := rapid.SampledFrom([]sim.CrashMode{sim.CrashLoseUnsynced, sim.CrashKeepPrefix, sim.CrashTearLastWrite}).Draw(rt, "mode")
		crashAt := time.Duration(rapid.IntRange(1, 120).Draw(rt, "crashMS")) * time.Millisecond

		w := newWorldRT(rt, seed)
		outcomes := make([]outcome, n)
		initOutcomes := make([]outcome, keys)
		var steps []step
		for i := 0; i < keys; i++ {
			steps = append(steps, recordOutcome(&initOutcomes[i], create(fmt.Sprintf("/k%d", i), "init", wire.FlagPersistent)))
		}
		// Two writers run concurrently so writes overlap an fsync; register
		// key k is written only by writer k%2, keeping its order total.
		var steps2 []step
		for i, op := range ops {
			i, op := i, op
			writer := &steps
			if (op.create && i%2 == 1) || (!op.create && op.key%2 == 1) {
				writer = &steps2
			}
			*writer = append(*writer, func(x *stepCtx, done func(string)) {
				cb := func(r client.Result) {
					switch {
					case r.Err == wire.ErrOK:
						outcomes[i] = acked
					case r.Indeterminate():
						outcomes[i] = unknown
					default:
						outcomes[i] = failed
					}
					done(fmt.Sprintf("op%d %s", i, r.Err.Name()))
				}
				if op.create {
					x.c.Create(fmt.Sprintf("/n%d", i), []byte(op.value), wire.OpenACLUnsafe, wire.FlagPersistent, cb)
				} else {
					x.c.SetData(fmt.Sprintf("/k%d", op.key), []byte(op.value), -1, cb)
				}
			})
		}
		w.addClient("c1", steps...)
		w.addClient("c1b", steps2...)
		w.run(crashAt)
		must(rt, w.w.Crash("s1", mode))
		w.run(500 * time.Millisecond)
		must(rt, w.w.Restart("s1"))
		w.run(20 * time.Second) // the writer reconnects and finishes
		if len(w.log) < keys+n {
			rt.Fatalf("writer finished %d of %d steps:\n%s", len(w.log), keys+n, strings.Join(w.log, "\n"))
		}

		final := map[string]string{}
		var reads []step
		for i := 0; i < keys; i++ {
			reads = append(reads, readInto(final, fmt.Sprintf("/k%d", i)))
		}
		for i, op := range ops {
			if op.create {
				reads = append(reads, readInto(final, fmt.Sprintf("/n%d", i)))
			}
		}
		w.addClient("c2", reads...)
		w.run(10 * time.Second)
		checkRecovered(rt, ops, outcomes, initOutcomes, final)
	})
}

func must(t interface{ Fatal(...any) }, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

func readInto(final map[string]string, path string) step {
	return func(x *stepCtx, done func(string)) {
		x.c.GetData(path, false, func(r client.Result) {
			switch r.Err {
			case wire.ErrOK:
				final[path] = string(r.Data)
			case wire.ErrNoNode:
				final[path] = "<none>"
			default:
				final[path] = "<" + r.Err.Name() + ">"
			}
			done("read " + path)
		})
	}
}

// recordOutcome wraps a step built by opStep and records its outcome from
// the transcript line.
func recordOutcome(o *outcome, s step) step {
	return func(x *stepCtx, done func(string)) {
		s(x, func(line string) {
			switch {
			case strings.Contains(line, "-> OK"):
				*o = acked
			case strings.Contains(line, "CONNECTIONLOSS") || strings.Contains(line, "OPERATIONTIMEOUT"):
				*o = unknown
			default:
				*o = failed
			}
			done(line)
		})
	}
}

func checkRecovered(rt *rapid.T, ops []writeOp, outcomes, initOutcomes []outcome, final map[string]string) {
	for k, init := range initOutcomes {
		path := fmt.Sprintf("/k%d", k)
		allowed := map[string]bool{"<none>": true}
		switch init {
		case acked:
			allowed = map[string]bool{"init": true}
		case unknown:
			allowed["init"] = true
		}
		for i, op := range ops {
			if op.create || op.key != k {
				continue
			}
			switch outcomes[i] {
			case acked:
				allowed = map[string]bool{op.value: true}
			case unknown:
				allowed[op.value] = true
			}
		}
		if !allowed[final[path]] {
			rt.Fatalf("%s = %q after recovery; allowed %v (outcomes %v)", path, final[path], allowed, outcomes)
		}
	}
	for i, op := range ops {
		if !op.create {
			continue
		}
		path := fmt.Sprintf("/n%d", i)
		got := final[path]
		switch outcomes[i] {
		case acked:
			if got != op.value {
				rt.Fatalf("acknowledged create %s lost: read %q", path, got)
			}
		case failed:
			if got != "<none>" {
				rt.Fatalf("refused create %s exists: %q", path, got)
			}
		case unknown:
			if got != op.value && got != "<none>" {
				rt.Fatalf("indeterminate create %s half-applied: %q", path, got)
			}
		}
	}
}

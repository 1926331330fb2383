package studies_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/studies/api"
	"github.com/zabsim/zabsim/studies/bank"
	"github.com/zabsim/zabsim/studies/config"
	"github.com/zabsim/zabsim/studies/durability"
	"github.com/zabsim/zabsim/studies/election"
	"github.com/zabsim/zabsim/studies/lock"
	"github.com/zabsim/zabsim/studies/registry"
	"github.com/zabsim/zabsim/studies/sequential"
	"github.com/zabsim/zabsim/workloads"
)

// wlCase is one workload with the checker that judges it and the f names
// that must have ok completions in a healthy run.
type wlCase struct {
	name   string
	keys   int
	check  func(ops []history.Op) checker.Result
	wantOK []string
}

var cases = []wlCase{
	{name: "api", wantOK: []string{api.FAPI, history.FNotify}, check: api.Check},
	{name: "bank", keys: 4, wantOK: []string{bank.FTransfer, history.FRead},
		check: func(ops []history.Op) checker.Result {
			return bank.Check(ops, bank.Options{Total: 4 * bank.InitialBalance, Accounts: 4})
		}},
	{name: "config", wantOK: []string{history.FWrite, config.FObserve, history.FNotify},
		check: func(ops []history.Op) checker.Result { return config.Check(ops, config.Options{}) }},
	{name: "durability", wantOK: []string{history.FWrite, durability.FFinalRead}, check: durability.Check},
	{name: "election", wantOK: []string{election.FCampaign, election.FFencedWrite, election.FResign}, check: election.Check},
	{name: "lock", wantOK: []string{lock.FAcquire, lock.FRelease}, check: lock.Check},
	{name: "register", wantOK: []string{history.FRead, history.FSyncRead, history.FWrite, history.FCas},
		check: func(ops []history.Op) checker.Result {
			return checker.Merge("register",
				checker.CheckLinearizable(ops, checker.LinearOptions{Timeout: 10 * time.Second}),
				checker.CheckZxidOrder(ops))
		}},
	{name: "registry", wantOK: []string{registry.FJoin, registry.FView, registry.FExpire, registry.FLeave},
		check: func(ops []history.Op) checker.Result {
			return registry.Check(ops, registry.Options{DetectionBound: 500 * time.Millisecond})
		}},
	{name: "sequential", wantOK: []string{sequential.FCreate}, check: sequential.Check},
}

func TestNamesCoverEveryCase(t *testing.T) {
	var want []string
	for _, c := range cases {
		want = append(want, c.name)
	}
	var got []string
	for _, st := range studies.All() {
		if !st.NeedsReconfig { // needs an ensemble with reconfig: tested in simrun and scenario
			got = append(got, st.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if _, err := workloadByName("nope"); err == nil {
		t.Fatal("ByName of an unknown workload must fail")
	}
}

func TestBadConfigIsAnError(t *testing.T) {
	wl, err := workloadByName("register")
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []workloads.WorkerConfig{
		{},
		{Servers: []string{"s1:2181"}, ThinkMin: time.Second, ThinkMax: time.Millisecond},
		{Servers: []string{"s1:2181"}, Keys: -1},
	} {
		if _, err := wl.NewWorker(0, cfg); !errors.Is(err, workloads.ErrBadConfig) {
			t.Errorf("NewWorker(0, %+v) = %v, want ErrBadConfig", cfg, err)
		}
	}
	if _, err := wl.NewWorker(9, workloads.WorkerConfig{Servers: []string{"s1:2181"}, Workers: 2}); !errors.Is(err, workloads.ErrBadConfig) {
		t.Errorf("index out of range: %v", err)
	}
}

// Each workload runs against a healthy server: the history is well formed,
// its checker accepts it, every op kind happened, and the same seed gives
// the same bytes and trace hash.
func TestWorkloadsHealthy(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wl, err := workloadByName(c.name)
			if err != nil {
				t.Fatal(err)
			}
			p := defaultPlan(7)
			p.keys = c.keys
			r := newRun(t, wl, p)
			r.execute(p)
			t.Logf("%d records, %v", len(r.ops), summary(r.ops))
			judge(t, c, r.ops)
			for _, f := range c.wantOK {
				if counts(r.ops, f)[history.OK] == 0 {
					t.Errorf("no ok %q in %d records", f, len(r.ops))
				}
			}
			checkProcesses(t, r.ops, len(r.workers))
			checkSchema(t, c.name, r.ops)

			again := newRun(t, wl, p)
			again.execute(p)
			if !bytes.Equal(r.jsonl(), again.jsonl()) {
				t.Fatal("same seed, different history")
			}
			if r.w.TraceHash() != again.w.TraceHash() {
				t.Fatalf("same seed, trace hash %s vs %s", r.w.TraceHash(), again.w.TraceHash())
			}
		})
	}
}

// The server crashes mid-run (losing unsynced bytes) and restarts a second
// later. Ops caught in flight must end info, nothing may be acknowledged by
// the dead server, and the history must still validate and pass its checker.
func TestWorkloadsServerCrash(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wl, err := workloadByName(c.name)
			if err != nil {
				t.Fatal(err)
			}
			p := defaultPlan(11)
			p.keys = c.keys
			p.crashAt, p.restart = 3*time.Second, time.Second
			r := newRun(t, wl, p)
			r.execute(p)
			t.Logf("%d records, %v", len(r.ops), summary(r.ops))
			judge(t, c, r.ops)
			if n := counts(r.ops, "")[history.Info]; n == 0 {
				t.Errorf("no info completion although the server crashed with clients connected")
			}
			for _, op := range r.ops {
				down := op.Time > int64(p.crashAt) && op.Time < int64(p.crashAt+p.restart)
				if down && op.IsCompletion() && !op.IsNemesis() && op.Node != "" {
					t.Errorf("op %d (%s %s) answered by %s while it was down", op.Index, op.Type, op.F, op.Node)
				}
			}
			checkProcesses(t, r.ops, len(r.workers))
		})
	}
}

// Every workload against a three-node ensemble whose nodes all crash and
// restart mid-run (losing unsynced bytes): clients fail over between
// servers, and the histories must still pass their checkers — for
// durability, with final reads taken from every node.
func TestWorkloadsEnsembleCrash(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wl, err := workloadByName(c.name)
			if err != nil {
				t.Fatal(err)
			}
			p := defaultPlan(17)
			p.keys, p.servers = c.keys, 3
			p.crashAt, p.restart = 3*time.Second, time.Second
			r := newRun(t, wl, p)
			r.execute(p)
			t.Logf("%d records, %v", len(r.ops), summary(r.ops))
			judge(t, c, r.ops)
			nodes := map[string]bool{}
			for _, op := range r.ops {
				if op.Node != "" {
					nodes[op.Node] = true
				}
			}
			if len(nodes) < 2 {
				t.Errorf("ops were served by %v only; clients should spread over the ensemble", nodes)
			}
			if c.name == "durability" {
				for _, addr := range []string{"s1:2181", "s2:2181", "s3:2181"} {
					if !servedFinalRead(r.ops, addr) {
						t.Errorf("no final-read served by %s", addr)
					}
				}
			}
		})
	}
}

func servedFinalRead(ops []history.Op, node string) bool {
	for _, op := range ops {
		if op.F == durability.FFinalRead && op.Type == history.OK && op.Node == node {
			return true
		}
	}
	return false
}

// Two workers are cut off from the server for longer than their session
// timeout, so their sessions expire: the workloads must notice, carry on
// with new sessions, and still produce valid histories (a lock holder
// records "lost", a leader resigns, a broker's registration expires).
func TestWorkloadsSessionExpiry(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wl, err := workloadByName(c.name)
			if err != nil {
				t.Fatal(err)
			}
			p := defaultPlan(13)
			p.keys = c.keys
			p.isolate = []string{"c1", "c2"}
			p.isolateAt, p.isolateFor = 2*time.Second, 5*time.Second
			r := newRun(t, wl, p)
			r.execute(p)
			t.Logf("%d records, %v", len(r.ops), summary(r.ops))
			judge(t, c, r.ops)
			before, after := sessionsAround(r.ops, len(r.workers), 0, int64(p.isolateAt), int64(p.isolateAt+p.isolateFor))
			if before == 0 || after == 0 || before == after {
				t.Errorf("worker 0: session %#x before the partition, %#x after it; want a new session", before, after)
			}
			checkProcesses(t, r.ops, len(r.workers))
		})
	}
}

// sessionsAround returns worker w's last session seen before `from` and
// its last session seen after `to` (records right after the heal may still
// report the expired session).
func sessionsAround(ops []history.Op, workers, w int, from, to int64) (before, after int64) {
	for _, op := range ops {
		if op.IsNemesis() || op.Process%workers != w || op.Session == 0 {
			continue
		}
		if op.Time < from {
			before = op.Session
		}
		if op.Time > to {
			after = op.Session
		}
	}
	return before, after
}

func judge(t *testing.T, c wlCase, ops []history.Op) {
	t.Helper()
	if err := history.Validate(ops); err != nil {
		t.Fatalf("invalid history: %v", err)
	}
	var buf bytes.Buffer
	if err := history.WriteAll(&buf, ops); err != nil {
		t.Fatal(err)
	}
	back, err := history.Read(&buf)
	if err != nil || len(back) != len(ops) {
		t.Fatalf("history does not round-trip: %v (%d of %d records)", err, len(back), len(ops))
	}
	res := c.check(ops)
	if res.Valid != checker.Valid {
		t.Fatalf("%s checker: %s", c.name, res)
	}
}

// checkSchema: every client record is of an operation the study's schema
// lists.
func checkSchema(t *testing.T, name string, ops []history.Op) {
	t.Helper()
	st, err := studies.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.IsClient() && !slices.Contains(st.Schema.Ops, op.F) {
			t.Fatalf("op %d: f %q is not in the %s study's schema %v", op.Index, op.F, name, st.Schema.Ops)
		}
	}
}

// checkProcesses: a worker's process number changes only after an info
// completion, by the number of workers.
func checkProcesses(t *testing.T, ops []history.Op, workers int) {
	t.Helper()
	lastInfo := map[int]bool{} // process → its last completion was info
	notify := map[int]bool{}   // the config watchers' event processes
	invokes := map[int]int{}
	for _, op := range ops {
		if op.Type == history.Invoke {
			invokes[op.Process]++
		}
	}
	for _, op := range ops {
		if op.F == history.FNotify {
			// Watch events have a process of their own, which no op shares.
			notify[op.Process] = true
			continue
		}
		if notify[op.Process] {
			t.Fatalf("op %d: %s on process %d, which records watch events", op.Index, op.F, op.Process)
		}
		if op.IsNemesis() || op.Type != history.Invoke {
			if op.Type == history.Info && !op.IsNemesis() {
				lastInfo[op.Process] = true
			}
			continue
		}
		// An api worker's pipelined op takes a process number of its own
		// from the top of its incarnation's range, used once.
		oneShot := invokes[op.Process] == 1 && op.Process >= workers*50_000
		if op.Process >= workers && !lastInfo[op.Process-workers] && !oneShot {
			t.Fatalf("op %d: process %d used without process %d retiring on info", op.Index, op.Process, op.Process-workers)
		}
		if lastInfo[op.Process] {
			t.Fatalf("op %d: process %d reused after an info completion", op.Index, op.Process)
		}
	}
}

// Many seeds of the fault scenarios, for every workload. A few seeds run
// by default; ZABSIM_SOAK=1 runs 200 (well over a minute).
func TestWorkloadsSeeds(t *testing.T) {
	seeds := 3
	if os.Getenv("ZABSIM_SOAK") == "1" {
		seeds = 200
	} else if testing.Short() {
		t.Skip("seed sweep skipped in -short mode")
	}
	for _, c := range cases {
		wl, err := workloadByName(c.name)
		if err != nil {
			t.Fatal(err)
		}
		for seed := uint64(100); seed < uint64(100+seeds); seed++ {
			p := defaultPlan(seed)
			p.keys = c.keys
			if seed%2 == 0 {
				p.servers = 3
			}
			switch seed % 3 {
			case 0:
				p.crashAt, p.restart = 2*time.Second+time.Duration(seed)*time.Millisecond, time.Second
			case 1:
				p.isolate = []string{"c1", "c2"}
				p.isolateAt, p.isolateFor = 2*time.Second, time.Duration(seed%7)*time.Second
			}
			t.Run(fmt.Sprintf("%s/seed=%d", c.name, seed), func(t *testing.T) {
				r := newRun(t, wl, p)
				r.execute(p)
				judge(t, c, r.ops)
				checkProcesses(t, r.ops, len(r.workers))
			})
		}
	}
}

// A worker node crashes and restarts: its open op stays open forever, and
// the new incarnation must use process numbers no earlier incarnation used,
// so the history stays well formed and the checker still accepts it.
func TestWorkerNodeRestart(t *testing.T) {
	for _, name := range []string{"register", "bank", "sequential", "durability"} {
		t.Run(name, func(t *testing.T) {
			c := caseNamed(t, name)
			wl, err := workloadByName(name)
			if err != nil {
				t.Fatal(err)
			}
			p := defaultPlan(19)
			p.keys = c.keys
			r := newRun(t, wl, p)
			crashAt, restartAt := 2*time.Second+3*time.Millisecond, 3*time.Second
			r.must(r.w.Schedule(crashAt, func() {
				r.nemesis("kill", "c1")
				r.must(r.w.Crash("c1", sim.CrashLoseUnsynced))
			}))
			r.must(r.w.Schedule(restartAt, func() {
				r.must(r.w.Restart("c1"))
				r.nemesis("restart", "c1")
			}))
			r.execute(p)
			judge(t, c, r.ops)
			n := len(r.workers)
			reborn := false
			for _, op := range r.ops {
				if op.IsNemesis() || op.Process%n != 0 {
					continue
				}
				after := op.Time > int64(restartAt)
				if after != (op.Process >= n*100_000) {
					t.Fatalf("op %d at %v: process %d; a restarted worker must start a new lineage", op.Index, time.Duration(op.Time), op.Process)
				}
				reborn = reborn || after
			}
			if !reborn {
				t.Fatal("the restarted worker recorded nothing")
			}
		})
	}
}

func caseNamed(t *testing.T, name string) wlCase {
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %q", name)
	return wlCase{}
}

package workloads_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/workloads"
)

// run is one simulated run of a workload against a standalone server "s1",
// with workers on nodes c1..cN and an observer recording history.Op notes.
type run struct {
	t       *testing.T
	w       *sim.World
	ops     []history.Op
	workers []workloads.Worker // latest incarnation per index
	servers []string           // server node names
	lastTxn int64              // the highest zxid recorded as a txn record
}

// runPlan is when the run does what (world time since start).
type runPlan struct {
	seed     uint64
	workers  int
	keys     int
	finishAt time.Duration // Finish on every worker
	finalAt  time.Duration // Final on every worker
	limit    time.Duration // give up waiting for Done after this
	servers  int           // 1: standalone s1; more: an ensemble s1..sN
	crashAt  time.Duration // crash every server (0: never)
	restart  time.Duration // restart them this long after the crash
	// isolate is cut off from s1 during [isolateAt, isolateAt+isolateFor).
	isolate    []string
	isolateAt  time.Duration
	isolateFor time.Duration
	// newClient, if set, is every worker's WorkerConfig.NewClient.
	newClient workloads.NewClientFunc
}

func defaultPlan(seed uint64) runPlan {
	return runPlan{seed: seed, finishAt: 8 * time.Second, finalAt: 9 * time.Second, limit: 20 * time.Second}
}

func newRun(t *testing.T, wl workloads.Workload, p runPlan) *run {
	t.Helper()
	w, err := sim.NewWorld(p.seed, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, w: w}
	if err := w.AddObserver(sim.ObserverFunc(r.observe)); err != nil {
		t.Fatal(err)
	}
	addrs := r.addServers(max(p.servers, 1))
	n := p.workers
	if n == 0 {
		n = wl.Workers()
	}
	r.workers = make([]workloads.Worker, n)
	for i := range n {
		cfg := workloads.WorkerConfig{Servers: addrs, Workers: n, Keys: p.keys, NewClient: p.newClient}
		factory := func() proc.Process {
			wk, err := wl.NewWorker(i, cfg)
			if err != nil {
				t.Errorf("NewWorker(%d): %v", i, err)
				return idleProc{}
			}
			r.workers[i] = wk
			return wk
		}
		name := fmt.Sprintf("c%d", i+1)
		r.must(w.AddNode(name, factory, sim.NodeOptions{}))
		r.must(w.Start(name))
	}
	return r
}

// addServers adds a standalone server s1, or an ensemble s1..sN, and
// returns their client addresses.
func (r *run) addServers(n int) []string {
	var peers []server.PeerConfig
	var addrs []string
	for i := 1; i <= n; i++ {
		addrs = append(addrs, fmt.Sprintf("s%d:2181", i))
		if n > 1 {
			peers = append(peers, server.PeerConfig{ID: int64(i), Addr: fmt.Sprintf("s%d:2888", i)})
		}
	}
	disk := sim.DiskOptions{SyncLatency: sim.UniformLatency(time.Millisecond, 4*time.Millisecond)}
	for i := 1; i <= n; i++ {
		cfg := server.Config{ClientAddr: addrs[i-1], TickTimeMS: 200, Peers: peers}
		if n > 1 {
			cfg.ID = int64(i)
		}
		f, err := server.Factory(cfg)
		r.must(err)
		name := fmt.Sprintf("s%d", i)
		r.must(r.w.AddNode(name, f, sim.NodeOptions{Disk: disk}))
		r.must(r.w.Start(name))
		r.servers = append(r.servers, name)
	}
	return addrs
}

// idleProc stands in for a worker that could not be built.
type idleProc struct{}

func (idleProc) Start(proc.Env)    {}
func (idleProc) Handle(proc.Event) {}

func (r *run) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

// observe stamps Index and Time on every emitted op, as a host must.
func (r *run) observe(rec *sim.Record) {
	if rec.Kind != sim.RecordNote {
		return
	}
	if c, ok := rec.Note.(server.Committed); ok && c.Zxid > r.lastTxn {
		// The api checker replays the quorum's txns: record each once, at
		// its first application (as the scenarios' recorder does).
		r.lastTxn = c.Zxid
		v, err := history.EncodeValue(history.TxnValue{Type: c.Type, Cxid: c.Cxid, Path: c.Path, Err: c.Err})
		r.must(err)
		r.ops = append(r.ops, history.Op{Index: len(r.ops), Time: int64(rec.At), Process: history.ClusterProcess,
			Type: history.Info, F: history.FTxn, Node: c.Node, Zxid: c.Zxid, Session: c.Session, Value: v})
		return
	}
	op, ok := rec.Note.(history.Op)
	if !ok {
		return
	}
	op.Index, op.Time = len(r.ops), int64(rec.At)
	r.ops = append(r.ops, op)
}

// nemesis records a fault the test injects, so checkers see it.
func (r *run) nemesis(f string, nodes ...string) {
	v, err := history.EncodeValue(history.NemesisValue{Nodes: nodes})
	r.must(err)
	r.ops = append(r.ops, history.Op{Index: len(r.ops), Time: int64(r.w.Now()), Process: history.NemesisProcess,
		Type: history.Info, F: f, Value: v})
}

// execute runs the plan to the end: faults, Finish, Final, then until every
// worker is Done.
func (r *run) execute(p runPlan) {
	r.t.Helper()
	if p.crashAt > 0 {
		r.must(r.w.Schedule(p.crashAt, func() {
			r.nemesis("kill", r.servers...)
			for _, s := range r.servers {
				r.must(r.w.Crash(s, sim.CrashLoseUnsynced))
			}
		}))
		r.must(r.w.Schedule(p.crashAt+p.restart, func() {
			for _, s := range r.servers {
				r.must(r.w.Restart(s))
			}
			r.nemesis("restart", r.servers...)
		}))
	}
	if len(p.isolate) > 0 {
		r.must(r.w.Schedule(p.isolateAt, func() {
			r.nemesis("partition", p.isolate...)
			r.must(r.w.Partition(r.servers, p.isolate))
		}))
		r.must(r.w.Schedule(p.isolateAt+p.isolateFor, func() {
			r.must(r.w.Heal())
			r.nemesis("heal")
		}))
	}
	r.must(r.w.Schedule(p.finishAt, func() {
		for _, wk := range r.workers {
			wk.Finish()
		}
	}))
	r.must(r.w.Schedule(p.finalAt, func() {
		for _, wk := range r.workers {
			wk.Final()
		}
	}))
	r.must(r.w.RunUntil(p.finalAt))
	if err := r.w.RunWhile(func() bool { return !r.allDone() }, p.limit); err != nil {
		r.t.Fatalf("workers not done: %v", err)
	}
	// Let completions already on the wire land, so the history ends quiet.
	r.must(r.w.RunFor(100 * time.Millisecond))
}

func (r *run) allDone() bool {
	for _, wk := range r.workers {
		if wk == nil || !wk.Done() {
			return false
		}
	}
	return true
}

func (r *run) jsonl() []byte {
	var buf bytes.Buffer
	if err := history.WriteAll(&buf, r.ops); err != nil {
		r.t.Fatal(err)
	}
	return buf.Bytes()
}

// counts tallies completions by type for f ("" = all client ops).
func counts(ops []history.Op, f string) map[history.Type]int {
	out := map[history.Type]int{}
	for _, op := range ops {
		if !op.IsNemesis() && (f == "" || op.F == f) {
			out[op.Type]++
		}
	}
	return out
}

// summary renders completion counts per f and type, for test logs.
func summary(ops []history.Op) string {
	n := map[string]int{}
	var keys []string
	for _, op := range ops {
		if op.Type == history.Invoke {
			continue
		}
		k := op.F + ":" + string(op.Type)
		if n[k] == 0 {
			keys = append(keys, k)
		}
		n[k]++
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, n[k])
	}
	return b.String()
}

package liverun

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/workloads"
)

// driver is one live run: the cluster, the workers hosted in this process,
// the recorder and the timeline of nemesis steps, Finish and Final.
type driver struct {
	c     *scenario.Compiled
	s     scenario.Scenario
	opts  Options
	sched nemesis.Schedule
	rec   *liveRecorder

	cluster *cluster.Cluster
	workers []*liveWorker
	logFile *os.File

	end        time.Duration // when the final phase ended, since the start
	unfinished []string

	pollStop chan struct{}
	pollDone sync.WaitGroup
}

// liveWorker is one workload worker on its own Node.
type liveWorker struct {
	name string
	node *live.Node
	gz   *zkclient.GoZK
	w    workloads.Worker
}

func newDriver(c *scenario.Compiled, opts Options, sched nemesis.Schedule) (*driver, error) {
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	return &driver{c: c, s: c.Scenario, opts: opts, sched: sched}, nil
}

// run starts everything and drives the timeline. On return, stop must
// still be called (it is safe after any failure).
func (d *driver) run(ctx context.Context, exec *nemesis.Executor) error {
	var err error
	d.logFile, err = os.Create(filepath.Join(d.opts.Dir, "workers.log"))
	if err != nil {
		return err
	}
	d.opts.Logf("live: starting %d %s nodes (%d observers)", d.s.Servers+d.s.Observers, d.opts.Target, d.s.Observers)
	d.cluster, err = cluster.Start(ctx, cluster.Options{Target: d.opts.Target, Nodes: d.s.Servers, Observers: d.s.Observers, BasePort: d.opts.BasePort,
		Dir: clusterDir(d.opts.Dir), ZabsimBin: d.opts.ZabsimBin, TickTime: time.Duration(d.s.TickTimeMS) * time.Millisecond,
		SnapCount: d.s.SnapCount,
		Bugs:      d.s.Bugs, Logf: d.opts.Logf, StartTimeout: d.opts.StartTimeout})
	if err != nil {
		return fmt.Errorf("live: start cluster: %w", err)
	}
	if d.opts.OnCluster != nil {
		d.opts.OnCluster(d.cluster)
	}
	// Time 0 of the history: the cluster is healthy, the workers start.
	d.rec = newLiveRecorder(time.Now())
	if d.s.WindowFaults {
		// Window faults aim at protocol moments the simulated servers
		// report; live processes report none.
		d.rec.nemesis([]nemesis.Event{{Kind: nemesis.KindKill, Action: "window-faults",
			Note: "unsupported: window faults need the simulator's protocol moments"}})
	}
	if err := d.startWorkers(); err != nil {
		return err
	}
	d.startRolePoller()
	return d.timeline(ctx, exec)
}

// startWorkers hosts every worker on its own Node with go-zookeeper
// clients, as the simulator hosts them on simulated nodes c1..cN.
func (d *driver) startWorkers() error {
	names := map[string]string{}
	for _, node := range d.cluster.Nodes() {
		names[d.cluster.ClientAddr(node)] = node
	}
	logMu := &sync.Mutex{}
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(d.logFile, time.Now().UTC().Format("15:04:05.000000 ")+format+"\n", args...)
	}
	for _, g := range d.c.Groups {
		if err := d.startGroup(g, names, logMu, logf); err != nil {
			return err
		}
	}
	return nil
}

// startGroup starts one workload's workers, c<First+1> on.
func (d *driver) startGroup(g scenario.Group, names map[string]string, logMu *sync.Mutex, logf func(string, ...any)) error {
	wl, err := studies.Workload(g.Workload)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	for i := range g.Clients {
		name := fmt.Sprintf("c%d", g.First+i+1)
		node := live.NewNode(live.Options{Name: name, DataDir: filepath.Join(d.opts.Dir, "workers", name),
			Log: runLogWriter{mu: logMu, w: d.logFile}, Observe: d.rec.observe, Seed: workerSeed(d.opts.Seed, name)})
		gz := zkclient.NewGoZK(zkclient.GoZKOptions{Node: node, Names: names, Logf: func(f string, a ...any) { logf(name+" "+f, a...) }})
		cfg := workloads.WorkerConfig{Servers: d.cluster.ClientAddrs(), SessionTimeout: d.s.SessionTimeout.D(),
			Workers: g.Clients, NewClient: gz.NewClient, ThinkMin: d.s.Think[0].D(), ThinkMax: d.s.Think[1].D(), ProcessBase: g.ProcessBase}
		w, err := wl.NewWorker(i, cfg)
		if err != nil {
			return fmt.Errorf("%w: workload %s: %v", ErrBadInput, g.Workload, err)
		}
		lw := &liveWorker{name: name, node: node, gz: gz, w: w}
		d.workers = append(d.workers, lw)
		if err := node.Start(func() proc.Process { return w }); err != nil {
			return fmt.Errorf("live: worker %s: %w", name, err)
		}
	}
	return nil
}

// workerSeed gives each worker its own stream from the run's seed.
func workerSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/worker/%s", seed, name)
	return h.Sum64() | 1 // 0 would mean "seed from the clock"
}

// runLogWriter serialises the workers' log lines into one file.
type runLogWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l runLogWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// rolePollInterval spaces the srvr polls behind the role timeline.
const rolePollInterval = time.Second

func (d *driver) startRolePoller() {
	d.pollStop = make(chan struct{})
	nodes := d.cluster.Nodes()
	d.pollDone.Go(func() {
		t := time.NewTicker(rolePollInterval)
		defer t.Stop()
		for {
			d.rec.pollRoles(nodes, d.cluster.Modes())
			select {
			case <-d.pollStop:
				return
			case <-t.C:
			}
		}
	})
}

// timeline applies nemesis steps when they fall due, Finish at the end of
// the duration and Final after the settle time (2 session timeouts, as in
// the simulator), then waits for the final phase.
func (d *driver) timeline(ctx context.Context, exec *nemesis.Executor) error {
	end := d.s.Duration.D()
	finalAt := end + 2*d.s.SessionTimeout.D()
	finished := false
	for {
		next, what := finalAt, "final"
		if !finished {
			next, what = end, "finish"
		}
		if at, ok := exec.NextAt(); ok && at <= next {
			next, what = at, "nemesis"
		}
		if err := d.sleepUntil(ctx, next); err != nil {
			return err
		}
		switch what {
		case "nemesis":
			evs, err := exec.Step(d.cluster, d.since())
			d.rec.nemesis(evs)
			if err != nil {
				return fmt.Errorf("live: nemesis: %w", err)
			}
		case "finish":
			finished = true
			d.eachWorker(func(w workloads.Worker) { w.Finish() })
		default:
			return d.finalPhase(ctx)
		}
	}
}

func (d *driver) since() time.Duration { return time.Since(d.rec.start) }

func (d *driver) sleepUntil(ctx context.Context, at time.Duration) error {
	wait := at - d.since()
	if wait <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// eachWorker runs f on every worker's loop.
func (d *driver) eachWorker(f func(workloads.Worker)) {
	for _, lw := range d.workers {
		if err := lw.node.Do(func() { f(lw.w) }); err != nil {
			d.opts.Logf("live: worker %s: %v", lw.name, err)
		}
	}
}

// finalPhase waits for the healed cluster (a restarted JVM takes seconds to
// rejoin), calls Final and waits for every worker to finish it. A worker
// that does not finish in time fails the liveness checker.
func (d *driver) finalPhase(ctx context.Context) error {
	timeout := max(4*d.s.SessionTimeout.D(), minFinalTimeout)
	hctx, cancel := context.WithTimeout(ctx, healthyTimeout)
	if err := d.cluster.WaitHealthy(hctx); err != nil {
		d.opts.Logf("live: cluster not healthy before the final phase: %v", err)
	}
	cancel()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.eachWorker(func(w workloads.Worker) { w.Final() })
	deadline := time.Now().Add(timeout)
	for {
		d.unfinished = d.unfinishedWorkers()
		if len(d.unfinished) == 0 || time.Now().After(deadline) {
			d.end = d.since()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Live-tier allowances: real JVMs start, elect and recover in seconds.
const (
	minFinalTimeout = 15 * time.Second
	healthyTimeout  = 60 * time.Second
)

func (d *driver) unfinishedWorkers() []string {
	var out []string
	for _, lw := range d.workers {
		done := false
		if err := lw.node.Do(func() { done = lw.w.Done() }); err != nil || !done {
			out = append(out, lw.name)
		}
	}
	return out
}

// stop ends the workers' sessions, stops their nodes and the cluster, and
// closes the log. It is safe after any failure and idempotent.
func (d *driver) stop() {
	if d.pollStop != nil {
		close(d.pollStop)
		d.pollDone.Wait()
		d.pollStop = nil
	}
	var wg sync.WaitGroup
	for _, lw := range d.workers {
		wg.Go(lw.gz.Close) // closeSession for every session, in parallel
	}
	wg.Wait()
	for _, lw := range d.workers {
		if err := lw.node.Stop(); err != nil {
			d.opts.Logf("live: worker %s: %v", lw.name, err)
		}
	}
	d.workers = nil
	if d.cluster != nil {
		if err := d.cluster.Stop(); err != nil && !errors.Is(err, context.Canceled) {
			d.opts.Logf("live: stop cluster: %v", err)
		}
		d.cluster = nil
	}
	if d.logFile != nil {
		_ = d.logFile.Close()
		d.logFile = nil
	}
}

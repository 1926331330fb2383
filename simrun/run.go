package simrun

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/workloads"
)

// Options tune one run.
type Options struct {
	// Bugs adds bug switches to the scenario's own.
	Bugs []string
	// FinalTimeout bounds the final-read phase after Duration.
	FinalTimeout time.Duration
	// FinalExtension is how long past FinalTimeout the final phase may go
	// on while every unfinished worker is still completing operations (0:
	// maxFinalExtension; negative: not at all).
	FinalExtension time.Duration
	// Log, if set, receives every process's Logf lines (with sim time).
	Log io.Writer
	// Timeline makes Execute draw timeline.html (Outcome.Timeline):
	// Porcupine's visualization, or the plain history timeline.
	Timeline bool
}

// Run builds the world for scenario s and seed, runs it to the end and
// returns the history. Checking is separate (see Execute).
func Run(s scenario.Scenario, seed uint64, opts Options) (*rundir.Result, error) {
	c, err := scenario.Compile(s, seed, opts.Bugs)
	if err != nil {
		return nil, err
	}
	return run(c, opts)
}

// run runs a compiled scenario.
func run(c *scenario.Compiled, opts Options) (*rundir.Result, error) {
	s := c.Scenario
	r, err := build(c, opts.Log)
	if err != nil {
		return nil, err
	}
	if err := r.run(opts); err != nil {
		return nil, fmt.Errorf("scenario %s seed %d: %w", s.Name, c.Seed, err)
	}
	unfinished := r.unfinished()
	return &rundir.Result{
		Scenario: s, Seed: c.Seed, Bugs: c.Bugs, TraceHash: r.w.TraceHash(), History: r.rec.ops.all(),
		Schedule: r.schedule, Roles: r.rec.roles, SimNS: int64(r.w.Now()), Events: r.w.Executed(), Commits: r.rec.commits,
		Invariants: r.rec.inv.Violations(), Unfinished: unfinished, Progressing: r.progressing(unfinished),
		Logs: r.logs.result(),
	}, nil
}

// runner holds one world under construction.
type runner struct {
	c        *scenario.Compiled
	s        scenario.Scenario
	w        *sim.World
	rec      *recorder
	logs     *nodeLogger
	servers  []string
	workers  []string
	live     map[string]workloads.Worker // the current instance of each worker
	wiped    map[string]bool             // servers the supervisor cleared
	schedule nemesis.Schedule
	exec     *nemesis.Executor
	host     *simHost
	err      error
}

func build(c *scenario.Compiled, log io.Writer) (*runner, error) {
	s := c.Scenario
	r := &runner{c: c, s: s, live: map[string]workloads.Worker{}, servers: c.Nodes()}
	r.rec = newRecorder(r.servers)
	r.rec.txns = s.NeedsTxns() // the api study's checker replays the committed txns
	r.logs = newNodeLogger(r.servers, log)
	wopts := sim.DefaultOptions()
	wopts.Observers = []sim.Observer{r.rec, r.logs}
	wopts.Log = log
	w, err := sim.NewWorld(c.Seed, wopts)
	if err != nil {
		return nil, err
	}
	r.w = w
	if err := r.addServers(); err != nil {
		return nil, err
	}
	if err := r.addWorkers(); err != nil {
		return nil, err
	}
	r.host = newSimHost(w, r.servers, s.Servers, r.leader, wopts.Link)
	r.host.config = func() server.ConfigActivated { return r.rec.config }
	r.host.record = r.rec.ops.add
	if s.Reconfig {
		r.rec.config = r.initialConfig()
		if err := r.addOperator(); err != nil {
			return nil, err
		}
	}
	r.rec.onFailed = r.supervise
	if wf := newWindowFaults(r); wf != nil {
		r.rec.onMoment = wf.moment
	}
	return r, r.planNemesis()
}

func (r *runner) clientAddrs() []string {
	out := make([]string, len(r.servers))
	for i, s := range r.servers {
		out[i] = s + ":2181"
	}
	return out
}

func (r *runner) addServers() error {
	set, err := bugs.ParseSet(r.c.Bugs...)
	if err != nil {
		return err
	}
	disk := sim.DiskOptions{SyncLatency: sim.UniformLatency(r.s.SyncLatency.D()/2, r.s.SyncLatency.D()*2)}
	for i, name := range r.servers {
		cfg := server.Config{ID: int64(i + 1), ClientAddr: name + ":2181", TickTimeMS: r.s.TickTimeMS,
			SnapCount: r.s.SnapCount, Bugs: set, Peers: r.peersOf(i)}
		if r.s.Reconfig {
			cfg.ReconfigEnabled = true
			cfg.SuperDigest = tree.GenerateDigest(workloads.SuperAuth)
		}
		f, err := server.Factory(cfg)
		if err != nil {
			return err
		}
		if err := r.w.AddNode(name, f, sim.NodeOptions{Disk: disk}); err != nil {
			return err
		}
		if err := r.w.Start(name); err != nil {
			return err
		}
	}
	return nil
}

// peersOf is the config server i (0-based) starts with: the initial
// members (voters, then observers) and, for a spare, itself as a
// participant, as ZooKeeper's admin guide starts a joiner. A reconfig
// scenario's lines carry the election port and client address that
// /zookeeper/config shows.
func (r *runner) peersOf(i int) []server.PeerConfig {
	if len(r.servers) == 1 {
		return nil // standalone
	}
	members := r.s.Servers + r.s.Observers
	var peers []server.PeerConfig
	for j, name := range r.servers {
		if j >= members && j != i {
			continue // another spare: outside this server's config
		}
		p := server.PeerConfig{ID: int64(j + 1), Addr: name + ":2888", Observer: j >= r.s.Servers && j < members}
		if r.s.Reconfig {
			p.ElectionPort, p.ClientAddr = 3888, name+":2181"
		}
		peers = append(peers, p)
	}
	return peers
}

// initialConfig is the config the members start with, unversioned (the
// first leader gives it a version): the operator's view until a server
// activates a versioned one. A spare's own config, which names it, is
// never taken for it.
func (r *runner) initialConfig() server.ConfigActivated {
	var c server.ConfigActivated
	for i := range r.s.Servers + r.s.Observers {
		if i < r.s.Servers {
			c.Voters = append(c.Voters, uint64(i+1))
		} else {
			c.Observers = append(c.Observers, uint64(i+1))
		}
	}
	return c
}

// addOperator adds the process through which membership changes are
// applied (see operator).
func (r *runner) addOperator() error {
	op := &operator{servers: r.clientAddrs()}
	r.host.operator = op
	if err := r.w.AddNode(operatorNode, func() proc.Process { return op }, sim.NodeOptions{}); err != nil {
		return err
	}
	return r.w.Start(operatorNode)
}

func (r *runner) addWorkers() error {
	for _, g := range r.c.Groups {
		if err := r.addGroup(g); err != nil {
			return err
		}
	}
	return nil
}

// addGroup adds one workload's workers, c<First+1> on.
func (r *runner) addGroup(g scenario.Group) error {
	wl, err := studies.Workload(g.Workload)
	if err != nil {
		return err
	}
	cfg := workloads.WorkerConfig{Servers: r.clientAddrs(), SessionTimeout: r.s.SessionTimeout.D(), Workers: g.Clients,
		ThinkMin: r.s.Think[0].D(), ThinkMax: r.s.Think[1].D(), ProcessBase: g.ProcessBase, SkipOps: r.c.SkipOps}
	for i := 0; i < g.Clients; i++ {
		if _, err := wl.NewWorker(i, cfg); err != nil {
			return fmt.Errorf("workload %s: %w", g.Workload, err)
		}
	}
	for i := 0; i < g.Clients; i++ {
		name := fmt.Sprintf("c%d", g.First+i+1)
		i := i
		f := func() proc.Process {
			w, _ := wl.NewWorker(i, cfg) // validated above
			r.live[name] = w
			return w
		}
		if err := r.w.AddNode(name, f, sim.NodeOptions{}); err != nil {
			return err
		}
		r.workers = append(r.workers, name)
		if err := r.w.Start(name); err != nil {
			return err
		}
	}
	return nil
}

// supervisorDelay is how long the supervisor waits before restarting a
// server that stopped on its own.
const supervisorDelay = 2 * time.Second

// supervise plays the process supervisor (systemd, Kubernetes) and the
// operator a real deployment has: a server that stopped on its own, as
// ZooKeeper exits on an fsync error, is restarted after supervisorDelay (the
// process exits, so its unsynced writes stay in the page cache). A member of
// an ensemble that refuses to start because its data is corrupt gets what
// the ZooKeeper admin guide prescribes: once a leader serves, its data
// directory is cleared so it resynchronises from that leader. That
// intervention is recorded in the history. A standalone server has no other copy: it stays down.
func (r *runner) supervise(f failure) {
	node := f.node
	_ = r.w.After(supervisorDelay, func() {
		if !r.w.Running(node) {
			return // the nemesis killed it meanwhile; its restart is the nemesis's
		}
		if r.host.paused[node] {
			// A paused process cannot exit; look again once it resumes.
			r.supervise(f)
			return
		}
		if f.kind == failedCorrupt {
			// The admin guide's remedy assumes a leader serving with a
			// quorum of the others, from which the cleared member takes
			// every committed txn. Cleared while there is none, its empty
			// vote can complete a quorum for a stale member: committed
			// txns lost (found by a run where the only other up-to-date
			// member was down). Wait for one.
			if l, ok := r.leader(); !ok || l == node {
				r.supervise(f)
				return
			}
		}
		if err := r.w.Crash(node, sim.CrashKeepAll); err != nil {
			return
		}
		if f.kind == failedCorrupt {
			// Clearing a majority of the voters would let an empty quorum
			// overwrite the surviving copy: an operator would restore from
			// backup instead. Leave such a node down. Observers do not
			// vote: clearing them is always safe.
			if r.isVoter(node) && !r.wiped[node] && r.wipedVoters() >= (r.s.Servers-1)/2 {
				return
			}
			r.wipe(node, f.reason)
		}
		_ = r.w.Restart(node)
	})
}

// isVoter reports whether node votes (observers follow the voters in
// r.servers).
func (r *runner) isVoter(node string) bool {
	i := slices.Index(r.servers, node)
	return i >= 0 && i < r.s.Servers
}

// wipedVoters counts the voters the supervisor cleared.
func (r *runner) wipedVoters() int {
	n := 0
	for node := range r.wiped {
		if r.isVoter(node) {
			n++
		}
	}
	return n
}

// wipe removes every file of a node's disk and records the intervention.
func (r *runner) wipe(node, reason string) {
	d, err := r.w.Disk(node)
	if err != nil {
		return
	}
	names, _ := d.List()
	for _, n := range names {
		_ = d.Remove(n)
	}
	if r.wiped == nil {
		r.wiped = map[string]bool{}
	}
	r.wiped[node] = true
	v, _ := history.EncodeValue(history.NemesisValue{Nodes: []string{node}, Detail: "operator cleared the data directory: " + reason})
	r.rec.ops.add(history.Op{Time: int64(r.w.Now()), Process: history.NemesisProcess, Type: history.Info, F: "wipe", Value: v})
	r.logs.intervention(r.w.Now(), node, "operator cleared the data directory: "+reason)
}

// leader is the node the nemesis calls "leader": a standalone server while
// it runs, else the running server that last announced it leads and serves.
func (r *runner) leader() (string, bool) {
	if len(r.servers) == 1 {
		return r.servers[0], r.w.Running(r.servers[0])
	}
	for _, s := range r.servers {
		if rc, ok := r.rec.role[s]; ok && rc.Role == "leader" && rc.Serving && r.w.Running(s) {
			return s, true
		}
	}
	return "", false
}

func (r *runner) planNemesis() error {
	sched, err := r.c.Plan(r.servers, r.w.Rand(scenario.PlanStream))
	if err != nil {
		return err
	}
	r.schedule = sched
	r.exec, err = nemesis.NewExecutor(sched, r.w.Rand(scenario.ExecutorStream))
	return err
}

// run drives the world: nemesis steps as they fall due, Finish at the end
// of Duration, then the workers' final phase until they are done.
func (r *runner) run(opts Options) error {
	r.scheduleNemesis()
	end := r.s.Duration.D()
	if err := r.w.Schedule(end, func() {
		for _, name := range r.workers {
			if c := r.live[name]; c != nil && r.w.Running(name) {
				c.Finish()
			}
		}
	}); err != nil {
		return err
	}
	settle := 2 * r.s.SessionTimeout.D()
	if err := r.w.Schedule(end+settle, func() {
		for _, name := range r.workers {
			if c := r.live[name]; c != nil && r.w.Running(name) {
				c.Final()
			}
		}
	}); err != nil {
		return err
	}
	if err := r.w.RunUntil(end + settle); err != nil {
		return err
	}
	timeout := opts.FinalTimeout
	if timeout == 0 {
		timeout = 4 * r.s.SessionTimeout.D()
	}
	deadline := end + settle + timeout
	ext := opts.FinalExtension
	if ext == 0 {
		ext = maxFinalExtension
	}
	hard := deadline + max(ext, 0)
	for r.anyUnfinished() && r.err == nil {
		if now := r.w.Now(); now >= deadline && (now >= hard || !r.allProgressing()) {
			break
		}
		if !r.w.Step() {
			return ErrStalled
		}
	}
	return r.err
}

// maxFinalExtension bounds how long the final phase may run past its
// deadline while every unfinished worker is still completing operations: a
// high offered load leaves much to read back (the durability workload reads
// every key it wrote), and a final phase cut off by the clock is an unknown
// verdict, not an answer. As Jepsen's final generators do, the run waits
// for workers that make progress; a stuck one ends it at the deadline.
const maxFinalExtension = 5 * time.Minute

// allProgressing reports whether every unfinished worker completed an
// operation within scenario.ProgressWindow.
func (r *runner) allProgressing() bool {
	now := int64(r.w.Now())
	for _, name := range r.workers {
		if !r.isUnfinished(name) {
			continue
		}
		if at, ok := r.rec.lastOK[name]; !ok || now-at > int64(scenario.ProgressWindow) {
			return false
		}
	}
	return true
}

// ErrStalled reports a world that ran out of events or hit its event limit.
var ErrStalled = errors.New("simrun: the world stopped (no events left or event limit reached)")

// unfinished lists the running workers whose final phase is not done: in
// the healed phase every worker must finish (liveness).
func (r *runner) unfinished() []string {
	var out []string
	for _, name := range r.workers {
		if r.isUnfinished(name) {
			out = append(out, name)
		}
	}
	return out
}

// progressing returns the workers of unfinished that completed an operation
// within scenario.ProgressWindow of the end of the run.
func (r *runner) progressing(unfinished []string) []string {
	var out []string
	for _, name := range unfinished {
		if at, ok := r.rec.lastOK[name]; ok && int64(r.w.Now())-at <= int64(scenario.ProgressWindow) {
			out = append(out, name)
		}
	}
	return out
}

// anyUnfinished reports whether unfinished() is non-empty, without building
// the list (run asks after every event of the final phase).
func (r *runner) anyUnfinished() bool {
	for _, name := range r.workers {
		if r.isUnfinished(name) {
			return true
		}
	}
	return false
}

func (r *runner) isUnfinished(name string) bool {
	c := r.live[name]
	return c != nil && r.w.Running(name) && !c.Done()
}

// scheduleNemesis arms a world function at the next due step, which applies
// it, records it and arms the one after.
func (r *runner) scheduleNemesis() {
	at, ok := r.exec.NextAt()
	if !ok {
		return
	}
	_ = r.w.Schedule(at, func() {
		evs, err := r.exec.Step(r.host, r.w.Now())
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("nemesis at %v: %w", r.w.Now(), err)
		}
		for _, ev := range evs {
			op := scenario.NemesisOp(ev)
			op.Time = int64(r.w.Now())
			r.rec.ops.add(op)
			r.logs.nemesis(r.w.Now(), ev)
		}
		r.scheduleNemesis()
	})
}

package server_test

// These tests run the standalone server inside the deterministic simulator
// with the deterministic client, through the real jute wire codec.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// step issues one operation; done must be called exactly once with a line
// describing the outcome, which goes into the transcript.
type step func(x *stepCtx, done func(line string))

// stepCtx is what a step may use.
type stepCtx struct {
	c      *client.Client
	env    proc.Env
	timers map[proc.TimerID]func()
}

// sleepTag tags a script's own timers.
type sleepTag struct{}

// scriptProc is a client process that runs steps one after another.
type scriptProc struct {
	cfg    client.Config
	steps  []step
	log    *[]string
	c      *client.Client
	x      *stepCtx
	events *[]string
}

func (p *scriptProc) Start(env proc.Env) {
	cfg := p.cfg
	cfg.OnEvent = func(ev client.Event) {
		if ev.Kind == client.EventWatch {
			*p.events = append(*p.events, fmt.Sprintf("event %v %s", ev.Type, ev.Path))
			*p.log = append(*p.log, fmt.Sprintf("  event %v %s", ev.Type, ev.Path))
		}
	}
	c, err := client.New(cfg)
	if err != nil {
		panic(err)
	}
	p.c = c
	p.x = &stepCtx{c: c, env: env, timers: map[proc.TimerID]func(){}}
	c.Start(env)
	p.next(0)
}

func (p *scriptProc) next(i int) {
	if i >= len(p.steps) {
		return
	}
	p.steps[i](p.x, func(line string) {
		*p.log = append(*p.log, line)
		p.next(i + 1)
	})
}

func (p *scriptProc) Handle(ev proc.Event) {
	if tf, ok := ev.(proc.TimerFired); ok {
		if _, mine := tf.Tag.(sleepTag); mine {
			f := p.x.timers[tf.ID]
			delete(p.x.timers, tf.ID)
			f()
			return
		}
	}
	p.c.Handle(ev)
}

func fmtResult(name string, r client.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s -> %s", name, r.Err.Name())
	if r.Path != "" {
		fmt.Fprintf(&b, " path=%s", r.Path)
	}
	if r.Data != nil {
		fmt.Fprintf(&b, " data=%q", r.Data)
	}
	if r.Stat != nil {
		fmt.Fprintf(&b, " version=%d cversion=%d numChildren=%d", r.Stat.Version, r.Stat.Cversion, r.Stat.NumChildren)
	}
	if r.Children != nil {
		fmt.Fprintf(&b, " children=%v", r.Children)
	}
	for _, m := range r.Multi {
		fmt.Fprintf(&b, " [%v %s %s]", m.Op, m.Err.Name(), m.Path)
	}
	return b.String()
}

func opStep(name string, f func(c *client.Client, cb func(client.Result))) step {
	return func(x *stepCtx, done func(string)) {
		f(x.c, func(r client.Result) { done(fmtResult(name, r)) })
	}
}

func create(path, data string, flags int32) step {
	return opStep("create "+path, func(c *client.Client, cb func(client.Result)) {
		c.Create(path, []byte(data), wire.OpenACLUnsafe, flags, cb)
	})
}

func get(path string, watch bool) step {
	return opStep("get "+path, func(c *client.Client, cb func(client.Result)) { c.GetData(path, watch, cb) })
}

func set(path, data string, version int32) step {
	return opStep(fmt.Sprintf("set %s v%d", path, version), func(c *client.Client, cb func(client.Result)) {
		c.SetData(path, []byte(data), version, cb)
	})
}

func del(path string, version int32) step {
	return opStep("delete "+path, func(c *client.Client, cb func(client.Result)) { c.Delete(path, version, cb) })
}

func children(path string, watch bool) step {
	return opStep("children "+path, func(c *client.Client, cb func(client.Result)) { c.GetChildren2(path, watch, cb) })
}

func exists(path string, watch bool) step {
	return opStep("exists "+path, func(c *client.Client, cb func(client.Result)) { c.Exists(path, watch, cb) })
}

// tb is what the world helpers need from a test (testing.T or rapid.T).
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

type world struct {
	t   tb
	w   *sim.World
	log []string
	evs []string
}

func newWorld(t *testing.T, seed uint64) *world {
	t.Helper()
	return newWorldCfg(t, seed, server.Config{ClientAddr: "s1:2181", TickTimeMS: 200, SnapCount: 50})
}

func newWorldRT(t tb, seed uint64) *world {
	t.Helper()
	return newWorldCfg(t, seed, server.Config{ClientAddr: "s1:2181", TickTimeMS: 200, SnapCount: 20})
}

func newWorldCfg(t tb, seed uint64, cfg server.Config) *world {
	t.Helper()
	w, err := sim.NewWorld(seed, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	f, err := server.Factory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A realistic fsync latency: acknowledging before it completes must be
	// observable as lost writes when a crash drops unsynced bytes.
	disk := sim.DiskOptions{SyncLatency: sim.UniformLatency(time.Millisecond, 4*time.Millisecond)}
	if err := w.AddNode("s1", f, sim.NodeOptions{Disk: disk}); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("s1"); err != nil {
		t.Fatal(err)
	}
	return &world{t: t, w: w}
}

func (w *world) addClient(name string, steps ...step) {
	w.t.Helper()
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: []string{"s1:2181"}, SessionTimeout: 2 * time.Second}, steps: steps, log: &w.log, events: &w.evs}
	}
	if err := w.w.AddNode(name, p, sim.NodeOptions{}); err != nil {
		w.t.Fatal(err)
	}
	if err := w.w.Start(name); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) run(d time.Duration) {
	w.t.Helper()
	if err := w.w.RunFor(d); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) expect(want string) {
	w.t.Helper()
	got := strings.Join(w.log, "\n")
	want = strings.TrimSpace(want)
	if got != want {
		w.t.Fatalf("transcript mismatch\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
}

func TestBasicOperations(t *testing.T) {
	w := newWorld(t, 1)
	w.addClient("c1",
		create("/a", "1", wire.FlagPersistent),
		create("/a", "x", wire.FlagPersistent),
		get("/a", false),
		set("/a", "2", 0),
		set("/a", "3", 0),
		create("/a/s-", "", wire.FlagPersistentSequential),
		create("/a/s-", "", wire.FlagPersistentSequential),
		children("/a", false),
		del("/a", -1),
		del("/a/s-0000000000", -1),
		children("/a", false),
		create("/nope/x", "", wire.FlagPersistent),
		create("bad", "", wire.FlagPersistent),
		get("/missing", false),
	)
	w.run(5 * time.Second)
	w.expect(`
create /a -> OK path=/a
create /a -> NODEEXISTS
get /a -> OK data="1" version=0 cversion=0 numChildren=0
set /a v0 -> OK version=1 cversion=0 numChildren=0
set /a v0 -> BADVERSION
create /a/s- -> OK path=/a/s-0000000000
create /a/s- -> OK path=/a/s-0000000001
children /a -> OK version=1 cversion=2 numChildren=2 children=[s-0000000000 s-0000000001]
delete /a -> NOTEMPTY
delete /a/s-0000000000 -> OK
children /a -> OK version=1 cversion=3 numChildren=1 children=[s-0000000001]
create /nope/x -> NONODE
create bad -> BADARGUMENTS
get /missing -> NONODE`)
}

func TestMulti(t *testing.T) {
	w := newWorld(t, 2)
	multi := func(name string, ops ...wire.Request) step {
		return opStep(name, func(c *client.Client, cb func(client.Result)) { c.Multi(ops, cb) })
	}
	w.addClient("c1",
		multi("multi ok",
			&wire.CreateRequest{Path: "/m", Data: []byte("0"), ACL: wire.OpenACLUnsafe},
			&wire.SetDataRequest{Path: "/m", Data: []byte("1"), Version: 0},
			&wire.CheckVersionRequest{Path: "/m", Version: 1}),
		multi("multi fail",
			&wire.SetDataRequest{Path: "/m", Data: []byte("2"), Version: -1},
			&wire.CheckVersionRequest{Path: "/m", Version: 7},
			&wire.DeleteRequest{Path: "/m", Version: -1}),
		get("/m", false),
	)
	w.run(5 * time.Second)
	w.expect(`
multi ok -> OK [create OK /m] [setData OK ] [check OK ]
multi fail -> BADVERSION [error OK ] [error BADVERSION ] [error RUNTIMEINCONSISTENCY ]
get /m -> OK data="1" version=1 cversion=0 numChildren=0`)
}

// A watch event reaches the client before the reply of any later read that
// sees the change.
func TestWatchBeforeData(t *testing.T) {
	w := newWorld(t, 3)
	w.addClient("c1",
		exists("/w", true),
		create("/w", "a", wire.FlagPersistent),
		get("/w", true),
		set("/w", "b", -1),
		get("/w", false),
	)
	w.run(5 * time.Second)
	w.expect(`
exists /w -> NONODE
  event NodeCreated /w
create /w -> OK path=/w
get /w -> OK data="a" version=0 cversion=0 numChildren=0
  event NodeDataChanged /w
set /w v-1 -> OK version=1 cversion=0 numChildren=0
get /w -> OK data="b" version=1 cversion=0 numChildren=0`)
}

func closeStep() step {
	return opStep("close", func(c *client.Client, cb func(client.Result)) { c.Close(cb) })
}

// Ephemerals go with closeSession and with expiry.
func TestEphemeralsCloseAndExpiry(t *testing.T) {
	w := newWorld(t, 4)
	w.addClient("c1", create("/e1", "", wire.FlagEphemeral), closeStep())
	w.addClient("c2", create("/e2", "", wire.FlagEphemeral))
	w.run(2 * time.Second)
	// Pause c2: it stops pinging, the server expires its session.
	if err := w.w.Pause("c2"); err != nil {
		t.Fatal(err)
	}
	w.run(8 * time.Second)
	w.addClient("c3", exists("/e1", false), exists("/e2", false))
	w.run(3 * time.Second)
	got := strings.Join(w.log, "\n")
	for _, want := range []string{"create /e1 -> OK", "create /e2 -> OK", "close -> OK", "exists /e1 -> NONODE", "exists /e2 -> NONODE"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in transcript:\n%s", want, got)
		}
	}
}

// Every acknowledged write survives a crash and restart of the server.
func TestCrashRecovery(t *testing.T) {
	for _, mode := range []sim.CrashMode{sim.CrashLoseUnsynced, sim.CrashKeepPrefix, sim.CrashTearLastWrite} {
		t.Run(mode.String(), func(t *testing.T) {
			w := newWorld(t, 5)
			var steps []step
			for i := 0; i < 120; i++ {
				steps = append(steps, create(fmt.Sprintf("/n%03d", i), "v", wire.FlagPersistent))
			}
			w.addClient("c1", steps...)
			w.run(300 * time.Millisecond)
			if err := w.w.Crash("s1", mode); err != nil {
				t.Fatal(err)
			}
			acked := 0
			for _, l := range w.log {
				if strings.HasSuffix(l, "-> OK path="+strings.Fields(l)[1]) {
					acked++
				}
			}
			if acked == 0 {
				t.Fatal("no write was acknowledged before the crash; the test proves nothing")
			}
			if err := w.w.Restart("s1"); err != nil {
				t.Fatal(err)
			}
			var checks []step
			for i := 0; i < acked; i++ {
				checks = append(checks, exists(fmt.Sprintf("/n%03d", i), false))
			}
			w.log = nil
			w.addClient("c2", checks...)
			w.run(10 * time.Second)
			for i, l := range w.log {
				if i < acked && !strings.Contains(l, "-> OK") {
					t.Fatalf("acknowledged write lost after %v crash: %s", mode, l)
				}
			}
			if len(w.log) < acked {
				t.Fatalf("only %d of %d checks completed", len(w.log), acked)
			}
		})
	}
}

func TestDeterministicTrace(t *testing.T) {
	run := func(seed uint64) (string, string) {
		w := newWorld(t, seed)
		w.addClient("c1", create("/d", "1", wire.FlagPersistent), set("/d", "2", -1), get("/d", true), create("/d/e", "", wire.FlagEphemeralSequential))
		w.addClient("c2", create("/x", "1", wire.FlagPersistent), del("/x", -1))
		w.run(3 * time.Second)
		return w.w.TraceHash(), strings.Join(w.log, "\n")
	}
	h1, l1 := run(7)
	h2, l2 := run(7)
	if h1 != h2 || l1 != l2 {
		t.Fatalf("same seed diverged: %s vs %s", h1, h2)
	}
	h3, _ := run(8)
	if h1 == h3 {
		t.Fatalf("different seeds gave the same trace hash %s", h1)
	}
}

func createTTL(path string, ttl time.Duration) step {
	return opStep("createTTL "+path, func(c *client.Client, cb func(client.Result)) {
		c.CreateTTL(path, nil, wire.OpenACLUnsafe, wire.FlagPersistentWithTTL, ttl, cb)
	})
}

func createContainer(path string) step {
	return opStep("createContainer "+path, func(c *client.Client, cb func(client.Result)) {
		c.CreateContainer(path, nil, wire.OpenACLUnsafe, cb)
	})
}

func pause(d time.Duration) step {
	return func(x *stepCtx, done func(string)) {
		id := x.env.After(d, sleepTag{})
		x.timers[id] = func() { done(fmt.Sprintf("waited %v", d)) }
	}
}

// TTL nodes are refused unless extended types are enabled, as in ZooKeeper.
func TestTTLDisabledByDefault(t *testing.T) {
	w := newWorld(t, 9)
	w.addClient("c1", createTTL("/t", time.Second))
	w.run(2 * time.Second)
	w.expect("createTTL /t -> UNIMPLEMENTED")
}

// ContainerManager deletes an emptied container and an expired TTL node.
func TestContainerAndTTLCleanup(t *testing.T) {
	w := newWorldCfg(t, 10, server.Config{ClientAddr: "s1:2181", TickTimeMS: 200, ExtendedTypesEnabled: true, ContainerCheckIntervalMS: 500})
	w.addClient("c1",
		createContainer("/c"),
		create("/c/x", "", wire.FlagPersistent),
		createContainer("/unused"),
		createTTL("/t", 300*time.Millisecond),
		del("/c/x", -1),
		exists("/c", false),
		pause(3*time.Second),
		exists("/c", false),
		exists("/unused", false),
		exists("/t", false),
	)
	w.run(10 * time.Second)
	w.expect(`
createContainer /c -> OK path=/c version=0 cversion=0 numChildren=0
create /c/x -> OK path=/c/x
createContainer /unused -> OK path=/unused version=0 cversion=0 numChildren=0
createTTL /t -> OK path=/t version=0 cversion=0 numChildren=0
delete /c/x -> OK
exists /c -> OK version=0 cversion=2 numChildren=0
waited 3s
exists /c -> NONODE
exists /unused -> OK version=0 cversion=0 numChildren=0
exists /t -> NONODE`)
}

package workloads

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

// Driver is what makes a worker one workload's worker. The base owns the
// client, timers, setup, history records and the Finish/Final protocol; the
// Driver owns the operations. A case study's package (studies/...) implements
// it and passes it to Define.
type Driver interface {
	// Setup lists the persistent znodes (parents first) every worker
	// ensures, idempotently, before its first operation. They are not
	// recorded: checkers take them as the initial state.
	Setup() []Znode
	// Step starts the worker's next operation. The base calls it after a
	// think time when nothing is outstanding and Finish was not called.
	// When the operation (or episode) is over the Driver calls b.Idle().
	Step(b *Base)
	// Final runs the final-phase operations and calls done when they are
	// over. The base calls it once, when the worker is idle after Final.
	Final(b *Base, done func())
	// Event sees every watch event and session state change of the
	// current client, after the client completed the ops it affects.
	Event(b *Base, ev client.Event)
}

// FinalWhileBusy is implemented by drivers whose final phase may start
// while an operation is still open (an election campaign can wait forever
// for its predecessor, and that is a legitimate end state).
type FinalWhileBusy interface{ FinalAnytime() bool }

// Znode is a persistent node created during setup.
type Znode struct {
	Path string
	Data []byte
}

// openOp is the worker's outstanding operation.
type openOp struct {
	f     string
	value json.RawMessage
}

// timerTag tags the base's timers; fn runs when the timer fires.
type timerTag struct {
	b  *Base
	fn func()
}

// base is the worker machinery every workload shares.
type Base struct {
	cfg   WorkerConfig
	index int
	name  string
	drv   Driver
	env   proc.Env
	c     Client // nil only while a crash is simulated (registry)

	retired []Client // closed or expired clients, still finishing ops
	pinned  []Client // one-server clients of the final phase
	// opClient, when set, is the client the current ops use instead of c
	// (records then carry its session).
	opClient Client

	process         int         // current process number; retired (+Workers) after info
	incarnationSync proc.SyncID // the Sync that makes the incarnation count durable
	open            *openOp     // outstanding operation, if any (points at openBuf)
	openBuf         openOp      // storage for open: one operation is open at a time
	counter         int64       // per-worker counter behind unique values
	// stepTag is the tag of every step timer, made once: the think-time
	// timer is armed once per operation.
	stepTag *timerTag
	idleFn  func() // b.Idle as a func value, made once (see idleFunc)

	ready        bool // setup done
	stepArmed    bool // a step timer is pending
	finished     bool // Finish or Final called
	finalWanted  bool // Final called
	finalStarted bool
	done         bool
}

// Env is the worker's environment: its clock, timers, disk and seeded
// random stream.
func (b *Base) Env() proc.Env { return b.env }

// Client is the worker's current client; nil while a simulated crash
// silences the worker (see AbandonClient).
func (b *Base) Client() Client { return b.c }

// Config is the worker's configuration, defaults filled in.
func (b *Base) Config() WorkerConfig { return b.cfg }

// Index is the worker's index in the run (0-based).
func (b *Base) Index() int { return b.index }

// Name names the worker in history values (WorkerConfig.Name, or the
// hosting node's name).
func (b *Base) Name() string { return b.name }

// SetOpClient makes cl the client the next operations go to (and whose
// session their records carry) instead of the current one; nil undoes it.
func (b *Base) SetOpClient(cl Client) { b.opClient = cl }

// Open is the f of the open (outstanding) operation, "" when none is open.
func (b *Base) Open() string {
	if b.open == nil {
		return ""
	}
	return b.open.f
}

func newBase(index int, cfg WorkerConfig, drv Driver) *Base {
	return &Base{cfg: cfg, index: index, drv: drv}
}

// Start implements proc.Process. Before its first operation a worker
// makes its incarnation count durable, so a worker restarted after a crash
// never reuses a process number of an earlier incarnation (whose last op
// may be open forever in the history).
func (b *Base) Start(env proc.Env) {
	b.env = env
	b.name = b.cfg.Name
	if b.name == "" {
		b.name = env.Name()
	}
	n := b.bumpIncarnation()
	b.process = b.cfg.ProcessBase + b.index + b.cfg.Workers*IncarnationStride*n
	// Unique values must stay unique across incarnations too: checkers
	// identify writes by value.
	b.counter = int64(n) * uniqueStride
	b.incarnationSync = env.Disk().Sync(incarnationFile)
}

// begin starts the client and setup once the incarnation count is durable.
func (b *Base) begin() {
	b.StartClient()
	b.runSetup(b.drv.Setup(), 0)
}

// incarnationFile holds how many times this worker node started.
const incarnationFile = "workload-incarnation"

// IncarnationStride is how many process-number retirements one incarnation
// may use before it could collide with the next incarnation's numbers.
const IncarnationStride = 100_000

// uniqueStride separates the unique values of successive incarnations.
const uniqueStride = 1 << 32

// bumpIncarnation reads the previous incarnation count from disk (none on
// a fresh disk), writes the next one and returns it.
func (b *Base) bumpIncarnation() int {
	n := 0
	if raw, err := b.env.Disk().ReadFile(incarnationFile); err == nil {
		prev, err := strconv.Atoi(string(raw))
		if err != nil {
			b.env.Logf("workloads: %s: corrupt %s %q; starting a new lineage at 1000", b.name, incarnationFile, raw)
			prev = 999 // far from any count a real run reaches
		}
		n = prev + 1
	}
	if err := b.env.Disk().WriteFile(incarnationFile, []byte(strconv.Itoa(n))); err != nil {
		b.env.Logf("workloads: %s: cannot record incarnation %d: %v", b.name, n, err)
	}
	return n
}

// Handle implements proc.Process: the base's own timers, then the current
// client. Events of an abandoned client are dropped, which is how a
// simulated broker crash silences its session.
func (b *Base) Handle(ev proc.Event) {
	if sd, ok := ev.(proc.SyncDone); ok && sd.File == incarnationFile && sd.ID == b.incarnationSync {
		if sd.Err != nil { // not durable yet: try again rather than risk reuse
			b.env.Logf("workloads: %s: sync %s: %v; retrying", b.name, incarnationFile, sd.Err)
			b.incarnationSync = b.env.Disk().Sync(incarnationFile)
			return
		}
		b.begin()
		return
	}
	if tf, ok := ev.(proc.TimerFired); ok {
		if tag, mine := tf.Tag.(*timerTag); mine && tag.b == b {
			tag.fn()
			return
		}
	}
	b.route(ev, nil, nil)
}

// route offers an event to the current, retired and pinned clients in
// turn until one claims it. It is ev, or else *recv or *tf (unboxed, from
// HandleReceived and HandleTimer): clients with fast handlers (see
// fastClient) take those unboxed, others get them boxed.
func (b *Base) route(ev proc.Event, recv *proc.Received, tf *proc.TimerFired) {
	if b.c != nil && offer(b.c, ev, recv, tf) {
		return
	}
	for _, cl := range b.retired {
		if offer(cl, ev, recv, tf) {
			return
		}
	}
	for _, cl := range b.pinned {
		if offer(cl, ev, recv, tf) {
			return
		}
	}
}

// fastClient is a Client that takes the hottest events unboxed (the
// deterministic client does).
type fastClient interface {
	HandleReceived(ev proc.Received) bool
	HandleTimer(ev proc.TimerFired) bool
}

// offer hands one event to cl (see route) and reports whether cl claimed it.
func offer(cl Client, ev proc.Event, recv *proc.Received, tf *proc.TimerFired) bool {
	fc, fast := cl.(fastClient)
	switch {
	case recv != nil && fast:
		return fc.HandleReceived(*recv)
	case recv != nil:
		return cl.Handle(*recv)
	case tf != nil && fast:
		return fc.HandleTimer(*tf)
	case tf != nil:
		return cl.Handle(*tf)
	}
	return cl.Handle(ev)
}

// HandleReceived implements proc.ReceivedHandler: Handle without boxing.
func (b *Base) HandleReceived(ev proc.Received) { b.route(nil, &ev, nil) }

// HandleTimer implements proc.TimerHandler: Handle without boxing.
func (b *Base) HandleTimer(ev proc.TimerFired) {
	if tag, mine := ev.Tag.(*timerTag); mine && tag.b == b {
		tag.fn()
		return
	}
	b.route(nil, nil, &ev)
}

// Finish implements Worker.
func (b *Base) Finish() { b.finished = true }

// Final implements Worker.
func (b *Base) Final() {
	b.finished, b.finalWanted = true, true
	b.tryFinal()
}

// Done implements Worker. A reaction still in flight after the final phase
// (a re-read triggered by a watch event) keeps it false.
func (b *Base) Done() bool { return b.done && (b.open == nil || b.finalAnytime()) }

// finalAnytime reports whether the driver's final phase may start while an
// operation is open (FinalWhileBusy).
func (b *Base) finalAnytime() bool {
	fa, ok := b.drv.(FinalWhileBusy)
	return ok && fa.FinalAnytime()
}

// After runs fn once d has elapsed on the local clock.
func (b *Base) After(d time.Duration, fn func()) proc.TimerID {
	return b.env.After(d, &timerTag{b: b, fn: fn})
}

// Uniform draws a duration in [lo, hi].
func (b *Base) Uniform(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(b.env.Rand().Int64N(int64(hi-lo)+1))
}

func (b *Base) think() time.Duration { return b.Uniform(b.cfg.ThinkMin, b.cfg.ThinkMax) }

// Unique returns a value no other worker of the run, and no other
// incarnation of this one, ever returns (given distinct indexes and one
// Workers count), increasing per worker. (v-1) mod Workers is the index.
func (b *Base) Unique() int64 {
	b.counter++
	return b.counter*int64(b.cfg.Workers) + int64(b.index) + 1
}

// --- client lifecycle ---

// StartClient starts a new current client (a new session), whose events
// reach the driver's Event.
func (b *Base) StartClient() {
	var cl Client
	cl, err := b.cfg.newClient(client.Config{
		Servers:        b.cfg.Servers,
		Shuffle:        true,
		SessionTimeout: b.cfg.SessionTimeout,
		OpTimeout:      b.cfg.OpTimeout,
		OnEvent:        func(ev client.Event) { b.onEvent(cl, ev) },
	})
	if err != nil { // withDefaults rules this out; never panic on config
		b.env.Logf("workloads: %s: client: %v", b.name, err)
		return
	}
	b.c = cl
	cl.Start(b.env)
}

func (b *Base) onEvent(cl Client, ev client.Event) {
	if cl != b.c {
		return
	}
	b.drv.Event(b, ev)
	if ev.Kind == client.EventExpired && b.c == cl {
		// The session is gone for good: continue with a new one.
		b.Retire()
		b.StartClient()
	}
}

// Retire moves the current client to the retired list: it gets no new
// ops, but still sees events, so ops it refuses (on a zero-delay timer) and
// its closeSession reply complete. The list is bounded: a retired client
// finishes within one op timeout.
func (b *Base) Retire() {
	if b.c == nil {
		return
	}
	b.retired = append(b.retired, b.c)
	if len(b.retired) > maxRetired {
		b.retired = b.retired[len(b.retired)-maxRetired:]
	}
	b.c = nil
}

// maxRetired bounds the retired clients a worker keeps routing events to.
const maxRetired = 4

// CloseClient ends the current session cleanly (deleting its ephemerals)
// and starts a new client at once. Used when an indeterminate create may
// have left an ephemeral node behind.
func (b *Base) CloseClient() {
	if cl := b.c; cl != nil {
		b.Retire() // first: events of the closing client are no longer ours
		cl.Close(nil)
	}
	b.StartClient()
}

// AbandonClient silences the current client without closing its session,
// as a crashed process would: its connection stays open but unanswered
// and its pings stop, so the server expires the session.
func (b *Base) AbandonClient() {
	if a, ok := b.c.(Abandoner); ok {
		a.Abandon()
	}
	b.c = nil
}

// PinnedClient starts a client bound to one server (no failover), so
// final reads can be taken from every server of an ensemble.
func (b *Base) PinnedClient(server string) Client {
	cl, err := b.cfg.newClient(client.Config{Servers: []string{server}, SessionTimeout: b.cfg.SessionTimeout, OpTimeout: b.cfg.OpTimeout})
	if err != nil { // a non-empty list cannot fail; never panic on config
		b.env.Logf("workloads: %s: pinned client: %v", b.name, err)
		return nil
	}
	b.pinned = append(b.pinned, cl)
	cl.Start(b.env)
	return cl
}

// ops returns the client operations go to.
func (b *Base) ops() Client {
	if b.opClient != nil {
		return b.opClient
	}
	return b.c
}

// SessionID is the session of the client operations go to (0 if none).
func (b *Base) SessionID() int64 {
	if cl := b.ops(); cl != nil {
		return cl.SessionID()
	}
	return 0
}

// --- setup ---

// runSetup creates nodes[i:] one by one; NODEEXISTS counts as done, other
// failures are retried.
func (b *Base) runSetup(nodes []Znode, i int) {
	if i == len(nodes) {
		b.ready = true
		b.Idle()
		return
	}
	if b.c == nil {
		b.After(RetryDelay, func() { b.runSetup(nodes, i) })
		return
	}
	n := nodes[i]
	b.c.Create(n.Path, n.Data, wire.OpenACLUnsafe, wire.FlagPersistent, func(r client.Result) {
		if r.Err == wire.ErrOK || r.Err == wire.ErrNodeExists {
			b.runSetup(nodes, i+1)
			return
		}
		b.env.Logf("workloads: %s: setup %s: %s; retrying", b.name, n.Path, r.Err.Name())
		b.After(RetryDelay, func() { b.runSetup(nodes, i) })
	})
}

// --- scheduling ---

// Idle tells the base the driver finished its operation or episode: the
// final phase starts if it was asked for, else the next step is scheduled.
func (b *Base) Idle() {
	if b.finalWanted {
		b.tryFinal()
		return
	}
	if b.finished || b.stepArmed || !b.ready {
		return
	}
	b.stepArmed = true
	b.env.After(b.think(), b.stepTimerTag())
}

// IdleFunc returns b.Idle as a func value; drivers pass it as an
// operation's continuation, and a method value allocates every time.
func (b *Base) IdleFunc() func() {
	if b.idleFn == nil {
		b.idleFn = b.Idle
	}
	return b.idleFn
}

// stepTimerTag returns the (immutable, shared) tag of step timers.
func (b *Base) stepTimerTag() *timerTag {
	if b.stepTag == nil {
		b.stepTag = &timerTag{b: b, fn: b.fireStep}
	}
	return b.stepTag
}

func (b *Base) fireStep() {
	b.stepArmed = false
	if b.finished || b.open != nil {
		b.Idle()
		return
	}
	if b.c == nil { // a simulated crash
		b.stepArmed = true
		b.env.After(RetryDelay, b.stepTimerTag())
		return
	}
	b.drv.Step(b)
}

func (b *Base) tryFinal() {
	if !b.finalWanted || b.finalStarted || !b.ready {
		return
	}
	if b.open != nil && !b.finalAnytime() {
		return
	}
	b.finalStarted = true
	b.drv.Final(b, func() { b.done = true })
}

// --- history records ---

func (b *Base) emit(t history.Type, f string, value json.RawMessage, res *client.Result, errName string) {
	op := history.Op{Process: b.process, Type: t, F: f, Value: value, Session: b.SessionID(), Error: errName}
	if res != nil {
		op.Node, op.Zxid = res.Server, res.Zxid
		if op.Error == "" && t != history.OK && res.Err != wire.ErrOK {
			op.Error = ErrorName(res.Err)
		}
	}
	b.env.Emit(op)
}

// Encode encodes a history value (nil, logged, if it cannot).
func (b *Base) Encode(v any) json.RawMessage {
	if rv, ok := v.(history.RegisterValue); ok {
		return rv.Encode() // no reflection; see invokeRaw for the unboxed path
	}
	raw, err := history.EncodeValue(v)
	if err != nil {
		b.env.Logf("workloads: %s: cannot encode %T: %v", b.name, v, err)
		return nil
	}
	return raw
}

// Invoke records the invocation of f and makes it the open operation.
func (b *Base) Invoke(f string, v any) {
	if b.open != nil {
		b.abandonOpen(f)
	}
	b.InvokeRaw(f, b.Encode(v))
}

// InvokeRaw is invoke with the value already encoded (drivers on the hot
// path encode without boxing the value into an interface).
func (b *Base) InvokeRaw(f string, raw json.RawMessage) {
	if b.open != nil {
		b.abandonOpen(f)
	}
	b.openBuf = openOp{f: f, value: raw}
	b.open = &b.openBuf
	b.emit(history.Invoke, f, raw, nil, "")
}

// abandonOpen completes the open operation as info before f is invoked.
func (b *Base) abandonOpen(f string) {
	// A driver bug; keep the history well formed rather than panic.
	b.env.Logf("workloads: %s: invoke %s while %s is open; completing it as info", b.name, f, b.open.f)
	b.Complete(history.Info, nil, nil, "abandoned")
}

// Complete records the open operation's completion. v nil repeats the
// invocation's value; res supplies node, zxid and the error name unless
// errName overrides it. An info completion retires the process number.
func (b *Base) Complete(t history.Type, v any, res *client.Result, errName string) {
	if b.open == nil {
		b.env.Logf("workloads: %s: completion %s with nothing open; dropped", b.name, t)
		return
	}
	raw := b.open.value
	if v != nil {
		raw = b.Encode(v)
	}
	b.CompleteRaw(t, raw, res, errName)
}

// CompleteRaw is complete with the completion's value already encoded (nil
// for none: unlike complete, it does not repeat the invocation's value).
func (b *Base) CompleteRaw(t history.Type, raw json.RawMessage, res *client.Result, errName string) {
	if b.open == nil {
		b.env.Logf("workloads: %s: completion %s with nothing open; dropped", b.name, t)
		return
	}
	b.emit(t, b.open.f, raw, res, errName)
	b.open = nil
	if t == history.Info {
		b.process += b.cfg.Workers
	}
}

// EventProcess is the last process number of the worker's incarnation
// range, which its retirements (one per info op) never reach: watch-event
// records go there, since an operation of the worker may be open.
func (b *Base) EventProcess() int {
	span := b.cfg.Workers * IncarnationStride
	first := b.cfg.ProcessBase + b.index
	incarnation := (b.process - first) / span
	return first + incarnation*span + b.cfg.Workers*(IncarnationStride-1)
}

// Notify records something the worker was told (a watch event, a session
// state change) as an invoke and an ok back to back on its event process.
func (b *Base) Notify(raw json.RawMessage, session int64, node string, zxid int64) {
	op := history.Op{Process: b.EventProcess(), F: history.FNotify, Value: raw, Session: session, Node: node}
	if zxid > 0 {
		op.Zxid = zxid
	}
	op.Type = history.Invoke
	b.env.Emit(op)
	op.Type = history.OK
	b.env.Emit(op)
}

// Instant records an operation that happened at one moment (an invoke and
// its ok back to back), such as a lost lock or an observed expiry.
func (b *Base) Instant(f string, v any) {
	b.Invoke(f, v)
	b.Complete(history.OK, nil, nil, "")
}

// ErrorName is a reply error's name in history records ("timeout" for an
// operation timeout).
func ErrorName(e wire.Err) string {
	if e == wire.ErrOperationTimeout {
		return "timeout"
	}
	return e.Name()
}

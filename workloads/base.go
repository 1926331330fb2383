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

// driver is what makes a worker one workload's worker. The base owns the
// client, timers, setup, history records and the Finish/Final protocol; the
// driver owns the operations.
type driver interface {
	// setup lists the persistent znodes (parents first) every worker
	// ensures, idempotently, before its first operation. They are not
	// recorded: checkers take them as the initial state.
	setup() []znode
	// step starts the worker's next operation. The base calls it after a
	// think time when nothing is outstanding and Finish was not called.
	// When the operation (or episode) is over the driver calls b.idle().
	step(b *base)
	// final runs the final-phase operations and calls done when they are
	// over. The base calls it once, when the worker is idle after Final.
	final(b *base, done func())
	// event sees every watch event and session state change of the
	// current client, after the client completed the ops it affects.
	event(b *base, ev client.Event)
}

// finalWhileBusy is implemented by drivers whose final phase may start
// while an operation is still open (an election campaign can wait forever
// for its predecessor, and that is a legitimate end state).
type finalWhileBusy interface{ finalAnytime() bool }

// znode is a persistent node created during setup.
type znode struct {
	path string
	data []byte
}

// openOp is the worker's outstanding operation.
type openOp struct {
	f     string
	value json.RawMessage
}

// timerTag tags the base's timers; fn runs when the timer fires.
type timerTag struct {
	b  *base
	fn func()
}

// base is the worker machinery every workload shares.
type base struct {
	cfg   WorkerConfig
	index int
	name  string
	drv   driver
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
	idleFn  func() // b.idle as a func value, made once (see idleFunc)

	ready        bool // setup done
	stepArmed    bool // a step timer is pending
	finished     bool // Finish or Final called
	finalWanted  bool // Final called
	finalStarted bool
	done         bool
}

func newBase(index int, cfg WorkerConfig, drv driver) *base {
	return &base{cfg: cfg, index: index, drv: drv}
}

// Start implements proc.Process. Before its first operation a worker
// makes its incarnation count durable, so a worker restarted after a crash
// never reuses a process number of an earlier incarnation (whose last op
// may be open forever in the history).
func (b *base) Start(env proc.Env) {
	b.env = env
	b.name = b.cfg.Name
	if b.name == "" {
		b.name = env.Name()
	}
	n := b.bumpIncarnation()
	b.process = b.cfg.ProcessBase + b.index + b.cfg.Workers*incarnationStride*n
	// Unique values must stay unique across incarnations too: checkers
	// identify writes by value.
	b.counter = int64(n) * uniqueStride
	b.incarnationSync = env.Disk().Sync(incarnationFile)
}

// begin starts the client and setup once the incarnation count is durable.
func (b *base) begin() {
	b.newClient()
	b.runSetup(b.drv.setup(), 0)
}

// incarnationFile holds how many times this worker node started.
const incarnationFile = "workload-incarnation"

// incarnationStride is how many process-number retirements one incarnation
// may use before it could collide with the next incarnation's numbers.
const incarnationStride = 100_000

// uniqueStride separates the unique values of successive incarnations.
const uniqueStride = 1 << 32

// bumpIncarnation reads the previous incarnation count from disk (none on
// a fresh disk), writes the next one and returns it.
func (b *base) bumpIncarnation() int {
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
func (b *base) Handle(ev proc.Event) {
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
func (b *base) route(ev proc.Event, recv *proc.Received, tf *proc.TimerFired) {
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
func (b *base) HandleReceived(ev proc.Received) { b.route(nil, &ev, nil) }

// HandleTimer implements proc.TimerHandler: Handle without boxing.
func (b *base) HandleTimer(ev proc.TimerFired) {
	if tag, mine := ev.Tag.(*timerTag); mine && tag.b == b {
		tag.fn()
		return
	}
	b.route(nil, nil, &ev)
}

// Finish implements Worker.
func (b *base) Finish() { b.finished = true }

// Final implements Worker.
func (b *base) Final() {
	b.finished, b.finalWanted = true, true
	b.tryFinal()
}

// Done implements Worker. A reaction still in flight after the final phase
// (a re-read triggered by a watch event) keeps it false.
func (b *base) Done() bool { return b.done && (b.open == nil || b.finalAnytime()) }

func (b *base) finalAnytime() bool {
	fa, ok := b.drv.(finalWhileBusy)
	return ok && fa.finalAnytime()
}

// after runs fn once d has elapsed on the local clock.
func (b *base) after(d time.Duration, fn func()) proc.TimerID {
	return b.env.After(d, &timerTag{b: b, fn: fn})
}

// uniform draws a duration in [lo, hi].
func (b *base) uniform(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(b.env.Rand().Int64N(int64(hi-lo)+1))
}

func (b *base) think() time.Duration { return b.uniform(b.cfg.ThinkMin, b.cfg.ThinkMax) }

// unique returns a value no other worker of the run, and no other
// incarnation of this one, ever returns (given distinct indexes and one
// Workers count), increasing per worker. (v-1) mod Workers is the index.
func (b *base) unique() int64 {
	b.counter++
	return b.counter*int64(b.cfg.Workers) + int64(b.index) + 1
}

// --- client lifecycle ---

func (b *base) newClient() {
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

func (b *base) onEvent(cl Client, ev client.Event) {
	if cl != b.c {
		return
	}
	b.drv.event(b, ev)
	if ev.Kind == client.EventExpired && b.c == cl {
		// The session is gone for good: continue with a new one.
		b.retire()
		b.newClient()
	}
}

// retire moves the current client to the retired list: it gets no new
// ops, but still sees events, so ops it refuses (on a zero-delay timer) and
// its closeSession reply complete. The list is bounded: a retired client
// finishes within one op timeout.
func (b *base) retire() {
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

// closeClient ends the current session cleanly (deleting its ephemerals)
// and starts a new client at once. Used when an indeterminate create may
// have left an ephemeral node behind.
func (b *base) closeClient() {
	if cl := b.c; cl != nil {
		b.retire() // first: events of the closing client are no longer ours
		cl.Close(nil)
	}
	b.newClient()
}

// abandonClient silences the current client without closing its session,
// as a crashed process would: its connection stays open but unanswered
// and its pings stop, so the server expires the session.
func (b *base) abandonClient() {
	if a, ok := b.c.(Abandoner); ok {
		a.Abandon()
	}
	b.c = nil
}

// pinnedClient starts a client bound to one server (no failover), so
// final reads can be taken from every server of an ensemble.
func (b *base) pinnedClient(server string) Client {
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
func (b *base) ops() Client {
	if b.opClient != nil {
		return b.opClient
	}
	return b.c
}

func (b *base) sessionID() int64 {
	if cl := b.ops(); cl != nil {
		return cl.SessionID()
	}
	return 0
}

// --- setup ---

// runSetup creates nodes[i:] one by one; NODEEXISTS counts as done, other
// failures are retried.
func (b *base) runSetup(nodes []znode, i int) {
	if i == len(nodes) {
		b.ready = true
		b.idle()
		return
	}
	if b.c == nil {
		b.after(retryDelay, func() { b.runSetup(nodes, i) })
		return
	}
	n := nodes[i]
	b.c.Create(n.path, n.data, wire.OpenACLUnsafe, wire.FlagPersistent, func(r client.Result) {
		if r.Err == wire.ErrOK || r.Err == wire.ErrNodeExists {
			b.runSetup(nodes, i+1)
			return
		}
		b.env.Logf("workloads: %s: setup %s: %s; retrying", b.name, n.path, r.Err.Name())
		b.after(retryDelay, func() { b.runSetup(nodes, i) })
	})
}

// --- scheduling ---

// idle tells the base the driver finished its operation or episode: the
// final phase starts if it was asked for, else the next step is scheduled.
func (b *base) idle() {
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

// idleFunc returns b.idle as a func value; drivers pass it as an
// operation's continuation, and a method value allocates every time.
func (b *base) idleFunc() func() {
	if b.idleFn == nil {
		b.idleFn = b.idle
	}
	return b.idleFn
}

// stepTimerTag returns the (immutable, shared) tag of step timers.
func (b *base) stepTimerTag() *timerTag {
	if b.stepTag == nil {
		b.stepTag = &timerTag{b: b, fn: b.fireStep}
	}
	return b.stepTag
}

func (b *base) fireStep() {
	b.stepArmed = false
	if b.finished || b.open != nil {
		b.idle()
		return
	}
	if b.c == nil { // a simulated crash
		b.stepArmed = true
		b.env.After(retryDelay, b.stepTimerTag())
		return
	}
	b.drv.step(b)
}

func (b *base) tryFinal() {
	if !b.finalWanted || b.finalStarted || !b.ready {
		return
	}
	if b.open != nil && !b.finalAnytime() {
		return
	}
	b.finalStarted = true
	b.drv.final(b, func() { b.done = true })
}

// --- history records ---

func (b *base) emit(t history.Type, f string, value json.RawMessage, res *client.Result, errName string) {
	op := history.Op{Process: b.process, Type: t, F: f, Value: value, Session: b.sessionID(), Error: errName}
	if res != nil {
		op.Node, op.Zxid = res.Server, res.Zxid
		if op.Error == "" && t != history.OK && res.Err != wire.ErrOK {
			op.Error = errorName(res.Err)
		}
	}
	b.env.Emit(op)
}

func (b *base) encode(v any) json.RawMessage {
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

// invoke records the invocation of f and makes it the open operation.
func (b *base) invoke(f string, v any) {
	if b.open != nil {
		b.abandonOpen(f)
	}
	b.invokeRaw(f, b.encode(v))
}

// invokeRaw is invoke with the value already encoded (drivers on the hot
// path encode without boxing the value into an interface).
func (b *base) invokeRaw(f string, raw json.RawMessage) {
	if b.open != nil {
		b.abandonOpen(f)
	}
	b.openBuf = openOp{f: f, value: raw}
	b.open = &b.openBuf
	b.emit(history.Invoke, f, raw, nil, "")
}

// abandonOpen completes the open operation as info before f is invoked.
func (b *base) abandonOpen(f string) {
	// A driver bug; keep the history well formed rather than panic.
	b.env.Logf("workloads: %s: invoke %s while %s is open; completing it as info", b.name, f, b.open.f)
	b.complete(history.Info, nil, nil, "abandoned")
}

// complete records the open operation's completion. v nil repeats the
// invocation's value; res supplies node, zxid and the error name unless
// errName overrides it. An info completion retires the process number.
func (b *base) complete(t history.Type, v any, res *client.Result, errName string) {
	if b.open == nil {
		b.env.Logf("workloads: %s: completion %s with nothing open; dropped", b.name, t)
		return
	}
	raw := b.open.value
	if v != nil {
		raw = b.encode(v)
	}
	b.completeRaw(t, raw, res, errName)
}

// completeRaw is complete with the completion's value already encoded (nil
// for none: unlike complete, it does not repeat the invocation's value).
func (b *base) completeRaw(t history.Type, raw json.RawMessage, res *client.Result, errName string) {
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

// eventProcess is the last process number of the worker's incarnation
// range, which its retirements (one per info op) never reach: watch-event
// records go there, since an operation of the worker may be open.
func (b *base) eventProcess() int {
	span := b.cfg.Workers * incarnationStride
	first := b.cfg.ProcessBase + b.index
	incarnation := (b.process - first) / span
	return first + incarnation*span + b.cfg.Workers*(incarnationStride-1)
}

// notify records something the worker was told (a watch event, a session
// state change) as an invoke and an ok back to back on its event process.
func (b *base) notify(raw json.RawMessage, session int64, node string, zxid int64) {
	op := history.Op{Process: b.eventProcess(), F: history.FNotify, Value: raw, Session: session, Node: node}
	if zxid > 0 {
		op.Zxid = zxid
	}
	op.Type = history.Invoke
	b.env.Emit(op)
	op.Type = history.OK
	b.env.Emit(op)
}

// instant records an operation that happened at one moment (an invoke and
// its ok back to back), such as a lost lock or an observed expiry.
func (b *base) instant(f string, v any) {
	b.invoke(f, v)
	b.complete(history.OK, nil, nil, "")
}

func errorName(e wire.Err) string {
	if e == wire.ErrOperationTimeout {
		return "timeout"
	}
	return e.Name()
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live/zkclient"
)

// Op is one operation a benchmark phase runs.
type Op string

// Benchmark operations.
const (
	OpCreate  Op = "create"  // a new persistent znode per request
	OpSetData Op = "setData" // overwrite the client's znode
	OpGetData Op = "getData" // read the client's znode
	OpMixed   Op = "mixed"   // 90% getData, 10% setData, drawn per request
)

// mixedWriteShare is the share of setData in OpMixed, the read-heavy
// ratio ZooKeeper's own benchmarks and most deployments report.
const mixedWriteShare = 0.10

// Options configure a closed-loop load: Clients sessions, each with one
// request outstanding at a time, run each op in turn for Duration against
// Znodes znodes under Root. Client i talks to Servers[i mod len(Servers)]
// only (an ensemble's load is spread evenly, as in ZooKeeper's own
// benchmarks) and uses znode i mod Znodes; creates go to new znodes under
// Root, named after the client count, the client and a counter.
type Options struct {
	Servers   []string      // client addresses, at least one
	Clients   int           // default 16
	Duration  time.Duration // per op, default 10 s
	Warmup    time.Duration // per op, not measured; default 1 s, negative for none
	Znodes    int           // default 16
	DataBytes int           // setData payload, default 64
	Ops       []Op          // default setData then getData
	Root      string        // default /zabsim-bench
	// SessionTimeout is the clients' requested session timeout (default 10 s).
	SessionTimeout time.Duration

	_ struct{}
}

func (o Options) withDefaults() Options {
	if o.Clients <= 0 {
		o.Clients = 16
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup < 0 {
		o.Warmup = 0
	} else if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	if o.Znodes <= 0 {
		o.Znodes = 16
	}
	if o.DataBytes <= 0 {
		o.DataBytes = 64
	}
	if len(o.Ops) == 0 {
		o.Ops = []Op{OpSetData, OpGetData}
	}
	if o.Root == "" {
		o.Root = "/zabsim-bench"
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 10 * time.Second
	}
	return o
}

// Result is one op phase's outcome.
type Result struct {
	Op      Op
	Clients int
	Ops     int64         // successful operations started in the measured window
	Errors  int64         // failed operations started in the window (any error)
	Elapsed time.Duration // measured window
	// Latency quantiles of successful operations (nearest rank).
	P50, P99, P999 time.Duration
	Max            time.Duration
}

// Throughput is successful operations per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// ParseOps parses a comma-separated op list ("setData,getData"; "set"
// and "get" are accepted too).
func ParseOps(list string) ([]Op, error) {
	var ops []Op
	for _, f := range strings.Split(list, ",") {
		switch strings.TrimSpace(f) {
		case "set", "setData":
			ops = append(ops, OpSetData)
		case "get", "getData":
			ops = append(ops, OpGetData)
		case "create":
			ops = append(ops, OpCreate)
		case "mixed":
			ops = append(ops, OpMixed)
		case "":
		default:
			return nil, fmt.Errorf("unknown bench op %q (known: create, setData, getData, mixed)", f)
		}
	}
	if len(ops) == 0 {
		return nil, errors.New("no bench ops given")
	}
	return ops, nil
}

// Run connects the clients, creates the znodes, runs every op phase
// and closes the sessions. It stops early, with what it measured so far,
// when ctx is cancelled.
func Run(ctx context.Context, opts Options) ([]Result, error) {
	opts = opts.withDefaults()
	if len(opts.Servers) == 0 {
		return nil, errors.New("live: bench needs at least one server address")
	}
	conns, err := benchConnect(opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err := benchSetup(conns[0], opts); err != nil {
		return nil, err
	}
	var results []Result
	for _, op := range opts.Ops {
		if ctx.Err() != nil {
			break
		}
		results = append(results, benchPhase(ctx, conns, op, opts))
		if len(results) < len(opts.Ops) && ctx.Err() == nil {
			time.Sleep(benchSettle) // let the previous phase's tail (fsyncs, GC) drain
		}
	}
	return results, ctx.Err()
}

func benchConnect(opts Options) ([]*zk.Conn, error) {
	conns := make([]*zk.Conn, 0, opts.Clients)
	fail := func(err error) ([]*zk.Conn, error) {
		for _, c := range conns {
			c.Close()
		}
		return nil, err
	}
	for i := range opts.Clients {
		addr := opts.Servers[i%len(opts.Servers)]
		c, events, err := zk.Connect([]string{addr}, opts.SessionTimeout,
			zk.WithLogInfo(false), zk.WithLogger(zkclient.QuietLogger{}), zk.WithDialer(net.DialTimeout))
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
		if err := zkclient.WaitSession(events, 10*time.Second); err != nil {
			return fail(fmt.Errorf("live: bench client %d on %s: %w", i, addr, err))
		}
	}
	return conns, nil
}

// benchSettle is the pause between op phases.
const benchSettle = 500 * time.Millisecond

func benchZnode(opts Options, i int) string {
	return fmt.Sprintf("%s/n%04d", opts.Root, i%opts.Znodes)
}

func benchSetup(c *zk.Conn, opts Options) error {
	data := make([]byte, opts.DataBytes)
	for i := -1; i < opts.Znodes; i++ {
		path := opts.Root
		if i >= 0 {
			path = benchZnode(opts, i)
		}
		if _, err := c.Create(path, data, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("live: bench setup %s: %w", path, err)
		}
	}
	return nil
}

// benchPhase runs one op on every client: a warm-up, then the measured
// window. Latencies are kept per client and merged after the window.
func benchPhase(ctx context.Context, conns []*zk.Conn, op Op, opts Options) Result {
	start := time.Now()
	measureFrom := start.Add(opts.Warmup)
	end := measureFrom.Add(opts.Duration)
	lat := make([][]time.Duration, len(conns))
	errs := make([]int64, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		w := benchWorker{conn: c, op: op, path: benchZnode(opts, i), data: make([]byte, opts.DataBytes),
			createPrefix: fmt.Sprintf("%s/c%d-%d-", opts.Root, len(conns), i),
			rng:          rand.New(rand.NewPCG(uint64(i), uint64(len(conns))))}
		wg.Go(func() { lat[i], errs[i] = w.run(ctx, measureFrom, end) })
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	if time.Now().After(end) {
		elapsed = opts.Duration
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	res := Result{Op: op, Clients: len(conns), Ops: int64(len(all)), Elapsed: elapsed}
	for _, e := range errs {
		res.Errors += e
	}
	if len(all) > 0 {
		res.P50, res.P99, res.P999 = latencyQuantile(all, 0.50), latencyQuantile(all, 0.99), latencyQuantile(all, 0.999)
		res.Max = all[len(all)-1]
	}
	return res
}

// benchWorker is one client's closed loop.
type benchWorker struct {
	conn         *zk.Conn
	op           Op
	path         string // the client's znode (setData, getData, mixed)
	createPrefix string // creates go to createPrefix + counter
	data         []byte
	rng          *rand.Rand // mixed's read/write draw; the client's own
	created      int
}

func (w *benchWorker) do() error {
	var err error
	switch w.op {
	case OpCreate:
		w.created++
		_, err = w.conn.Create(w.createPrefix+strconv.Itoa(w.created), w.data, 0, zk.WorldACL(zk.PermAll))
	case OpSetData:
		_, err = w.conn.Set(w.path, w.data, -1)
	case OpMixed:
		if w.rng.Float64() < mixedWriteShare {
			_, err = w.conn.Set(w.path, w.data, -1)
		} else {
			_, _, err = w.conn.Get(w.path)
		}
	default:
		_, _, err = w.conn.Get(w.path)
	}
	return err
}

func (w *benchWorker) run(ctx context.Context, from, end time.Time) ([]time.Duration, int64) {
	lat := make([]time.Duration, 0, 1<<14)
	var errs int64
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		err := w.do()
		if t0.Before(from) {
			continue
		}
		if err != nil {
			errs++
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, errs
}

// quantile of sorted latencies (nearest rank).
func latencyQuantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Target names one server's results for WriteTable.
type Target struct {
	Name    string
	Nodes   int // servers in the target's ensemble (0 = unknown)
	Results []Result
}

// WriteTable prints the targets side by side per op; with two targets
// it adds the first-to-second ratios (throughput ratio > 1 means the first
// is faster; latency ratio < 1 means the first is quicker).
func WriteTable(w io.Writer, targets []Target) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\ttarget\tops/s\tp50\tp99\tmax\terrors\t")
	for _, op := range benchOpsOf(targets) {
		for _, tg := range targets {
			if r, ok := resultFor(tg, op); ok {
				fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%d\t\n", op, tg.Name, r.Throughput(), fmtLatency(r.P50), fmtLatency(r.P99), fmtLatency(r.Max), r.Errors)
			}
		}
		if len(targets) == 2 {
			a, okA := resultFor(targets[0], op)
			b, okB := resultFor(targets[1], op)
			if okA && okB {
				fmt.Fprintf(tw, "%s\t%s/%s\t%sx\t%sx\t%sx\t\t\t\n", op, targets[0].Name, targets[1].Name,
					benchRatio(a.Throughput(), b.Throughput()), benchRatio(float64(a.P50), float64(b.P50)), benchRatio(float64(a.P99), float64(b.P99)))
			}
		}
	}
	return tw.Flush()
}

func benchOpsOf(targets []Target) []Op {
	var ops []Op
	for _, tg := range targets {
		for _, r := range tg.Results {
			if !slices.Contains(ops, r.Op) {
				ops = append(ops, r.Op)
			}
		}
	}
	return ops
}

func resultFor(tg Target, op Op) (Result, bool) {
	for _, r := range tg.Results {
		if r.Op == op {
			return r, true
		}
	}
	return Result{}, false
}

func benchRatio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func fmtLatency(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

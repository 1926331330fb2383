package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/bench"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/serverproc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// benchFlags are `zabsim bench`'s flags.
type benchFlags struct {
	target     string
	addr       string
	nodes      int
	clients    string
	duration   time.Duration
	warmup     time.Duration
	znodes     int
	dataBytes  int
	ops        string
	dir        string
	out        string
	zabsimBin  string
	cpuProfile string
	zkLog      bool
	quiet      bool
	basePort   int
	sim        simBenchFlags // --sim: the simulator's speed instead (benchsim.go)
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark zabsim against Apache ZooKeeper (3-node ensembles or standalone) with the same go-zookeeper load",
		Long: `bench starts each target on 127.0.0.1 in turn, drives it with the same
closed-loop go-zookeeper/zk load (N clients spread evenly over the servers,
each with one request outstanding; create, setData, getData, and mixed =
90% getData / 10% setData; each op for a fixed duration per client count)
and prints throughput and p50/p99/p999 latency side by side with the
zabsim/zookeeper ratios.

With --servers 3 (the default) the targets are 3-node ensembles of
` + "`zabsim server`" + ` processes and of Apache ZooKeeper 3.8 JVMs, supervised as in
` + "`zabsim live`" + ` (tickTime 2000ms; peers connect directly, without the fault
proxies). With --servers 1 they are standalone servers (zabsim in this
process). Every server fsyncs every write batch (ZooKeeper's forceSync=yes
is its default). With --out DIR the table is also written as DIR/bench.md
and DIR/bench.json, the throughput plot as DIR/bench.png and the latency plot
(p50 and p99 per target) as DIR/bench-latency.png.

With --sim it measures the simulator instead: a steady-load world (5 servers,
10 register clients, no faults, no checking) per seed, printing simulated
seconds per wall second, events per second and heap allocations per event.

The single-dash spellings of earlier versions (-sim, -target both) still
work but are deprecated.`,
		Example: `  zabsim bench --target both --servers 3 --clients 1,16,64 --ops create,setData,getData,mixed --duration 10s --out out/bench
  zabsim bench --sim --sim-runs 5`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments: %s", strings.Join(args, " "))
			}
			if f.sim.on {
				stopProfile, err := startProfile(f.cpuProfile)
				if err != nil {
					return err
				}
				defer stopProfile()
				return runSimBench(f.sim, cmd.OutOrStdout())
			}
			log := cmd.ErrOrStderr()
			if f.quiet {
				log = io.Discard
			}
			return runBench(cmd.Context(), f, cmd.OutOrStdout(), log)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.target, "target", "both", "zabsim, zookeeper, both, or addr (a running server given by --addr)")
	fs.StringVar(&f.addr, "addr", "", "host:port of a running server (with --target addr)")
	fs.IntVar(&f.nodes, "servers", 3, "servers per target: 1 (standalone) or an ensemble of 3..7")
	fs.IntVar(&f.basePort, "base-port", 0, "give each target's servers the ports from this one on (3 per server; a standalone server its client port), for a firewall's fixed range (default: free ports)")
	alias(fs, "nodes", "servers")
	fs.StringVar(&f.clients, "clients", "1,16,64", "comma-separated client counts, each run in turn")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured time per op, client count and target")
	fs.DurationVar(&f.warmup, "warmup", time.Second, "unmeasured warm-up per op, client count and target")
	fs.IntVar(&f.znodes, "znodes", 16, "znodes the clients spread over")
	fs.IntVar(&f.dataBytes, "data-bytes", 64, "setData and create payload size")
	fs.StringVar(&f.ops, "ops", "create,setData,getData,mixed", "ops to run, in order (create, setData, getData, mixed)")
	fs.StringVar(&f.dir, "dir", "", "parent of the servers' data dirs and logs (default a new temp dir, removed after)")
	fs.StringVar(&f.out, "out", "", "directory for bench.md, bench.json, bench.png and bench-latency.png")
	fs.StringVar(&f.zabsimBin, "zabsim-bin", "", "zabsim binary for ensemble servers (default this executable)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of this process to the file (with --sim: the simulator; otherwise the clients, and a standalone zabsim)")
	fs.BoolVar(&f.zkLog, "zk-log", false, "pass a standalone Apache ZooKeeper's log through to stderr")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr")
	f.sim.define(fs)
	return acceptSingleDash(cmd)
}

func (f benchFlags) options() (bench.Options, []int, error) {
	ops, err := bench.ParseOps(f.ops)
	if err != nil {
		return bench.Options{}, nil, usageError{err}
	}
	clients, err := parseClientCounts(f.clients)
	if err != nil {
		return bench.Options{}, nil, err
	}
	if f.duration <= 0 || f.znodes < 1 || f.dataBytes < 1 {
		return bench.Options{}, nil, usagef("--duration, --znodes and --data-bytes must be positive")
	}
	if f.nodes != 1 && (f.nodes < 3 || f.nodes > 7) {
		return bench.Options{}, nil, usagef("--servers %d: want 1 (standalone) or 3..7", f.nodes)
	}
	if f.basePort != 0 && (f.basePort < 1024 || f.basePort > 65535-3*7) {
		return bench.Options{}, nil, usagef("--base-port must be between 1024 and %d, got %d", 65535-3*7, f.basePort)
	}
	warmup := f.warmup
	if warmup == 0 {
		warmup = -1 // BenchOptions: negative means none
	}
	return bench.Options{Duration: f.duration, Warmup: warmup, Znodes: f.znodes, DataBytes: f.dataBytes, Ops: ops}, clients, nil
}

// joinInts writes 1,16,64.
func joinInts(ns []int) string {
	ss := make([]string, len(ns))
	for i, n := range ns {
		ss[i] = strconv.Itoa(n)
	}
	return strings.Join(ss, ",")
}

// parseClientCounts parses "1,16,64": positive, distinct, in the given order.
func parseClientCounts(list string) ([]int, error) {
	var out []int
	for _, field := range strings.Split(list, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < 1 {
			return nil, usagef("--clients %s: client counts must be positive whole numbers", list)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, usagef("--clients %q: no client count given", list)
	}
	return out, nil
}

func (f benchFlags) targetNames() ([]string, error) {
	switch f.target {
	case "both":
		return []string{"zabsim", "zookeeper"}, nil
	case "zabsim", "zookeeper":
		return []string{f.target}, nil
	case "addr":
		if f.addr == "" {
			return nil, usagef("--target addr needs --addr host:port")
		}
		return []string{f.addr}, nil
	}
	return nil, usagef("--target %s: want zabsim, zookeeper, both or addr", f.target)
}

func runBench(ctx context.Context, f benchFlags, out, log io.Writer) error {
	opts, clients, err := f.options()
	if err != nil {
		return err
	}
	names, err := f.targetNames()
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return err
		}
	}
	dir, cleanup, err := benchDir(f.dir)
	if err != nil {
		return err
	}
	defer cleanup()
	stopProfile, err := startProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()

	var targets []bench.Target
	for _, name := range names {
		fmt.Fprintf(log, "bench: %s (%d server(s)): clients %s, %v per op (+%v warm-up), ops %s\n",
			name, f.nodes, joinInts(clients), opts.Duration, max(opts.Warmup, 0), f.ops)
		res, err := benchOne(ctx, name, filepath.Join(dir, name), opts, clients, f, log)
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		targets = append(targets, bench.Target{Name: name, Nodes: f.nodes, Results: res})
	}
	summary := fmt.Sprintf("%d node(s) per target, %v per op, %d znodes, %d-byte values; %d CPUs shared by the servers under test and the clients",
		f.nodes, opts.Duration, opts.Znodes, opts.DataBytes, runtime.NumCPU())
	fmt.Fprintln(out, summary)
	if err := bench.WriteMarkdown(out, targets); err != nil {
		return err
	}
	return writeBenchFiles(f, opts, summary, targets)
}

// writeBenchFiles writes bench.md, bench.json, bench.png and
// bench-latency.png into --out.
func writeBenchFiles(f benchFlags, opts bench.Options, summary string, targets []bench.Target) error {
	if f.out == "" {
		return nil
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# zabsim bench\n\n%s.\n\n", summary)
	if err := bench.WriteMarkdown(&md, targets); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(f.out, "bench.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	meta := map[string]any{"nodes": f.nodes, "duration_s": opts.Duration.Seconds(), "warmup_s": max(opts.Warmup, 0).Seconds(),
		"znodes": opts.Znodes, "data_bytes": opts.DataBytes, "cpus": runtime.NumCPU()}
	var js strings.Builder
	if err := bench.WriteJSON(&js, targets, meta); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(f.out, "bench.json"), []byte(js.String()), 0o644); err != nil {
		return err
	}
	title := fmt.Sprintf("throughput, %d node(s) per target, %v per point", f.nodes, opts.Duration)
	if err := bench.PlotThroughput(filepath.Join(f.out, "bench.png"), targets, title); err != nil {
		return err
	}
	title = fmt.Sprintf("latency (p50, p99), %d node(s) per target, %v per point", f.nodes, opts.Duration)
	return bench.PlotLatency(filepath.Join(f.out, "bench-latency.png"), targets, title)
}

// benchOne starts the named target (unless it is an external address),
// runs the load once per client count and stops it.
func benchOne(ctx context.Context, name, dir string, opts bench.Options, clients []int, f benchFlags, log io.Writer) ([]bench.Result, error) {
	servers, stop, err := startBenchTarget(ctx, name, dir, f, log)
	if err != nil {
		return nil, err
	}
	defer stop()
	opts.Servers = servers
	var all []bench.Result
	for _, n := range clients {
		opts.Clients = n
		res, err := bench.Run(ctx, opts)
		all = append(all, res...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// startBenchTarget starts a target and returns its client addresses and
// how to stop it.
func startBenchTarget(ctx context.Context, name, dir string, f benchFlags, log io.Writer) ([]string, func(), error) {
	if name != "zabsim" && name != "zookeeper" {
		return []string{name}, func() {}, nil
	}
	if f.nodes == 1 {
		return startStandaloneTarget(name, dir, f, log)
	}
	bin := f.zabsimBin
	if bin == "" && name == "zabsim" {
		exe, err := os.Executable()
		if err != nil {
			return nil, nil, err
		}
		bin = exe
	}
	c, err := cluster.Start(ctx, cluster.Options{Target: cluster.Target(name), Nodes: f.nodes, Dir: dir,
		ZabsimBin: bin, TickTime: 2 * time.Second, NoClockFaults: true, DirectLinks: true, BasePort: f.basePort,
		JavaOpts: []string{"-Xmx1g", "-XX:+UseParallelGC"},
		Logf:     func(format string, args ...any) { fmt.Fprintf(log, "bench: "+format+"\n", args...) }})
	if err != nil {
		return nil, nil, err
	}
	return c.ClientAddrs(), func() { _ = c.Stop() }, nil
}

// startStandaloneTarget is --servers 1: zabsim in this process, or one JVM.
func startStandaloneTarget(name, dir string, f benchFlags, log io.Writer) ([]string, func(), error) {
	addr := "127.0.0.1:0"
	if f.basePort > 0 {
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(f.basePort))
	}
	if name == "zabsim" {
		cfg := server.Config{ClientAddr: addr, TickTimeMS: 2000, MaxClientCnxns: -1}
		node, addr, err := serverproc.StartServer(cfg, live.Options{Name: "zabsim", DataDir: dir})
		if err != nil {
			return nil, nil, err
		}
		return []string{addr}, func() { _ = node.Stop() }, nil
	}
	cfg := config.Default()
	cfg.TickTimeMS, cfg.MaxClientCnxns, cfg.AdminEnableServer = 2000, 0, false
	var zkLog io.Writer
	if f.zkLog {
		zkLog = log
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	zkAddr := ""
	if f.basePort > 0 {
		zkAddr = addr
	}
	z, err := cluster.StartApacheZooKeeper(cluster.ApacheOptions{Dir: dir, Config: &cfg, Log: zkLog, Addr: zkAddr,
		JavaOpts: []string{"-Xmx1g", "-XX:+UseParallelGC"}})
	if err != nil {
		return nil, nil, err
	}
	return []string{z.Addr()}, z.Stop, nil
}

func benchDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o755)
	}
	tmp, err := os.MkdirTemp("", "zabsim-bench-")
	if err != nil {
		return "", nil, err
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	fh, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(fh); err != nil {
		fh.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); fh.Close() }, nil
}

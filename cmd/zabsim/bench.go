package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live/bench"
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
		warmup = -1 // bench.Options: negative means none
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

// runBench wires `zabsim bench`'s flags to bench.Compare; SIGINT and
// SIGTERM stop the run (every server is stopped).
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
	stopProfile, err := startProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	return bench.Compare(ctx, bench.Plan{Targets: names, Servers: f.nodes, Clients: clients, Load: opts, Dir: f.dir, Out: f.out,
		ZabsimBin: f.zabsimBin, BasePort: f.basePort, ZooKeeperLog: f.zkLog, Log: log}, out)
}

// startProfile writes a CPU profile of this process to path (none for "")
// until the returned stop is called.
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

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// benchFlags are `zabsim bench`'s flags.
type benchFlags struct {
	target     string
	addr       string
	clients    int
	duration   time.Duration
	warmup     time.Duration
	znodes     int
	dataBytes  int
	ops        string
	dir        string
	cpuProfile string
	zkLog      bool
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	return goFlagsCommand("bench",
		"Benchmark standalone zabsim against standalone Apache ZooKeeper with the same go-zookeeper load",
		`bench starts the target servers on 127.0.0.1 (zabsim in this process, Apache
ZooKeeper 3.8 as a JVM), drives each in turn with the same closed-loop
go-zookeeper/zk load (N clients, setData then getData on a few znodes, each
for a fixed duration) and prints throughput and latency side by side with the
zabsim/zookeeper ratios. Both servers fsync every write batch to dataDirs
under -dir (ZooKeeper's forceSync=yes is its default).

Example:
  zabsim bench -target both -clients 16 -duration 10s`,
		func(fs *flag.FlagSet) {
			fs.StringVar(&f.target, "target", "both", "zabsim, zookeeper, both, or addr (a running server given by -addr)")
			fs.StringVar(&f.addr, "addr", "", "host:port of a running server (with -target addr)")
			fs.IntVar(&f.clients, "clients", 16, "concurrent client sessions")
			fs.DurationVar(&f.duration, "duration", 10*time.Second, "measured time per op and target")
			fs.DurationVar(&f.warmup, "warmup", time.Second, "unmeasured warm-up per op and target")
			fs.IntVar(&f.znodes, "znodes", 16, "znodes the clients spread over")
			fs.IntVar(&f.dataBytes, "data-bytes", 64, "setData payload size")
			fs.StringVar(&f.ops, "ops", "setData,getData", "ops to run, in order")
			fs.StringVar(&f.dir, "dir", "", "parent of the servers' data dirs (default a new temp dir, removed after)")
			fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (zabsim server and clients) to the file")
			fs.BoolVar(&f.zkLog, "zk-log", false, "pass Apache ZooKeeper's log through to stderr")
		},
		func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			return runBench(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		})
}

func (f benchFlags) options() (live.BenchOptions, error) {
	ops, err := live.ParseBenchOps(f.ops)
	if err != nil {
		return live.BenchOptions{}, usageError{err}
	}
	if f.clients < 1 || f.duration <= 0 || f.znodes < 1 || f.dataBytes < 1 {
		return live.BenchOptions{}, usagef("-clients, -duration, -znodes and -data-bytes must be positive")
	}
	warmup := f.warmup
	if warmup == 0 {
		warmup = -1 // BenchOptions: negative means none
	}
	return live.BenchOptions{Clients: f.clients, Duration: f.duration, Warmup: warmup, Znodes: f.znodes, DataBytes: f.dataBytes, Ops: ops}, nil
}

func (f benchFlags) targetNames() ([]string, error) {
	switch f.target {
	case "both":
		return []string{"zabsim", "zookeeper"}, nil
	case "zabsim", "zookeeper":
		return []string{f.target}, nil
	case "addr":
		if f.addr == "" {
			return nil, usagef("-target addr needs -addr host:port")
		}
		return []string{f.addr}, nil
	}
	return nil, usagef("-target %q: want zabsim, zookeeper, both or addr", f.target)
}

func runBench(ctx context.Context, f benchFlags, out, log io.Writer) error {
	opts, err := f.options()
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

	var targets []live.BenchTarget
	for _, name := range names {
		fmt.Fprintf(log, "bench: %s: %d clients, %v per op (+%v warm-up), ops %s\n", name, opts.Clients, opts.Duration, max(opts.Warmup, 0), f.ops)
		res, err := benchOne(ctx, name, filepath.Join(dir, name), opts, f, log)
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		targets = append(targets, live.BenchTarget{Name: name, Results: res})
	}
	fmt.Fprintf(out, "%d clients, %v per op, %d znodes, %d-byte values; %d CPUs shared by the server under test and the clients\n",
		opts.Clients, opts.Duration, opts.Znodes, opts.DataBytes, runtime.NumCPU())
	return live.WriteBenchTable(out, targets)
}

// benchOne starts the named server (unless it is an external address), runs
// the load against it and stops it.
func benchOne(ctx context.Context, name, dir string, opts live.BenchOptions, f benchFlags, log io.Writer) ([]live.BenchResult, error) {
	switch name {
	case "zabsim":
		cfg := server.Config{ClientAddr: "127.0.0.1:0", TickTimeMS: 2000, MaxClientCnxns: -1}
		node, addr, err := live.StartServer(cfg, live.Options{Name: "zabsim", DataDir: dir})
		if err != nil {
			return nil, err
		}
		defer node.Stop()
		opts.Servers = []string{addr}
	case "zookeeper":
		cfg := config.Default()
		cfg.TickTimeMS, cfg.MaxClientCnxns, cfg.AdminEnableServer = 2000, 0, false
		var zkLog io.Writer
		if f.zkLog {
			zkLog = log
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		z, err := live.StartApacheZooKeeper(live.ApacheOptions{Dir: dir, Config: &cfg, Log: zkLog,
			JavaOpts: []string{"-Xmx1g", "-XX:+UseParallelGC"}})
		if err != nil {
			return nil, err
		}
		defer z.Stop()
		opts.Servers = []string{z.Addr()}
	default:
		opts.Servers = []string{name}
	}
	return live.RunBench(ctx, opts)
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

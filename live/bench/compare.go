package bench

// Compare is `zabsim bench` on real servers: each target started in turn
// on 127.0.0.1 (or a running server given by address), the same load run
// against it once per client count, then stopped; the table printed and
// the files written.

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/serverproc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// Plan is one comparison.
type Plan struct {
	// Targets are "zabsim", "zookeeper", or the host:port of a running
	// server, benchmarked in this order.
	Targets []string
	// Servers per started target: 1 (standalone; zabsim in this process)
	// or an ensemble of 3..7 supervised as `zabsim live` supervises them.
	Servers int
	// Clients are the client counts, each run in turn.
	Clients []int
	// Load is the load of every run; its Servers and Clients are set per
	// run.
	Load Options
	// Dir is the parent of the servers' data dirs and logs ("": a new
	// temporary directory, removed after).
	Dir string
	// Out is the directory for bench.md, bench.json, bench.png and
	// bench-latency.png ("": none).
	Out string
	// ZabsimBin is the zabsim binary of ensemble servers ("": this
	// executable).
	ZabsimBin string
	// BasePort gives each target's servers the ports from it on (0: free
	// ports).
	BasePort int
	// ZooKeeperLog passes a standalone Apache ZooKeeper's log to Log.
	ZooKeeperLog bool
	// Log receives progress lines (nil: none).
	Log io.Writer

	_ struct{}
}

// Compare runs the plan, prints a summary line and the Markdown table to
// out and writes the files into plan.Out.
func Compare(ctx context.Context, plan Plan, out io.Writer) error {
	if plan.Log == nil {
		plan.Log = io.Discard
	}
	if plan.Out != "" {
		if err := os.MkdirAll(plan.Out, 0o755); err != nil {
			return err
		}
	}
	dir, cleanup, err := serversDir(plan.Dir)
	if err != nil {
		return err
	}
	defer cleanup()
	opts := plan.Load
	var targets []Target
	for _, name := range plan.Targets {
		fmt.Fprintf(plan.Log, "bench: %s (%d server(s)): clients %s, %v per op (+%v warm-up), ops %s\n",
			name, plan.Servers, joinInts(plan.Clients), opts.Duration, max(opts.Warmup, 0), joinOps(opts.Ops))
		res, err := benchOne(ctx, plan, name, filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("bench %s: %w", name, err)
		}
		targets = append(targets, Target{Name: name, Nodes: plan.Servers, Results: res})
	}
	summary := fmt.Sprintf("%d node(s) per target, %v per op, %d znodes, %d-byte values; %d CPUs shared by the servers under test and the clients",
		plan.Servers, opts.Duration, opts.Znodes, opts.DataBytes, runtime.NumCPU())
	fmt.Fprintln(out, summary)
	if err := WriteMarkdown(out, targets); err != nil {
		return err
	}
	return writeFiles(plan, summary, targets)
}

// writeFiles writes bench.md, bench.json, bench.png and bench-latency.png
// into plan.Out.
func writeFiles(plan Plan, summary string, targets []Target) error {
	if plan.Out == "" {
		return nil
	}
	opts := plan.Load
	var md strings.Builder
	fmt.Fprintf(&md, "# zabsim bench\n\n%s.\n\n", summary)
	if err := WriteMarkdown(&md, targets); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(plan.Out, "bench.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	meta := map[string]any{"nodes": plan.Servers, "duration_s": opts.Duration.Seconds(), "warmup_s": max(opts.Warmup, 0).Seconds(),
		"znodes": opts.Znodes, "data_bytes": opts.DataBytes, "cpus": runtime.NumCPU()}
	var js strings.Builder
	if err := WriteJSON(&js, targets, meta); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(plan.Out, "bench.json"), []byte(js.String()), 0o644); err != nil {
		return err
	}
	title := fmt.Sprintf("throughput, %d node(s) per target, %v per point", plan.Servers, opts.Duration)
	if err := PlotThroughput(filepath.Join(plan.Out, "bench.png"), targets, title); err != nil {
		return err
	}
	title = fmt.Sprintf("latency (p50, p99), %d node(s) per target, %v per point", plan.Servers, opts.Duration)
	return PlotLatency(filepath.Join(plan.Out, "bench-latency.png"), targets, title)
}

// benchOne starts the named target (unless it is an external address),
// runs the load once per client count and stops it.
func benchOne(ctx context.Context, plan Plan, name, dir string) ([]Result, error) {
	servers, stop, err := startTarget(ctx, plan, name, dir)
	if err != nil {
		return nil, err
	}
	defer stop()
	opts := plan.Load
	opts.Servers = servers
	var all []Result
	for _, n := range plan.Clients {
		opts.Clients = n
		res, err := Run(ctx, opts)
		all = append(all, res...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// startTarget starts a target and returns its client addresses and how to
// stop it.
func startTarget(ctx context.Context, plan Plan, name, dir string) ([]string, func(), error) {
	if name != "zabsim" && name != "zookeeper" {
		return []string{name}, func() {}, nil
	}
	if plan.Servers == 1 {
		return startStandalone(plan, name, dir)
	}
	bin := plan.ZabsimBin
	if bin == "" && name == "zabsim" {
		exe, err := os.Executable()
		if err != nil {
			return nil, nil, err
		}
		bin = exe
	}
	log := plan.Log
	c, err := cluster.Start(ctx, cluster.Options{Target: cluster.Target(name), Nodes: plan.Servers, Dir: dir,
		ZabsimBin: bin, TickTime: 2 * time.Second, NoClockFaults: true, DirectLinks: true, BasePort: plan.BasePort,
		JavaOpts: []string{"-Xmx1g", "-XX:+UseParallelGC"},
		Logf:     func(format string, args ...any) { fmt.Fprintf(log, "bench: "+format+"\n", args...) }})
	if err != nil {
		return nil, nil, err
	}
	return c.ClientAddrs(), func() { _ = c.Stop() }, nil
}

// startStandalone is one server: zabsim in this process, or one JVM.
func startStandalone(plan Plan, name, dir string) ([]string, func(), error) {
	addr := "127.0.0.1:0"
	if plan.BasePort > 0 {
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(plan.BasePort))
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
	if plan.ZooKeeperLog {
		zkLog = plan.Log
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	zkAddr := ""
	if plan.BasePort > 0 {
		zkAddr = addr
	}
	z, err := cluster.StartApacheZooKeeper(cluster.ApacheOptions{Dir: dir, Config: &cfg, Log: zkLog, Addr: zkAddr,
		JavaOpts: []string{"-Xmx1g", "-XX:+UseParallelGC"}})
	if err != nil {
		return nil, nil, err
	}
	return []string{z.Addr()}, z.Stop, nil
}

// serversDir is dir, created, or a new temporary directory removed by the
// returned cleanup.
func serversDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o755)
	}
	tmp, err := os.MkdirTemp("", "zabsim-bench-")
	if err != nil {
		return "", nil, err
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

// joinInts writes 1,16,64.
func joinInts(ns []int) string {
	ss := make([]string, len(ns))
	for i, n := range ns {
		ss[i] = strconv.Itoa(n)
	}
	return strings.Join(ss, ",")
}

// joinOps writes create,setData,getData,mixed.
func joinOps(ops []Op) string {
	ss := make([]string, len(ops))
	for i, op := range ops {
		ss[i] = string(op)
	}
	return strings.Join(ss, ",")
}

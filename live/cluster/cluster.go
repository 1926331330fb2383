package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zabsim/zabsim/nemesis"
)

// Target is the kind of server a live Cluster runs.
type Target string

// Targets.
const (
	TargetZabsim    Target = "zabsim"    // `zabsim server --config zoo.cfg` child processes
	TargetZooKeeper Target = "zookeeper" // Debian's Apache ZooKeeper 3.8 JVMs
)

// ParseTarget checks a target name.
func ParseTarget(s string) (Target, error) {
	switch t := Target(s); t {
	case TargetZabsim, TargetZooKeeper:
		return t, nil
	}
	return "", fmt.Errorf("unknown live target %q (want %s or %s)", s, TargetZabsim, TargetZooKeeper)
}

// Options configure Start.
type Options struct {
	Target Target
	// Nodes is 1..7 voting servers; node names are "s1".."sN", as in the
	// simulator, so nemesis schedules apply unchanged. One node runs
	// standalone.
	Nodes int
	// Observers adds non-voting observers after the voters (s(N+1)...),
	// as the simulator numbers them; they need an ensemble (Nodes > 1),
	// and voters and observers are 7 at most.
	Observers int
	// Dir is the root for per-node data dirs, configs and captured logs
	// (Dir/s1/zoo.cfg, Dir/s1/data, Dir/s1/server.log); it may be
	// relative (the nodes are handed absolute paths). Start starts
	// an empty ensemble: it removes whatever an earlier cluster left in
	// Dir/s1.. first.
	Dir string
	// ZabsimBin is the zabsim binary (TargetZabsim); cmd passes os.Executable().
	ZabsimBin string
	// TickTime defaults to 200ms, which keeps elections and session expiry fast.
	TickTime time.Duration
	// SnapCount is the servers' snapCount (txns between snapshots); 0 leaves
	// ZooKeeper's default, 100,000.
	SnapCount int
	// Bugs are zabsim bug switches (TargetZabsim only).
	Bugs []string
	// Logf, if set, receives progress lines.
	Logf func(format string, args ...any)
	// StartTimeout bounds Start's wait for a healthy cluster when
	// ctx has no earlier deadline (default 90s: three JVMs on two cores).
	StartTimeout time.Duration
	// NoClockFaults starts ZooKeeper JVMs without libfaketime (which reads
	// its offset file on every clock call); benchmarks set it. ClockSkew
	// then returns ErrUnsupported for them.
	NoClockFaults bool
	// JavaOpts replace the JVM flags (default a 512 MB heap, serial GC).
	JavaOpts []string
	// DirectLinks connects peers directly, without the link proxies, so
	// quorum traffic pays no extra hop; benchmarks set it. Partition and
	// Degrade then return ErrUnsupported (healing still succeeds).
	DirectLinks bool
	// BasePort, if set, gives the nodes the ports BasePort, BasePort+1, ...
	// in order (client, quorum and election port of s1, then of s2, ...),
	// for firewalls and CI runners that allow a fixed range; a port in use
	// is an error. 0 picks free ports below the kernel's ephemeral range.
	// The link proxies listen on loopback ports of the kernel's choosing.
	BasePort int

	_ struct{}
}

const (
	defaultClusterTick  = 200 * time.Millisecond
	defaultStartTimeout = 90 * time.Second
	maxClusterNodes     = 7
)

// CheckSize reports whether a cluster of nodes voters and observers
// observers can run: 1..7 voters, observers only beside 2 or more voters,
// 7 servers in all.
func CheckSize(nodes, observers int) error {
	switch {
	case nodes < 1 || nodes > maxClusterNodes:
		return fmt.Errorf("live: %d nodes: want 1..%d", nodes, maxClusterNodes)
	case observers < 0 || nodes+observers > maxClusterNodes:
		return fmt.Errorf("live: %d voters and %d observers: want at most %d servers in all", nodes, observers, maxClusterNodes)
	case observers > 0 && nodes == 1:
		return errors.New("live: observers need an ensemble of at least 2 voters, not a standalone server")
	}
	return nil
}

func (o Options) withDefaults() (Options, error) {
	if _, err := ParseTarget(string(o.Target)); err != nil {
		return o, err
	}
	if err := CheckSize(o.Nodes, o.Observers); err != nil {
		return o, err
	}
	if o.Dir == "" {
		return o, errors.New("live: Options.Dir is required")
	}
	// Every path handed to a node process is absolute: a node runs in its
	// own directory, where a path relative to ours names nothing.
	var err error
	if o.Dir, err = filepath.Abs(o.Dir); err != nil {
		return o, fmt.Errorf("live: cluster directory: %w", err)
	}
	if strings.ContainsRune(o.ZabsimBin, filepath.Separator) {
		if o.ZabsimBin, err = filepath.Abs(o.ZabsimBin); err != nil {
			return o, fmt.Errorf("live: zabsim binary: %w", err)
		}
	}
	if o.Target == TargetZabsim && o.ZabsimBin == "" {
		return o, errors.New("live: Options.ZabsimBin is required for the zabsim target")
	}
	if o.Target == TargetZooKeeper && len(o.Bugs) > 0 {
		return o, fmt.Errorf("live: bug switches %v apply to the zabsim target only", o.Bugs)
	}
	if o.TickTime <= 0 {
		o.TickTime = defaultClusterTick
	}
	if o.TickTime < time.Millisecond {
		return o, fmt.Errorf("live: tickTime %v below 1ms", o.TickTime)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = defaultStartTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// Cluster is a supervised ensemble of real server processes on 127.0.0.1,
// each in its own process group, with a TCP proxy on every directed link's
// quorum and election ports. It implements nemesis.Host with real faults.
type Cluster struct {
	opts  Options
	nodes []*clusterNode
	// proxies[i][j] are node i's proxies to node j (nil when i == j).
	proxies [][]*nodeProxies

	mu       sync.Mutex // serialises faults and Stop
	cuts     []nemesis.Link
	stopped  bool
	faketime string // libfaketime's path, "" when ZooKeeper clocks cannot be moved
}

var (
	_ nemesis.Host      = (*Cluster)(nil)
	_ nemesis.VoterHost = (*Cluster)(nil)
)

// nodeProxies are the proxies for one directed link.
type nodeProxies struct {
	quorum, election *linkProxy
}

// Start lays out the nodes, starts their processes and proxies, and
// waits until every node answers ruok/srvr and one leads. On any failure it
// stops whatever it started and returns the error with the failing node's
// log tail.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Target == TargetZooKeeper {
		if err := ZooKeeperAvailable(); err != nil {
			return nil, err
		}
	}
	c := &Cluster{opts: opts}
	if opts.Target == TargetZooKeeper && !opts.NoClockFaults {
		c.faketime = FaketimeLibrary()
	}
	if err := c.start(ctx); err != nil {
		stopErr := c.Stop()
		return nil, errors.Join(err, stopErr)
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if err := c.layout(); err != nil {
		return err
	}
	for _, n := range c.nodes {
		if err := c.startNode(n); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.StartTimeout)
	defer cancel()
	if err := c.WaitHealthy(ctx); err != nil {
		return fmt.Errorf("%w\n%s", err, c.logTails())
	}
	c.opts.Logf("live: %d-node %s cluster healthy: %s", len(c.nodes), c.opts.Target, strings.Join(c.ClientAddrs(), " "))
	return nil
}

// Nodes lists the node names, "s1".."sN".
func (c *Cluster) Nodes() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.name
	}
	return out
}

// Voters names the voting members (every node but the observers), for the
// nemesis's bound on lasting damage.
func (c *Cluster) Voters() []string {
	var out []string
	for _, n := range c.nodes {
		if !n.observer {
			out = append(out, n.name)
		}
	}
	return out
}

// ClientAddrs lists the client addresses in node order.
func (c *Cluster) ClientAddrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.clientAddr
	}
	return out
}

// ClientAddr is node's client address ("" for an unknown node).
func (c *Cluster) ClientAddr(node string) string {
	if n, err := c.node(node); err == nil {
		return n.clientAddr
	}
	return ""
}

// Target is the cluster's server kind.
func (c *Cluster) Target() Target { return c.opts.Target }

// Dir is the cluster's root directory.
func (c *Cluster) Dir() string { return c.opts.Dir }

// LogPath is where node's output is captured.
func (c *Cluster) LogPath(node string) string {
	return filepath.Join(c.opts.Dir, node, "server.log")
}

func (c *Cluster) node(name string) (*clusterNode, error) {
	for _, n := range c.nodes {
		if n.name == name {
			return n, nil
		}
	}
	return nil, fmt.Errorf("live: unknown node %q (cluster has %s)", name, strings.Join(c.Nodes(), ", "))
}

// WaitHealthy polls until every node that is up (neither killed nor
// paused) answers ruok and srvr with a serving mode, and exactly one of
// them leads (or, for one node, serves standalone). A node process that
// exited on its own is an error at once.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	var last string
	for {
		if err := c.exitedUnexpectedly(); err != nil {
			return err
		}
		st := c.status()
		if st.healthy(len(c.nodes)) {
			return nil
		}
		last = st.String()
		select {
		case <-ctx.Done():
			return fmt.Errorf("live: %s cluster not healthy: %w (last status: %s)", c.opts.Target, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop kills every node's process group, stops the proxies and clock
// strobes and closes the logs. It is idempotent and safe after a failed
// start; it returns an error only if a process could not be reaped.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	var errs []error
	for _, n := range c.nodes {
		errs = append(errs, n.kill())
		n.stopStrobe()
		n.closeLog()
	}
	for _, row := range c.proxies {
		for _, p := range row {
			if p != nil {
				p.quorum.close()
				if p.election != nil {
					p.election.close()
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Pids are the process group ids of the nodes' current processes (0 for a
// node that is down), in node order; tests use them to prove nothing leaks.
func (c *Cluster) Pids() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.pid()
	}
	return out
}

// logTails is the end of every node's log, for start failures.
func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, n := range c.nodes {
		data, _ := os.ReadFile(n.logPath)
		if len(data) > 3000 {
			data = data[len(data)-3000:]
		}
		fmt.Fprintf(&b, "--- %s (%s) log tail:\n%s\n", n.name, n.logPath, data)
	}
	return b.String()
}

// nodeIndex is the position of a node name in c.nodes.
func (c *Cluster) nodeIndex(name string) int {
	return slices.IndexFunc(c.nodes, func(n *clusterNode) bool { return n.name == name })
}

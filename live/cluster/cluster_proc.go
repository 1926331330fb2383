package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zabsim/zabsim/live"
)

// clusterNode is one node's files and its current process. Its mutable
// fields are guarded by the Cluster's mu.
type clusterNode struct {
	name      string
	id        int
	dir       string
	dataDir   string
	cfgPath   string
	logPath   string
	clockPath string
	observer  bool // a non-voting member

	clientAddr   string
	quorumAddr   string // real, bound by the node
	electionAddr string

	run    *nodeRun // nil before the first start
	down   bool     // killed on purpose (or never started)
	paused bool
	starts int
	log    *os.File

	offset time.Duration // the clock offset last written
	strobe *strobe
}

// nodeRun is one incarnation of a node's process.
type nodeRun struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error // set before exited is closed
}

func (r *nodeRun) hasExited() bool {
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

// zooKeeperQuorumMain runs a standalone or replicated Apache ZooKeeper from
// a zoo.cfg, as zkServer.sh does.
const zooKeeperQuorumMain = "org.apache.zookeeper.server.quorum.QuorumPeerMain"

// startNode starts nd's process in its own process group with its output
// appended to its log file.
func (c *Cluster) startNode(nd *clusterNode) error {
	if nd.log == nil {
		f, err := os.OpenFile(nd.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		nd.log = f
	}
	nd.starts++
	fmt.Fprintf(nd.log, "=== zabsim live: %s start #%d at %s ===\n", nd.name, nd.starts, time.Now().UTC().Format(time.RFC3339Nano))
	cmd := c.command(nd)
	cmd.Dir = nd.dir
	cmd.Stdout, cmd.Stderr = nd.log, nd.log
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("live: start %s: %w", nd.name, err)
	}
	run := &nodeRun{cmd: cmd, exited: make(chan struct{})}
	go func() {
		run.waitErr = cmd.Wait()
		close(run.exited)
	}()
	nd.run, nd.down, nd.paused = run, false, false
	c.opts.Logf("live: %s started (pid %d)", nd.name, cmd.Process.Pid)
	return nil
}

func (c *Cluster) command(nd *clusterNode) *exec.Cmd {
	if c.opts.Target == TargetZabsim {
		cmd := exec.Command(c.opts.ZabsimBin, "server", "--config", nd.cfgPath, "--name", nd.name)
		cmd.Env = append(os.Environ(), live.ClockOffsetEnv+"="+nd.clockPath)
		return cmd
	}
	javaOpts := c.opts.JavaOpts
	if javaOpts == nil {
		javaOpts = []string{"-Xmx512m", "-XX:+UseSerialGC"}
	}
	args := append(append([]string{}, javaOpts...),
		"-Djava.net.preferIPv4Stack=true",
		// Election connection attempts time out after 5s by default; a
		// refused link should not hold an election up that long.
		"-Dzookeeper.cnxTimeout=1000",
		"-Dzookeeper.log.dir="+nd.dir, "-Dlog4j.configuration=file:"+filepath.Join(nd.dir, "log4j.properties"),
		"-cp", apacheClassPath(nd.dir), zooKeeperQuorumMain, nd.cfgPath)
	cmd := exec.Command("java", args...)
	cmd.Env = os.Environ()
	if c.faketime != "" {
		// libfaketime moves CLOCK_MONOTONIC too, so for ZooKeeper a skew
		// also shifts System.nanoTime, which times its session expiry and
		// syncLimit: a forward skew looks like time passing at once, a
		// backward one like time standing still. (The simulator and zabsim
		// nodes move the wall clock only.) FAKETIME_DONT_FAKE_MONOTONIC=1
		// would match them, but with it libfaketime's pthread_cond_timedwait
		// wrapper slows the JVM so much that a 3-node ensemble on this
		// machine did not elect a leader within 90s.
		cmd.Env = append(cmd.Env, "LD_PRELOAD="+c.faketime, "FAKETIME_TIMESTAMP_FILE="+nd.clockPath,
			"FAKETIME_NO_CACHE=1")
	}
	return cmd
}

// pid is the current process's id and process group id, 0 when down.
func (nd *clusterNode) pid() int {
	if nd.run == nil || nd.run.hasExited() {
		return 0
	}
	return nd.run.cmd.Process.Pid
}

// kill sends SIGKILL to the node's process group and reaps the process.
// A paused group dies too: SIGKILL needs no SIGCONT.
func (nd *clusterNode) kill() error {
	nd.down, nd.paused = true, false
	if nd.run == nil || nd.run.hasExited() {
		// Reaped already: its group id may belong to someone else by now.
		return nil
	}
	pgid := nd.run.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-nd.run.exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("live: %s (pid %d) did not exit after SIGKILL", nd.name, pgid)
	}
}

func (nd *clusterNode) signal(sig syscall.Signal) error {
	if nd.run == nil || nd.run.hasExited() {
		return fmt.Errorf("live: %s is not running", nd.name)
	}
	if err := syscall.Kill(-nd.run.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("live: %v to %s: %w", sig, nd.name, err)
	}
	return nil
}

func (nd *clusterNode) closeLog() {
	if nd.log != nil {
		nd.log.Close()
		nd.log = nil
	}
}

// exitedUnexpectedly reports a node whose process ended without being
// killed: a crash the supervisor did not cause.
func (c *Cluster) exitedUnexpectedly() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, nd := range c.nodes {
		if !nd.down && nd.run != nil && nd.run.hasExited() {
			return fmt.Errorf("live: %s exited on its own: %v (log %s)", nd.name, nd.run.waitErr, nd.logPath)
		}
	}
	return nil
}

// nodeStatus is what one node said to ruok and srvr.
type nodeStatus struct {
	name string
	up   bool   // neither killed nor paused
	ok   bool   // answered imok
	mode string // leader, follower, standalone, observer; "" if not serving
	zxid uint64
}

type clusterStatus []nodeStatus

// status asks every up node, in parallel, ruok and srvr.
func (c *Cluster) status() clusterStatus {
	c.mu.Lock()
	st := make(clusterStatus, len(c.nodes))
	for i, nd := range c.nodes {
		st[i] = nodeStatus{name: nd.name, up: !nd.down && !nd.paused && !c.stopped}
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for i := range st {
		if !st[i].up {
			continue
		}
		addr := c.nodes[i].clientAddr
		wg.Go(func() {
			out, _ := FourLetterWord(addr, "ruok", time.Second)
			st[i].ok = strings.TrimSpace(out) == "imok"
			srvr, _ := FourLetterWord(addr, "srvr", time.Second)
			st[i].mode, st[i].zxid = parseSrvr(srvr)
		})
	}
	wg.Wait()
	return st
}

// parseSrvr reads the Mode and Zxid lines of a srvr answer. A node that
// does not serve has no mode: ZooKeeper then answers "This ZooKeeper
// instance is not currently serving requests", zabsim "Mode: looking".
func parseSrvr(out string) (mode string, zxid uint64) {
	for _, l := range strings.Split(out, "\n") {
		if m, ok := strings.CutPrefix(l, "Mode: "); ok {
			switch m = strings.TrimSpace(m); m {
			case "leader", "follower", "observer", "standalone":
				mode = m
			}
		}
		if z, ok := strings.CutPrefix(l, "Zxid: "); ok {
			zxid, _ = strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(z), "0x"), 16, 64)
		}
	}
	return mode, zxid
}

// healthy: every up node serves and exactly one leads (a single node
// serves standalone).
func (st clusterStatus) healthy(nodes int) bool {
	leaders, up := 0, 0
	for _, s := range st {
		if !s.up {
			continue
		}
		up++
		switch s.mode {
		case "leader":
			leaders++
		case "follower", "observer":
		case "standalone":
			if nodes > 1 {
				return false
			}
		default:
			return false
		}
		if !s.ok {
			return false
		}
	}
	if nodes == 1 {
		return up == 1
	}
	return leaders == 1
}

// leader is the node that says it leads; if several do (a deposed leader
// that has not noticed yet), the one with the newest epoch.
func (st clusterStatus) leader() (string, bool) {
	best, bestEpoch, found := "", uint64(0), false
	for _, s := range st {
		if s.mode != "leader" && s.mode != "standalone" {
			continue
		}
		if epoch := s.zxid >> 32; !found || epoch > bestEpoch {
			best, bestEpoch, found = s.name, epoch, true
		}
	}
	return best, found
}

func (st clusterStatus) String() string {
	parts := make([]string, 0, len(st))
	for _, s := range st {
		switch {
		case !s.up:
			parts = append(parts, s.name+"=down")
		case s.mode == "":
			parts = append(parts, fmt.Sprintf("%s=not-serving(ruok=%v)", s.name, s.ok))
		default:
			parts = append(parts, s.name+"="+s.mode)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// Leader asks every up node srvr and reports the leader, if one leads.
func (c *Cluster) Leader() (string, bool) { return c.status().leader() }

// Modes reports each up node's srvr mode ("" when it does not serve), for
// drivers and reports.
func (c *Cluster) Modes() map[string]string {
	out := map[string]string{}
	for _, s := range c.status() {
		if s.up {
			out[s.name] = s.mode
		}
	}
	return out
}

// WaitNodeServing polls until node serves (a follower, leader or
// standalone mode) or ctx ends.
func (c *Cluster) WaitNodeServing(ctx context.Context, node string) error {
	nd, err := c.node(node)
	if err != nil {
		return err
	}
	for {
		out, _ := FourLetterWord(nd.clientAddr, "srvr", time.Second)
		if mode, _ := parseSrvr(out); mode != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("live: %s not serving: %w", node, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var errStopped = errors.New("live: cluster stopped")

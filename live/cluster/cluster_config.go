package cluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zabsim/zabsim/server/config"
)

// Per-node files under Options.Dir/sN.
const (
	nodeConfigFile = "zoo.cfg"
	nodeDataDir    = "data"
	nodeLogFile    = "server.log"
	nodeClockFile  = "clock-offset"
)

// Election and sync limits in ticks: with the default 200ms tick a
// follower has 2s to sync and is dropped after 1s of silence, as in the
// ensemble test of cmd/zabsim.
const (
	clusterInitLimit = 10
	clusterSyncLimit = 5
)

// layout creates the node directories, reserves the nodes' ports, starts
// the link proxies and writes every node's zoo.cfg and myid.
func (c *Cluster) layout() error {
	n := c.opts.Nodes + c.opts.Observers
	held := make([]net.Listener, 0, 3*n)
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	// Hold every node port until the proxies have their own ports, so a
	// proxy cannot be handed a port a node is about to bind.
	next := c.opts.BasePort
	reserve := func() (string, error) {
		var l net.Listener
		var err error
		if next > 0 {
			if next > 65535 {
				return "", fmt.Errorf("live: --base-port %d leaves too few ports for %d nodes (3 each)", c.opts.BasePort, n)
			}
			l, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(next)))
			if err != nil {
				err = fmt.Errorf("live: port %d (base port %d + %d) is not free: %w", next, c.opts.BasePort, next-c.opts.BasePort, err)
			}
			next++
		} else {
			l, err = reservePort()
		}
		if err != nil {
			return "", err
		}
		held = append(held, l)
		return l.Addr().String(), nil
	}
	for i := range n {
		nd, err := c.newNode(i, reserve)
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, nd)
	}
	if n > 1 && !c.opts.DirectLinks {
		if err := c.startProxies(); err != nil {
			return err
		}
	}
	for _, nd := range c.nodes {
		if err := c.writeNodeFiles(nd); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) newNode(i int, reserve func() (string, error)) (*clusterNode, error) {
	name := fmt.Sprintf("s%d", i+1)
	dir := filepath.Join(c.opts.Dir, name)
	// A new ensemble starts empty: an earlier cluster's data, epochs and
	// snapshots in the same place would make its first reads return the
	// old run's znodes.
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("live: %s: clear an earlier cluster's files: %w", name, err)
	}
	nd := &clusterNode{name: name, id: i + 1, dir: dir, observer: i >= c.opts.Nodes,
		dataDir: filepath.Join(dir, nodeDataDir), cfgPath: filepath.Join(dir, nodeConfigFile),
		logPath: filepath.Join(dir, nodeLogFile), clockPath: filepath.Join(dir, nodeClockFile)}
	if err := os.MkdirAll(nd.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("live: %s: %w", name, err)
	}
	var err error
	if nd.clientAddr, err = reserve(); err != nil {
		return nil, err
	}
	if nd.quorumAddr, err = reserve(); err != nil {
		return nil, err
	}
	if nd.electionAddr, err = reserve(); err != nil {
		return nil, err
	}
	return nd, nil
}

// startProxies starts, for every ordered pair (i, j), proxies from i to j's
// quorum and election ports. ZooKeeper's election handshake is rewritten
// to name the reverse proxy (see zkHelloRewriter); zabsim carries election
// traffic on the quorum port, so its election proxies are never used.
func (c *Cluster) startProxies() error {
	n := len(c.nodes)
	c.proxies = make([][]*nodeProxies, n)
	for i := range c.proxies {
		c.proxies[i] = make([]*nodeProxies, n)
	}
	seed := uint64(time.Now().UnixNano())
	for i, from := range c.nodes {
		for j, to := range c.nodes {
			if i == j {
				continue
			}
			q, err := newLinkProxy(from.name, to.name, "quorum", to.quorumAddr, seed+uint64(i*16+j))
			if err != nil {
				return err
			}
			c.proxies[i][j] = &nodeProxies{quorum: q}
			if c.opts.Target != TargetZooKeeper {
				continue
			}
			e, err := newLinkProxy(from.name, to.name, "election", to.electionAddr, seed+uint64(i*16+j)<<8)
			if err != nil {
				return err
			}
			c.proxies[i][j].election = e
		}
	}
	if c.opts.Target == TargetZooKeeper {
		for i := range c.proxies {
			for j, p := range c.proxies[i] {
				if p != nil {
					p.election.hello = zkHelloRewriter(c.proxies[j][i].election.Addr())
				}
			}
		}
	}
	return nil
}

// nodeConfig is node nd's zoo.cfg: its own server line names its real
// ports, every peer's names the proxy of the link nd → peer (the peer's
// real ports with DirectLinks).
func (c *Cluster) nodeConfig(nd *clusterNode) (config.Config, error) {
	cfg := config.Default()
	cfg.TickTimeMS = int(c.opts.TickTime / time.Millisecond)
	if c.opts.SnapCount != 0 {
		cfg.SnapCount = c.opts.SnapCount
	}
	cfg.DataDir = nd.dataDir
	host, port, err := splitPort(nd.clientAddr)
	if err != nil {
		return cfg, err
	}
	cfg.ClientPortAddress, cfg.ClientPort = host, port
	cfg.MaxClientCnxns = 0 // unlimited: every benchmark client comes from 127.0.0.1
	cfg.FourLetterWords = []string{"*"}
	cfg.AdminEnableServer = false
	if c.opts.Target == TargetZabsim {
		cfg.Bugs = append([]string(nil), c.opts.Bugs...)
	}
	if len(c.nodes) == 1 {
		return cfg, cfg.Validate()
	}
	cfg.InitLimitTicks, cfg.SyncLimitTicks = clusterInitLimit, clusterSyncLimit
	for j, peer := range c.nodes {
		q, e := peer.quorumAddr, peer.electionAddr
		if peer != nd && c.proxies != nil {
			p := c.proxies[nd.id-1][j]
			q = p.quorum.Addr()
			if p.election != nil {
				e = p.election.Addr()
			}
		}
		s, err := serverLine(int64(peer.id), q, e)
		if err != nil {
			return cfg, err
		}
		if peer.observer {
			s.Type = config.Observer
		}
		cfg.Servers = append(cfg.Servers, s)
	}
	if nd.observer {
		// ZooKeeper 3.8 wants an observer told so in its own file too
		// (zabsim reads its type from its server line and ignores this).
		cfg.Extra = append(cfg.Extra, config.Property{Key: "peerType", Value: "observer"})
	}
	return cfg, cfg.Validate()
}

func serverLine(id int64, quorum, election string) (config.Server, error) {
	host, qp, err := splitPort(quorum)
	if err != nil {
		return config.Server{}, err
	}
	_, ep, err := splitPort(election)
	if err != nil {
		return config.Server{}, err
	}
	return config.Server{ID: id, Host: host, QuorumPort: qp, ElectionPort: ep, Type: config.Participant}, nil
}

func splitPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}

// writeNodeFiles writes zoo.cfg, myid, the clock offset file and, for
// ZooKeeper, its log4j configuration.
func (c *Cluster) writeNodeFiles(nd *clusterNode) error {
	cfg, err := c.nodeConfig(nd)
	if err != nil {
		return fmt.Errorf("live: %s config: %w", nd.name, err)
	}
	if err := os.WriteFile(nd.cfgPath, []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(nd.dataDir, "myid"), []byte(strconv.Itoa(nd.id)+"\n"), 0o644); err != nil {
		return err
	}
	if err := nd.writeClock(c.opts.Target, 0); err != nil {
		return err
	}
	if c.opts.Target == TargetZooKeeper {
		return os.WriteFile(filepath.Join(nd.dir, "log4j.properties"), []byte(apacheLog4j), 0o644)
	}
	return nil
}

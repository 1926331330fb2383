package server

import (
	"fmt"
	"sort"
	"strings"
)

var fourLetterWords = map[string]bool{
	"ruok": true, "srvr": true, "stat": true, "mntr": true, "conf": true, "cons": true,
	"envi": true, "wchs": true, "dump": true, "isro": true, "crst": true, "srst": true,
	"wchc": true, "wchp": true, "dirs": true, "gtmk": true, "stmk": true,
}

func isFourLetterWord(cmd string) bool { return fourLetterWords[cmd] }

func (s *Server) fourLetterAllowed(cmd string) bool {
	for _, w := range s.cfg.FourLetterWords {
		if w == "*" || w == cmd {
			return true
		}
	}
	return false
}

// fourLetterWord answers a four-letter-word command and closes the
// connection, in ZooKeeper's output formats.
func (s *Server) fourLetterWord(c *conn, cmd string) {
	var out string
	if !s.fourLetterAllowed(cmd) {
		out = cmd + " is not executed because it is not in the whitelist.\n"
	} else {
		out = s.fourLetterOutput(cmd)
	}
	s.env.Send(c.id, []byte(out))
	s.closeConn(c)
}

func (s *Server) fourLetterOutput(cmd string) string {
	switch cmd {
	case "ruok":
		return "imok"
	case "srvr":
		return s.srvr()
	case "stat":
		return s.stat()
	case "mntr":
		return s.mntr()
	case "conf":
		return s.conf()
	case "cons":
		return s.cons()
	case "envi":
		return "Environment:\nzookeeper.version=" + s.cfg.Version + "\nhost.name=" + s.env.Name() + "\n"
	case "wchs":
		sum := s.tree.DataWatchSummary() // ZooKeeper summarises data watches only
		return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n", sum.Watchers, sum.Paths, sum.Watches)
	case "dump":
		return s.dump()
	case "isro":
		return "rw"
	case "srst", "crst":
		s.stats = serverStats{}
		return "Server stats reset.\n"
	}
	return cmd + " is not supported by zabsim.\n"
}

func (s *Server) mode() string {
	if s.ens == nil {
		return "standalone"
	}
	return roleName(s.ens.role.Role)
}

func (s *Server) latencyLine() string {
	st := s.stats
	avg := 0.0
	if st.latencyCount > 0 {
		avg = float64(st.totalLatencyMS) / float64(st.latencyCount)
	}
	return fmt.Sprintf("Latency min/avg/max: %d/%.4f/%d\n", st.minLatencyMS, avg, st.maxLatencyMS)
}

func (s *Server) srvr() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on 01/01/2026 00:00 GMT\n", s.cfg.Version)
	b.WriteString(s.latencyLine())
	fmt.Fprintf(&b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\nZxid: 0x%x\nMode: %s\nNode count: %d\n",
		s.stats.packetsReceived, s.stats.packetsSent, len(s.conns), len(s.inflight), s.tree.LastZxid(), s.mode(), s.reportedNodeCount())
	if v, ok := s.configVersion(); ok {
		fmt.Fprintf(&b, "Config version: 0x%x\n", v) // zabsim's line (reconfigEnabled only)
	}
	return b.String()
}

func (s *Server) stat() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on 01/01/2026 00:00 GMT\nClients:\n", s.cfg.Version)
	b.WriteString(s.consLines())
	b.WriteString("\n")
	b.WriteString(strings.TrimPrefix(s.srvr(), strings.SplitAfter(s.srvr(), "\n")[0]))
	return b.String()
}

func (s *Server) consLines() string {
	var b strings.Builder
	for _, id := range sortedConnIDs(s.conns) {
		c := s.conns[id]
		fmt.Fprintf(&b, " /%s[1](queued=%d,recved=%d,sent=%d,sid=0x%x,lzxid=0x%x,to=%d)\n",
			c.remote, len(c.queue), c.received, c.sent, c.session, c.lastZxid, c.timeoutMS)
	}
	return b.String()
}

func (s *Server) cons() string { return s.consLines() + "\n" }

func (s *Server) conf() string {
	out := fmt.Sprintf("clientPort=%s\ntickTime=%d\nmaxClientCnxns=%d\nminSessionTimeout=%d\nmaxSessionTimeout=%d\nserverId=%d\n",
		portOf(s.cfg.ClientAddr), s.cfg.TickTimeMS, s.cfg.MaxClientCnxns, s.cfg.MinSessionTimeoutMS, s.cfg.MaxSessionTimeoutMS, s.cfg.ID)
	if _, ok := s.configVersion(); ok {
		// QuorumZooKeeperServer.dumpConf ends with the active config.
		out += "membership: \n" + string(s.ens.peer.Config().Text)
	}
	return out
}

func portOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

func (s *Server) mntr() string {
	lines := [][2]string{
		{"zk_version", s.cfg.Version},
		{"zk_server_state", s.mode()},
		{"zk_avg_latency", fmt.Sprintf("%d", avgLatency(s.stats))},
		{"zk_max_latency", fmt.Sprintf("%d", s.stats.maxLatencyMS)},
		{"zk_min_latency", fmt.Sprintf("%d", s.stats.minLatencyMS)},
		{"zk_packets_received", fmt.Sprintf("%d", s.stats.packetsReceived)},
		{"zk_packets_sent", fmt.Sprintf("%d", s.stats.packetsSent)},
		{"zk_num_alive_connections", fmt.Sprintf("%d", len(s.conns))},
		{"zk_outstanding_requests", fmt.Sprintf("%d", len(s.inflight))},
		{"zk_znode_count", fmt.Sprintf("%d", s.reportedNodeCount())},
		{"zk_watch_count", fmt.Sprintf("%d", s.tree.WatchCount())},
		{"zk_ephemerals_count", fmt.Sprintf("%d", s.ephemeralCount())},
		{"zk_global_sessions", fmt.Sprintf("%d", s.sessions.Len())},
		{"zk_last_zxid", fmt.Sprintf("0x%x", s.tree.LastZxid())},
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s\t%s\n", l[0], l[1])
	}
	return b.String()
}

func avgLatency(st serverStats) int64 {
	if st.latencyCount == 0 {
		return 0
	}
	return st.totalLatencyMS / st.latencyCount
}

func (s *Server) ephemeralCount() int {
	n := 0
	for _, id := range s.tree.EphemeralSessions() {
		n += len(s.tree.Ephemerals(id))
	}
	return n
}

func (s *Server) dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "SessionTracker dump:\nGlobal Sessions(%d):\n", s.sessions.Len())
	for _, id := range s.sessions.IDs() {
		sess, _ := s.sessions.Get(id)
		fmt.Fprintf(&b, "0x%x\t%dms\n", id, sess.TimeoutMS)
	}
	b.WriteString("ephemeral nodes dump:\n")
	ids := s.tree.EphemeralSessions()
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	fmt.Fprintf(&b, "Sessions with Ephemerals (%d):\n", len(ids))
	for _, id := range ids {
		fmt.Fprintf(&b, "0x%x:\n", id)
		for _, p := range s.tree.Ephemerals(id) {
			fmt.Fprintf(&b, "\t%s\n", p)
		}
	}
	return b.String()
}

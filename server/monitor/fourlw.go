package monitor

import (
	"fmt"
	"slices"
	"strings"
)

var fourLetterWords = map[string]bool{
	"ruok": true, "srvr": true, "stat": true, "mntr": true, "conf": true, "cons": true,
	"envi": true, "wchs": true, "dump": true, "isro": true, "crst": true, "srst": true,
	"wchc": true, "wchp": true, "dirs": true, "gtmk": true, "stmk": true,
}

// IsFourLetterWord reports whether cmd is one of ZooKeeper's four-letter
// words (answered or not).
func IsFourLetterWord(cmd string) bool { return fourLetterWords[cmd] }

// ResetsStats reports whether cmd resets the server's counters (srst,
// crst): the server does that, then prints FourLetterOutput.
func ResetsStats(cmd string) bool { return cmd == "srst" || cmd == "crst" }

// FourLetterOutput is the text a four-letter word answers, in ZooKeeper's
// formats.
func FourLetterOutput(st *Status, cmd string) string {
	switch cmd {
	case "ruok":
		return "imok"
	case "srvr":
		return srvr(st)
	case "stat":
		return stat(st)
	case "mntr":
		return mntr(st)
	case "conf":
		return conf(st)
	case "cons":
		return consLines(st) + "\n"
	case "envi":
		return "Environment:\nzookeeper.version=" + st.Version + "\nhost.name=" + st.Host + "\n"
	case "wchs":
		sum := st.DataWatches // ZooKeeper summarises data watches only
		return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n", sum.Watchers, sum.Paths, sum.Watches)
	case "dump":
		return dump(st)
	case "isro":
		return "rw"
	case "srst", "crst":
		return "Server stats reset.\n"
	}
	return cmd + " is not supported by zabsim.\n"
}

func latencyLine(st Stats) string {
	return fmt.Sprintf("Latency min/avg/max: %d/%.4f/%d\n", st.MinLatencyMS, st.avgLatency(), st.MaxLatencyMS)
}

func srvr(st *Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on 01/01/2026 00:00 GMT\n", st.Version)
	b.WriteString(latencyLine(st.Stats))
	fmt.Fprintf(&b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\nZxid: 0x%x\nMode: %s\nNode count: %d\n",
		st.Stats.PacketsReceived, st.Stats.PacketsSent, len(st.Conns), st.Outstanding, st.LastZxid, st.Mode, st.NodeCount)
	if st.HasConfig {
		fmt.Fprintf(&b, "Config version: 0x%x\n", st.ConfigVersion) // zabsim's line (reconfigEnabled only)
	}
	return b.String()
}

func stat(st *Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on 01/01/2026 00:00 GMT\nClients:\n", st.Version)
	b.WriteString(consLines(st))
	b.WriteString("\n")
	b.WriteString(strings.TrimPrefix(srvr(st), strings.SplitAfter(srvr(st), "\n")[0]))
	return b.String()
}

func consLines(st *Status) string {
	var b strings.Builder
	for _, c := range st.Conns {
		fmt.Fprintf(&b, " /%s[1](queued=%d,recved=%d,sent=%d,sid=0x%x,lzxid=0x%x,to=%d)\n",
			c.Remote, c.Queued, c.Received, c.Sent, c.Session, c.LastZxid, c.TimeoutMS)
	}
	return b.String()
}

func conf(st *Status) string {
	out := fmt.Sprintf("clientPort=%s\ntickTime=%d\nmaxClientCnxns=%d\nminSessionTimeout=%d\nmaxSessionTimeout=%d\nserverId=%d\n",
		st.ClientPort, st.TickTimeMS, st.MaxClientCnxns, st.MinSessionTimeoutMS, st.MaxSessionTimeoutMS, st.ServerID)
	if st.HasConfig {
		// QuorumZooKeeperServer.dumpConf ends with the active config.
		out += "membership: \n" + st.ConfigText
	}
	return out
}

func mntr(st *Status) string {
	lines := [][2]string{
		{"zk_version", st.Version},
		{"zk_server_state", st.Mode},
		{"zk_avg_latency", fmt.Sprintf("%d", st.Stats.AvgLatencyMS())},
		{"zk_max_latency", fmt.Sprintf("%d", st.Stats.MaxLatencyMS)},
		{"zk_min_latency", fmt.Sprintf("%d", st.Stats.MinLatencyMS)},
		{"zk_packets_received", fmt.Sprintf("%d", st.Stats.PacketsReceived)},
		{"zk_packets_sent", fmt.Sprintf("%d", st.Stats.PacketsSent)},
		{"zk_num_alive_connections", fmt.Sprintf("%d", len(st.Conns))},
		{"zk_outstanding_requests", fmt.Sprintf("%d", st.Outstanding)},
		{"zk_znode_count", fmt.Sprintf("%d", st.NodeCount)},
		{"zk_watch_count", fmt.Sprintf("%d", st.WatchCount)},
		{"zk_ephemerals_count", fmt.Sprintf("%d", ephemeralCount(st))},
		{"zk_global_sessions", fmt.Sprintf("%d", len(st.Sessions))},
		{"zk_last_zxid", fmt.Sprintf("0x%x", st.LastZxid)},
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s\t%s\n", l[0], l[1])
	}
	return b.String()
}

func ephemeralCount(st *Status) int {
	n := 0
	for _, paths := range st.Ephemerals {
		n += len(paths)
	}
	return n
}

func dump(st *Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SessionTracker dump:\nGlobal Sessions(%d):\n", len(st.Sessions))
	for _, sess := range st.Sessions {
		fmt.Fprintf(&b, "0x%x\t%dms\n", sess.ID, sess.TimeoutMS)
	}
	b.WriteString("ephemeral nodes dump:\n")
	ids := ephemeralSessions(st)
	fmt.Fprintf(&b, "Sessions with Ephemerals (%d):\n", len(ids))
	for _, id := range ids {
		fmt.Fprintf(&b, "0x%x:\n", id)
		for _, p := range st.Ephemerals[id] {
			fmt.Fprintf(&b, "\t%s\n", p)
		}
	}
	return b.String()
}

func ephemeralSessions(st *Status) []int64 {
	ids := make([]int64, 0, len(st.Ephemerals))
	for id := range st.Ephemerals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

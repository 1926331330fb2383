package server

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/zab"
)

// The AdminServer commands of ZooKeeper 3.8 (org.apache.zookeeper.server.
// admin.Commands), answered from the server's state. The server computes
// the response maps; live/admin.go serves them over HTTP as JSON, the way
// ZooKeeper's JettyAdminServer does. Every response carries "command" (the
// primary name, whichever alias was asked for) and "error" (nil or a
// message), as CommandResponse does.

// ErrUnknownAdminCommand is wrapped by AdminCommand for a name that is not
// a command (ZooKeeper answers "Unknown command: NAME").
var ErrUnknownAdminCommand = errors.New("unknown admin command")

// AdminCommandInfo names one command: its primary name and every alias.
type AdminCommandInfo struct {
	Primary string
	Names   []string
	// ServerRequired commands answer "This ZooKeeper instance is not
	// currently serving requests" while the server does not serve.
	ServerRequired bool
}

// adminCommand is one command: its names and how to fill the response.
type adminCommand struct {
	info AdminCommandInfo
	run  func(s *Server, resp map[string]any)
}

// adminCommands lists the commands zabsim implements, with ZooKeeper's
// names; the first name is the primary one.
var adminCommands = []adminCommand{
	{info: AdminCommandInfo{Primary: "configuration", Names: []string{"configuration", "conf", "config"}, ServerRequired: true}, run: (*Server).adminConf},
	{info: AdminCommandInfo{Primary: "connections", Names: []string{"connections", "cons"}, ServerRequired: true}, run: (*Server).adminCons},
	{info: AdminCommandInfo{Primary: "dump", Names: []string{"dump"}, ServerRequired: true}, run: (*Server).adminDump},
	{info: AdminCommandInfo{Primary: "environment", Names: []string{"environment", "env", "envi"}}, run: (*Server).adminEnv},
	{info: AdminCommandInfo{Primary: "is_read_only", Names: []string{"is_read_only", "isro"}, ServerRequired: true}, run: (*Server).adminIsro},
	{info: AdminCommandInfo{Primary: "leader", Names: []string{"leader", "lead"}, ServerRequired: true}, run: (*Server).adminLeader},
	{info: AdminCommandInfo{Primary: "monitor", Names: []string{"monitor", "mntr"}}, run: (*Server).adminMonitor},
	{info: AdminCommandInfo{Primary: "ruok", Names: []string{"ruok"}, ServerRequired: true}, run: func(*Server, map[string]any) {}},
	{info: AdminCommandInfo{Primary: "server_stats", Names: []string{"server_stats", "srvr"}, ServerRequired: true}, run: (*Server).adminSrvr},
	{info: AdminCommandInfo{Primary: "stats", Names: []string{"stats", "stat"}, ServerRequired: true}, run: (*Server).adminStat},
	{info: AdminCommandInfo{Primary: "voting_view", Names: []string{"voting_view"}, ServerRequired: true}, run: (*Server).adminVotingView},
	{info: AdminCommandInfo{Primary: "watch_summary", Names: []string{"watch_summary", "wchs"}, ServerRequired: true}, run: (*Server).adminWatchSummary},
}

// AdminCommands returns every command, sorted by primary name.
func AdminCommands() []AdminCommandInfo {
	out := make([]AdminCommandInfo, len(adminCommands))
	for i, c := range adminCommands {
		out[i] = AdminCommandInfo{Primary: c.info.Primary, Names: slices.Clone(c.info.Names), ServerRequired: c.info.ServerRequired}
	}
	return out
}

func findAdminCommand(name string) (adminCommand, bool) {
	for _, c := range adminCommands {
		if slices.Contains(c.info.Names, name) {
			return c, true
		}
	}
	return adminCommand{}, false
}

// AdminCommand runs the AdminServer command name (a primary name or an
// alias) and returns its response map, ready for JSON. An unknown name
// returns ZooKeeper's response ({"command": name, "error": "Unknown
// command: name"}) and an error wrapping ErrUnknownAdminCommand. The
// result is a fresh map of plain values (strings, bools, numbers, slices
// and maps keyed by string): it shares nothing with the server.
func (s *Server) AdminCommand(name string) (map[string]any, error) {
	c, ok := findAdminCommand(name)
	if !ok {
		msg := "Unknown command: " + name
		return map[string]any{"command": name, "error": msg}, fmt.Errorf("%w: %q", ErrUnknownAdminCommand, name)
	}
	resp := map[string]any{"command": c.info.Primary, "error": nil}
	if c.info.ServerRequired && !s.Serving() {
		resp["error"] = "This ZooKeeper instance is not currently serving requests"
		return resp, nil
	}
	c.run(s, resp)
	return resp, nil
}

// Serving reports whether the server answers clients: started, not failed,
// and (in an ensemble) following or leading an established leader.
func (s *Server) Serving() bool {
	if s.env == nil || s.failed != nil {
		return false
	}
	return s.repl.serving()
}

func (s *Server) adminConf(resp map[string]any) {
	port, err := strconv.ParseInt(portOf(s.cfg.ClientAddr), 10, 64)
	if err != nil {
		port = -1
	}
	resp["client_port"] = port
	resp["tick_time"] = s.cfg.TickTimeMS
	resp["max_client_cnxns"] = int64(s.cfg.MaxClientCnxns)
	resp["min_session_timeout"] = s.cfg.MinSessionTimeoutMS
	resp["max_session_timeout"] = s.cfg.MaxSessionTimeoutMS
	resp["server_id"] = s.cfg.ID
	if v, ok := s.configVersion(); ok {
		resp["config_version"] = v
		resp["membership"] = string(s.ens.peer.Config().Text)
	}
}

// connectionInfo is ServerCnxn.getConnectionInfo for one connection, in
// its non-brief form (cons, stat).
func (s *Server) connectionInfo(c *conn) map[string]any {
	return map[string]any{
		"remote_socket_address": c.remote,
		"outstanding_requests":  int64(len(c.queue)),
		"packets_received":      c.received,
		"packets_sent":          c.sent,
		"session_id":            "0x" + strconv.FormatInt(c.session, 16),
		"last_zxid":             "0x" + strconv.FormatInt(c.lastZxid, 16),
		"session_timeout":       int64(c.timeoutMS),
	}
}

func (s *Server) connectionList() []any {
	out := []any{}
	for _, id := range sortedConnIDs(s.conns) {
		out = append(out, s.connectionInfo(s.conns[id]))
	}
	return out
}

func (s *Server) adminCons(resp map[string]any) {
	resp["connections"] = s.connectionList()
	resp["secure_connections"] = []any{}
}

// adminDump lists sessions by the end of their expiry bucket (milliseconds
// of the server's monotonic clock, where ZooKeeper uses its own elapsed
// time) and ephemerals by owner. Map keys are decimal strings, as Jackson
// writes Map<Long, ...> keys.
func (s *Server) adminDump(resp map[string]any) {
	expiry := map[string]any{}
	byBucket := map[int64][]int64{}
	for _, id := range s.sessions.IDs() {
		if sess, ok := s.sessions.Get(id); ok && sess.Bucketed {
			byBucket[sess.ExpiryMS] = append(byBucket[sess.ExpiryMS], id)
		}
	}
	for at, ids := range byBucket {
		expiry[strconv.FormatInt(at, 10)] = int64List(ids)
	}
	ephemerals := map[string]any{}
	for _, id := range s.tree.EphemeralSessions() {
		paths := slices.Clone(s.tree.Ephemerals(id))
		slices.Sort(paths)
		ephemerals[strconv.FormatInt(id, 10)] = paths
	}
	resp["expiry_time_to_session_ids"] = expiry
	resp["session_id_to_ephemeral_paths"] = ephemerals
}

func int64List(xs []int64) []int64 {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

func (s *Server) adminEnv(resp map[string]any) {
	resp["zookeeper.version"] = s.cfg.Version
	if s.env != nil {
		resp["host.name"] = s.env.Name()
	}
}

func (s *Server) adminIsro(resp map[string]any) { resp["read_only"] = false }

func (s *Server) adminLeader(resp map[string]any) {
	if s.ens == nil {
		resp["error"] = "server is not initialized" // ZooKeeper's answer on a standalone server
		return
	}
	leader := s.ens.role.Leader
	resp["is_leader"] = s.ens.role.Role == zab.RoleLeading
	resp["leader_id"] = int64(leader)
	ip := ""
	if addr, ok := s.peerAddr(int64(leader)); ok {
		ip = hostOf(addr)
	}
	resp["leader_ip"] = ip
}

func (s *Server) peerAddr(id int64) (string, bool) {
	for _, p := range s.cfg.Peers {
		if p.ID == id {
			return p.Addr, true
		}
	}
	return "", false
}

// adminVotingView is the ensemble as QuorumPeer.getVotingView renders it:
// "host:quorumPort:electionPort:participant". zabsim has no election port
// (election shares the quorum port), so it is left out.
func (s *Server) adminVotingView(resp map[string]any) {
	view := map[string]any{}
	if _, ok := s.configVersion(); ok {
		// The active config's voters, as QuorumServer.toString renders them.
		if d, err := config.ParseDynamic(s.ens.peer.Config().Text); err == nil {
			for _, srv := range d.Servers {
				if srv.Type == config.Participant {
					view[strconv.FormatInt(srv.ID, 10)] = srv.DynamicLine()
				}
			}
		}
		resp["current_config"] = view
		return
	}
	for _, p := range s.cfg.Peers {
		if p.Observer {
			continue
		}
		view[strconv.FormatInt(p.ID, 10)] = p.Addr + ":participant"
	}
	resp["current_config"] = view
}

// adminWatchSummary is DataTree.getWatchesSummary: data watches only (the
// 4lw wchs prints the same numbers).
func (s *Server) adminWatchSummary(resp map[string]any) {
	sum := s.tree.DataWatchSummary()
	resp["num_connections"] = int64(sum.Watchers)
	resp["num_paths"] = int64(sum.Paths)
	resp["num_total_watches"] = int64(sum.Watches)
}

// serverStats is ServerStats as Jackson writes it (snake_case getters).
func (s *Server) serverStatsMap() map[string]any {
	st := s.stats
	return map[string]any{
		"packets_sent":                 st.packetsSent,
		"packets_received":             st.packetsReceived,
		"max_latency":                  st.maxLatencyMS,
		"min_latency":                  st.minLatencyMS,
		"avg_latency":                  avgLatency(st),
		"outstanding_requests":         int64(len(s.inflight)),
		"last_processed_zxid":          s.tree.LastZxid(),
		"server_state":                 s.mode(),
		"num_alive_client_connections": int64(len(s.conns)),
		"uptime":                       s.elapsedMS(),
		"provider_null":                false, // the metrics are there (ServerStats.isProviderNull)
	}
}

func (s *Server) adminSrvr(resp map[string]any) {
	resp["version"] = s.cfg.Version
	resp["read_only"] = false
	resp["server_stats"] = s.serverStatsMap()
	resp["node_count"] = int64(s.reportedNodeCount())
}

func (s *Server) adminStat(resp map[string]any) {
	s.adminSrvr(resp)
	resp["connections"] = s.connectionList()
}

// reportedNodeCount is the znode count as ZooKeeper reports it (srvr,
// mntr, znode_count): its DataTree keeps the root under both "" and "/",
// and DataTree.getNodeCount counts both, so an empty ZooKeeper reports 5
// nodes where it holds 4.
func (s *Server) reportedNodeCount() int { return s.tree.NodeCount() + 1 }

// adminMonitor is mntr's data under its JSON keys (the 4lw's names without
// the zk_ prefix). It runs on a server that does not serve too, as
// ZooKeeper's does, so operators can see a node that is looking.
func (s *Server) adminMonitor(resp map[string]any) {
	for _, m := range s.Metrics() {
		resp[m.Name] = m.Value
	}
	resp["version"] = s.cfg.Version
	resp["server_state"] = s.mode()
}

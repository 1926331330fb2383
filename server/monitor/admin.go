package monitor

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// The AdminServer commands of ZooKeeper 3.8 (org.apache.zookeeper.server.
// admin.Commands), answered from a Status. live/serverproc/admin.go serves them over
// HTTP as JSON, the way ZooKeeper's JettyAdminServer does. Every response
// carries "command" (the primary name, whichever alias was asked for) and
// "error" (nil or a message), as CommandResponse does.

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
	run  func(st *Status, resp map[string]any)
}

// adminCommands lists the commands zabsim implements, with ZooKeeper's
// names; the first name is the primary one.
var adminCommands = []adminCommand{
	{info: AdminCommandInfo{Primary: "configuration", Names: []string{"configuration", "conf", "config"}, ServerRequired: true}, run: adminConf},
	{info: AdminCommandInfo{Primary: "connections", Names: []string{"connections", "cons"}, ServerRequired: true}, run: adminCons},
	{info: AdminCommandInfo{Primary: "dump", Names: []string{"dump"}, ServerRequired: true}, run: adminDump},
	{info: AdminCommandInfo{Primary: "environment", Names: []string{"environment", "env", "envi"}}, run: adminEnv},
	{info: AdminCommandInfo{Primary: "is_read_only", Names: []string{"is_read_only", "isro"}, ServerRequired: true}, run: adminIsro},
	{info: AdminCommandInfo{Primary: "leader", Names: []string{"leader", "lead"}, ServerRequired: true}, run: adminLeader},
	{info: AdminCommandInfo{Primary: "monitor", Names: []string{"monitor", "mntr"}}, run: adminMonitor},
	{info: AdminCommandInfo{Primary: "ruok", Names: []string{"ruok"}, ServerRequired: true}, run: func(*Status, map[string]any) {}},
	{info: AdminCommandInfo{Primary: "server_stats", Names: []string{"server_stats", "srvr"}, ServerRequired: true}, run: adminSrvr},
	{info: AdminCommandInfo{Primary: "stats", Names: []string{"stats", "stat"}, ServerRequired: true}, run: adminStat},
	{info: AdminCommandInfo{Primary: "voting_view", Names: []string{"voting_view"}, ServerRequired: true}, run: adminVotingView},
	{info: AdminCommandInfo{Primary: "watch_summary", Names: []string{"watch_summary", "wchs"}, ServerRequired: true}, run: adminWatchSummary},
}

// AdminCommands returns every command, sorted by primary name.
func AdminCommands() []AdminCommandInfo {
	out := make([]AdminCommandInfo, len(adminCommands))
	for i, c := range adminCommands {
		out[i] = AdminCommandInfo{Primary: c.info.Primary, Names: slices.Clone(c.info.Names), ServerRequired: c.info.ServerRequired}
	}
	return out
}

// IsAdminCommand reports whether name is a command's name or alias.
func IsAdminCommand(name string) bool {
	_, ok := findAdminCommand(name)
	return ok
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
// alias) over st and returns its response map, ready for JSON. An unknown
// name returns ZooKeeper's response ({"command": name, "error": "Unknown
// command: name"}) and an error wrapping ErrUnknownAdminCommand. The result
// is a fresh map of plain values (strings, bools, numbers, slices and maps
// keyed by string).
func AdminCommand(st *Status, name string) (map[string]any, error) {
	c, ok := findAdminCommand(name)
	if !ok {
		msg := "Unknown command: " + name
		return map[string]any{"command": name, "error": msg}, fmt.Errorf("%w: %q", ErrUnknownAdminCommand, name)
	}
	resp := map[string]any{"command": c.info.Primary, "error": nil}
	if c.info.ServerRequired && !st.Serving {
		resp["error"] = "This ZooKeeper instance is not currently serving requests"
		return resp, nil
	}
	c.run(st, resp)
	return resp, nil
}

func adminConf(st *Status, resp map[string]any) {
	port, err := strconv.ParseInt(st.ClientPort, 10, 64)
	if err != nil {
		port = -1
	}
	resp["client_port"] = port
	resp["tick_time"] = st.TickTimeMS
	resp["max_client_cnxns"] = int64(st.MaxClientCnxns)
	resp["min_session_timeout"] = st.MinSessionTimeoutMS
	resp["max_session_timeout"] = st.MaxSessionTimeoutMS
	resp["server_id"] = st.ServerID
	if st.HasConfig {
		resp["config_version"] = st.ConfigVersion
		resp["membership"] = st.ConfigText
	}
}

// connectionList is ServerCnxn.getConnectionInfo per connection, in its
// non-brief form (cons, stat).
func connectionList(st *Status) []any {
	out := []any{}
	for _, c := range st.Conns {
		out = append(out, map[string]any{
			"remote_socket_address": c.Remote,
			"outstanding_requests":  int64(c.Queued),
			"packets_received":      c.Received,
			"packets_sent":          c.Sent,
			"session_id":            "0x" + strconv.FormatInt(c.Session, 16),
			"last_zxid":             "0x" + strconv.FormatInt(c.LastZxid, 16),
			"session_timeout":       int64(c.TimeoutMS),
		})
	}
	return out
}

func adminCons(st *Status, resp map[string]any) {
	resp["connections"] = connectionList(st)
	resp["secure_connections"] = []any{}
}

// adminDump lists sessions by the end of their expiry bucket (milliseconds
// of the server's monotonic clock, where ZooKeeper uses its own elapsed
// time) and ephemerals by owner. Map keys are decimal strings, as Jackson
// writes Map<Long, ...> keys.
func adminDump(st *Status, resp map[string]any) {
	expiry := map[string]any{}
	byBucket := map[int64][]int64{}
	for _, sess := range st.Sessions {
		if sess.Bucketed {
			byBucket[sess.ExpiryMS] = append(byBucket[sess.ExpiryMS], sess.ID)
		}
	}
	for at, ids := range byBucket {
		expiry[strconv.FormatInt(at, 10)] = slices.Sorted(slices.Values(ids))
	}
	ephemerals := map[string]any{}
	for id, paths := range st.Ephemerals {
		ephemerals[strconv.FormatInt(id, 10)] = slices.Clone(paths)
	}
	resp["expiry_time_to_session_ids"] = expiry
	resp["session_id_to_ephemeral_paths"] = ephemerals
}

func adminEnv(st *Status, resp map[string]any) {
	resp["zookeeper.version"] = st.Version
	if st.Host != "" {
		resp["host.name"] = st.Host
	}
}

func adminIsro(_ *Status, resp map[string]any) { resp["read_only"] = false }

func adminLeader(st *Status, resp map[string]any) {
	if !st.Ensemble {
		resp["error"] = "server is not initialized" // ZooKeeper's answer on a standalone server
		return
	}
	resp["is_leader"] = st.IsLeader
	resp["leader_id"] = int64(st.LeaderID)
	resp["leader_ip"] = st.LeaderHost
}

// adminVotingView is the ensemble as QuorumPeer.getVotingView renders it.
func adminVotingView(st *Status, resp map[string]any) {
	view := map[string]any{}
	for id, line := range st.Voters {
		view[strconv.FormatInt(id, 10)] = line
	}
	resp["current_config"] = view
}

// adminWatchSummary is DataTree.getWatchesSummary: data watches only (the
// 4lw wchs prints the same numbers).
func adminWatchSummary(st *Status, resp map[string]any) {
	resp["num_connections"] = int64(st.DataWatches.Watchers)
	resp["num_paths"] = int64(st.DataWatches.Paths)
	resp["num_total_watches"] = int64(st.DataWatches.Watches)
}

// serverStatsMap is ServerStats as Jackson writes it (snake_case getters).
func serverStatsMap(st *Status) map[string]any {
	return map[string]any{
		"packets_sent":                 st.Stats.PacketsSent,
		"packets_received":             st.Stats.PacketsReceived,
		"max_latency":                  st.Stats.MaxLatencyMS,
		"min_latency":                  st.Stats.MinLatencyMS,
		"avg_latency":                  st.Stats.AvgLatencyMS(),
		"outstanding_requests":         int64(st.Outstanding),
		"last_processed_zxid":          st.LastZxid,
		"server_state":                 st.Mode,
		"num_alive_client_connections": int64(len(st.Conns)),
		"uptime":                       st.UptimeMS,
		"provider_null":                false, // the metrics are there (ServerStats.isProviderNull)
	}
}

func adminSrvr(st *Status, resp map[string]any) {
	resp["version"] = st.Version
	resp["read_only"] = false
	resp["server_stats"] = serverStatsMap(st)
	resp["node_count"] = int64(st.NodeCount)
}

func adminStat(st *Status, resp map[string]any) {
	adminSrvr(st, resp)
	resp["connections"] = connectionList(st)
}

// adminMonitor is mntr's data under its JSON keys (the 4lw's names without
// the zk_ prefix). It runs on a server that does not serve too, as
// ZooKeeper's does, so operators can see a node that is looking.
func adminMonitor(st *Status, resp map[string]any) {
	for _, m := range Metrics(st) {
		resp[m.Name] = m.Value
	}
	resp["version"] = st.Version
	resp["server_state"] = st.Mode
}

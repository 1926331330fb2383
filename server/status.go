package server

import (
	"maps"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/monitor"
	"github.com/zabsim/zabsim/server/zab"
)

// What operators ask a server — four-letter words, AdminServer commands,
// Prometheus gauges — is rendered by server/monitor from a Status the
// server fills here.

// Metric is one gauge (see monitor.Metric).
type Metric = monitor.Metric

// AdminCommandInfo names one AdminServer command (see monitor).
type AdminCommandInfo = monitor.AdminCommandInfo

// ErrUnknownAdminCommand is wrapped by AdminCommand for a name that is not
// a command.
var ErrUnknownAdminCommand = monitor.ErrUnknownAdminCommand

// AdminCommands returns every AdminServer command, sorted by primary name.
func AdminCommands() []AdminCommandInfo { return monitor.AdminCommands() }

// AdminCommand runs the AdminServer command name (a primary name or an
// alias) and returns its response map, ready for JSON; see
// monitor.AdminCommand.
func (s *Server) AdminCommand(name string) (map[string]any, error) {
	if !monitor.IsAdminCommand(name) {
		return monitor.AdminCommand(&monitor.Status{}, name)
	}
	st := s.status()
	return monitor.AdminCommand(&st, name)
}

// Metrics returns the server's gauges under ZooKeeper's metric names, in a
// fixed order. approximate_data_size walks the tree: Metrics is for
// operators, not for the request path.
func (s *Server) Metrics() []Metric {
	st := s.status()
	return monitor.Metrics(&st)
}

// Serving reports whether the server answers clients: started, not failed,
// and (in an ensemble) following or leading an established leader.
func (s *Server) Serving() bool {
	if s.env == nil || s.failed != nil {
		return false
	}
	return s.repl.serving()
}

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
	if monitor.ResetsStats(cmd) {
		s.stats = monitor.Stats{}
	}
	st := s.status()
	return monitor.FourLetterOutput(&st, cmd)
}

// status is a snapshot of the server for monitoring.
func (s *Server) status() monitor.Status {
	st := monitor.Status{Version: s.cfg.Version, Mode: "standalone", Serving: s.Serving(),
		ClientPort: portOf(s.cfg.ClientAddr), TickTimeMS: s.cfg.TickTimeMS, MaxClientCnxns: s.cfg.MaxClientCnxns,
		MinSessionTimeoutMS: s.cfg.MinSessionTimeoutMS, MaxSessionTimeoutMS: s.cfg.MaxSessionTimeoutMS, ServerID: s.cfg.ID,
		Stats: s.stats, UptimeMS: s.elapsedMS(), Outstanding: len(s.inflight), Voters: map[int64]string{}}
	if s.env != nil {
		st.Host = s.env.Name()
	}
	for _, id := range slices.Sorted(maps.Keys(s.conns)) {
		c := s.conns[id]
		st.Conns = append(st.Conns, monitor.Conn{Remote: c.remote, Queued: len(c.queue), Received: c.received, Sent: c.sent,
			Session: c.session, LastZxid: c.lastZxid, TimeoutMS: c.timeoutMS})
	}
	for _, p := range s.cfg.Peers {
		if !p.Observer {
			st.QuorumSize++
			st.Voters[p.ID] = p.Addr + ":participant"
		}
	}
	if e := s.ens; e != nil {
		st.Ensemble, st.Mode = true, roleName(e.role.Role)
		st.IsLeader, st.LeaderID = e.role.Role == zab.RoleLeading, e.role.Leader
		for _, p := range s.cfg.Peers {
			if uint64(p.ID) == e.role.Leader {
				st.LeaderHost = hostOf(p.Addr)
			}
		}
		if s.cfg.ReconfigEnabled {
			s.configStatus(&st, e.peer.Config())
		}
	}
	if t := s.tree; t != nil {
		st.HasTree, st.LastZxid, st.NodeCount, st.WatchCount = true, t.LastZxid(), s.reportedNodeCount(), t.WatchCount()
		st.DataWatches = monitor.WatchSummary(t.DataWatchSummary())
		st.Ephemerals = map[int64][]string{}
		for _, id := range t.EphemeralSessions() {
			st.Ephemerals[id] = t.Ephemerals(id)
		}
		st.ApproxDataSize = t.ApproximateDataSize()
	}
	if s.sessions != nil {
		st.HasSessions = true
		for _, id := range s.sessions.IDs() {
			sess, _ := s.sessions.Get(id)
			st.Sessions = append(st.Sessions, monitor.Session{ID: id, TimeoutMS: sess.TimeoutMS, ExpiryMS: sess.ExpiryMS, Bucketed: sess.Bucketed})
		}
	}
	return st
}

// configStatus adds the active config (reconfigEnabled): its version and
// text, and its voters as QuorumServer.toString renders them.
func (s *Server) configStatus(st *monitor.Status, m zab.Membership) {
	st.HasConfig, st.ConfigVersion, st.ConfigText = true, m.Version, string(m.Text)
	st.Voters = map[int64]string{}
	if d, err := config.ParseDynamic(m.Text); err == nil {
		for _, srv := range d.Servers {
			if srv.Type == config.Participant {
				st.Voters[srv.ID] = srv.DynamicLine()
			}
		}
	}
}

// reportedNodeCount is the znode count as ZooKeeper reports it (srvr,
// mntr, znode_count): its DataTree keeps the root under both "" and "/",
// and DataTree.getNodeCount counts both, so an empty ZooKeeper reports 5
// nodes where it holds 4.
func (s *Server) reportedNodeCount() int { return s.tree.NodeCount() + 1 }

func portOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

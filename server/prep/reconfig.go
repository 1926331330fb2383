package prep

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// prepReconfig is PrepRequestProcessor's reconfig case, in its order of
// checks (reconfigEnabled was checked when the request arrived).
func (pr *Processor) prepReconfig(p *prepCtx, r *wire.ReconfigRequest) (txn.Record, error) {
	if err := pr.checkSession(p); err != nil {
		return nil, err
	}
	peer := pr.host.Quorum()
	if peer == nil {
		return nil, wire.ErrUnimplemented // standalone: "reconfiguration currently not supported"
	}
	if peer.ReconfigPending() {
		return nil, wire.ErrReconfigInProgress
	}
	cur := peer.Config()
	if r.CurConfigID != -1 && r.CurConfigID != cur.Version {
		return nil, wire.ErrBadVersion
	}
	next, err := nextConfig(cur, r)
	if err != nil {
		pr.host.Logf("reconfig: %v", err)
		return nil, wire.ErrBadArguments
	}
	next.Version = p.hdr.Zxid
	m := membersOf(next)
	if !pr.opts.StandaloneDisabled && len(m.Voters) < 2 || len(m.Voters) < 1 {
		pr.host.Logf("reconfig failed: the new configuration must include at least %d followers", 2)
		return nil, wire.ErrBadArguments
	}
	if !peer.QuorumSynced(&m) {
		return nil, wire.ErrNewConfigNoQuorum
	}
	node, err := pr.record(tree.ConfigPath)
	if err != nil {
		return nil, err
	}
	if !pr.opts.SkipACL {
		if err := pr.checkACL(node.acl, wire.PermWrite, p.authIDs); err != nil {
			return nil, err
		}
	}
	data := []byte(next.String())
	nc := node.dup(p.hdr.Zxid)
	nc.stat.Version = -1
	nc.stat.Mtime = p.hdr.TimeMS
	nc.stat.Mzxid = p.hdr.Zxid
	pr.changes.add(nc)
	return &txn.SetData{Path: tree.ConfigPath, Data: data, Version: -1}, nil
}

// nextConfig applies a reconfig request to the active config: newMembers
// replaces the membership; otherwise leaving ids go and joining
// server.N=spec lines (quorum, election and client ports) are added or
// replace the same id.
func nextConfig(cur zab.Membership, r *wire.ReconfigRequest) (config.Dynamic, error) {
	if r.NewMembers != nil {
		d, err := config.ParseDynamic(r.NewMembers)
		if err != nil {
			return config.Dynamic{}, err
		}
		return config.Dynamic{Servers: d.Servers}, nil
	}
	d, err := config.ParseDynamic(cur.Text)
	if err != nil {
		return config.Dynamic{}, fmt.Errorf("active config: %w", err)
	}
	servers := d.Servers
	for _, id := range splitList(r.LeavingServers) {
		sid, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return config.Dynamic{}, fmt.Errorf("leaving server %q is not an id", id)
		}
		servers = slices.DeleteFunc(servers, func(s config.Server) bool { return s.ID == sid })
	}
	for _, line := range splitList(r.JoiningServers) {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return config.Dynamic{}, fmt.Errorf("wrong format of server string %q", line)
		}
		srv, err := config.ParseServerLine(key, value)
		if err != nil {
			return config.Dynamic{}, err
		}
		if srv.ClientPort == 0 {
			return config.Dynamic{}, fmt.Errorf("%q: each server should have at least 3 ports specified", line)
		}
		servers = slices.DeleteFunc(servers, func(s config.Server) bool { return s.ID == srv.ID })
		servers = append(servers, srv)
	}
	slices.SortFunc(servers, func(a, b config.Server) int { return cmp.Compare(a.ID, b.ID) })
	return config.Dynamic{Servers: servers}, nil
}

func splitList(b []byte) []string {
	var out []string
	for _, f := range strings.Split(string(b), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// membersOf is the membership a config's quorum checks need.
func membersOf(d config.Dynamic) zab.Membership {
	m := zab.Membership{Version: d.Version}
	for _, s := range d.Servers {
		if s.Type == config.Observer {
			m.Observers = append(m.Observers, uint64(s.ID))
		} else {
			m.Voters = append(m.Voters, uint64(s.ID))
		}
	}
	return m
}

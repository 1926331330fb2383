package server

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/storage"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
)

// Dynamic reconfiguration (reconfigEnabled), as ZooKeeper 3.8 does it: the
// ensemble's config is data — /zookeeper/config holds its text (server
// lines and version=<hex>), a reconfig is a SetData txn on that node whose
// commit activates the new config (server/zab does the quorum side), and
// each activated config is written to zoo.cfg.dynamic.<version> in the data
// directory, which the next start reads. A crash between a reconfig's
// proposal and its commit leaves the txn in the log tail: Zab holds it as
// the pending config until a leader commits or cuts it (ZooKeeper keeps a
// zoo.cfg.dynamic.next file for that; zabsim's log says the same).

// ConfigActivated reports that a server activated a config.
type ConfigActivated struct {
	Node      string
	Version   int64
	Voters    []uint64
	Observers []uint64
}

// configCodec reads configs for Zab: reconfig txns and config texts.
type configCodec struct{}

// opReconfigOffset is where a txn's type sits in its encoding (TxnHeader:
// clientId i64, cxid i32, zxid i64, time i64, type i32).
const opReconfigOffset = 8 + 4 + 8 + 8

func (configCodec) ReconfigText(data []byte) ([]byte, bool) {
	if len(data) < txn.HeaderSize || int32(binary.BigEndian.Uint32(data[opReconfigOffset:])) != int32(wire.OpReconfig) {
		return nil, false
	}
	t, err := txn.Unmarshal(data)
	if err != nil {
		return nil, false
	}
	sd, ok := t.Record.(*txn.SetData)
	if !ok {
		return nil, false
	}
	return sd.Data, true
}

func (configCodec) ParseConfig(text []byte) (zab.Membership, error) {
	d, err := config.ParseDynamic(text)
	if err != nil {
		return zab.Membership{}, err
	}
	return membership(d, text), nil
}

func (configCodec) WithVersion(m zab.Membership, v int64) []byte {
	d, err := config.ParseDynamic(m.Text)
	if err != nil {
		return m.Text
	}
	d.Version = v
	return []byte(d.String())
}

func membership(d config.Dynamic, text []byte) zab.Membership {
	m := zab.Membership{Version: d.Version, Text: text}
	for _, s := range d.Servers {
		if s.Type == config.Observer {
			m.Observers = append(m.Observers, uint64(s.ID))
		} else {
			m.Voters = append(m.Voters, uint64(s.ID))
		}
	}
	return m
}

// zabConfig builds the Zab peer's config: the members (and their
// addresses, into addrs) of the static config, or with reconfigEnabled of the
// newest config this server knows (startConfig), and the recovered log.
func (s *Server) zabConfig(e *ensemble, addrs map[uint64]string, rec *storage.Recovery) zab.Config {
	zc := zab.Config{ID: uint64(s.cfg.ID), Bugs: s.cfg.Bugs, Snapshots: e}
	for _, p := range s.cfg.Peers {
		if p.ID == s.cfg.ID {
			e.myAddr = p.Addr
		}
		if s.cfg.ReconfigEnabled {
			continue
		}
		addrs[uint64(p.ID)] = p.Addr
		if p.Observer {
			zc.Observers = append(zc.Observers, uint64(p.ID))
		} else {
			zc.Voters = append(zc.Voters, uint64(p.ID))
		}
	}
	if s.cfg.ReconfigEnabled {
		d := s.startConfig()
		for _, srv := range d.Servers {
			addrs[uint64(srv.ID)] = srv.QuorumAddr()
		}
		text := []byte(d.String())
		m := membership(d, text)
		zc.Voters, zc.Observers, zc.ConfigVersion, zc.ConfigText, zc.Configs = m.Voters, m.Observers, d.Version, text, configCodec{}
	}
	log := make([]zab.Entry, 0, len(rec.Records))
	for _, r := range rec.Records {
		log = append(log, zab.Entry{Zxid: r.Zxid, Data: r.Payload})
	}
	zc.Initial = zab.InitialState{AcceptedEpoch: uint32(rec.AcceptedEpoch), CurrentEpoch: uint32(rec.CurrentEpoch),
		LastCommittedZxid: s.tree.LastZxid(), Log: log}
	return zc
}

// staticDynamic is the config the server was started with, as a dynamic
// config (server lines from Peers).
func (s *Server) staticDynamic() config.Dynamic {
	d := config.Dynamic{Version: s.cfg.ConfigVersion}
	for _, p := range s.cfg.Peers {
		srv := config.Server{ID: p.ID, Type: config.Participant, ElectionPort: p.ElectionPort}
		if p.Observer {
			srv.Type = config.Observer
		}
		host, port := splitAddr(p.Addr)
		srv.Host, srv.QuorumPort = host, port
		if srv.ElectionPort == 0 {
			srv.ElectionPort = port + 1000
		}
		client := p.ClientAddr
		if client == "" && p.ID == s.cfg.ID {
			client = s.cfg.ClientAddr
		}
		if client != "" {
			srv.ClientHost, srv.ClientPort = splitAddr(client)
		}
		d.Servers = append(d.Servers, srv)
	}
	return d
}

// splitAddr splits "host:port" or "[v6]:port".
func splitAddr(addr string) (string, int) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, 0
	}
	port, _ := strconv.Atoi(addr[i+1:])
	return strings.TrimSuffix(strings.TrimPrefix(addr[:i], "["), "]"), port
}

// startConfig is the config a starting member takes as active: the newest
// of its static config, the zoo.cfg.dynamic.<version> files in its data
// directory and the config its snapshot's /zookeeper/config holds.
func (s *Server) startConfig() config.Dynamic {
	best := s.staticDynamic()
	consider := func(text []byte) {
		if d, err := config.ParseDynamic(text); err == nil && d.Version > best.Version && len(d.Servers) > 0 {
			best = d
		}
	}
	if names, err := s.env.Disk().List(); err == nil {
		for _, n := range names {
			if _, ok := config.ParseDynamicFileName(n); ok {
				if b, err := s.env.Disk().ReadFile(n); err == nil {
					consider(b)
				}
			}
		}
	}
	if data, _ := s.tree.ConfigNode(); len(data) > 0 {
		consider(data)
	}
	return best
}

// initConfigNode is initConfigInZKDatabase: /zookeeper/config takes the
// active config, unless it already holds it.
func (s *Server) initConfigNode(m zab.Membership) {
	if data, mzxid := s.tree.ConfigNode(); mzxid == m.Version && len(data) > 0 {
		return
	}
	s.deliverEvents(s.tree.SetConfigNode(slices.Clone(m.Text), m.Version, s.nowMS()))
}

// activateConfig carries out Ready.ActivateConfig: the config is written to
// zoo.cfg.dynamic.<version> (temp file, then rename), its members become
// peers to talk to, and /zookeeper/config shows it.
func (s *Server) activateConfig(m zab.Membership) {
	d, err := config.ParseDynamic(m.Text)
	if err != nil {
		s.env.Logf("activated config %s does not parse: %v", zab.ZxidString(m.Version), err)
		return
	}
	name := config.DynamicFileName(m.Version)
	disk := s.env.Disk()
	if err := disk.WriteFile(name+".tmp", m.Text); err == nil {
		err = disk.Rename(name+".tmp", name)
		if err != nil {
			s.env.Logf("write %s: %v", name, err)
		}
	}
	for _, srv := range d.Servers {
		s.ens.tr.SetMemberAddr(uint64(srv.ID), srv.QuorumAddr())
	}
	s.initConfigNode(m)
	s.env.Logf("activated config %s: voters %v observers %v", zab.ZxidString(m.Version), m.Voters, m.Observers)
	s.env.Emit(ConfigActivated{Node: s.env.Name(), Version: m.Version, Voters: slices.Clone(m.Voters), Observers: slices.Clone(m.Observers)})
}

// reconfigReply answers a committed reconfig: the new config's data and
// the node's Stat, like getData (FinalRequestProcessor).
func (s *Server) reconfigReply(r *request, res tree.Result) {
	data, _ := s.tree.ConfigNode()
	s.reply(r, res.Err, &wire.GetDataResponse{Data: data, Stat: statOf(res)})
}

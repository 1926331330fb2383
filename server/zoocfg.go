package server

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/sasl"
)

// FromZooCfg maps a parsed zoo.cfg to a server Config, so `zabsim server
// --config zoo.cfg` runs with the settings Apache ZooKeeper would take from the
// same file. myid is the server id (the dataDir/myid file); 0 is allowed for
// a standalone config.
//
// The mapping follows ZooKeeper 3.8's own reading of the file:
//   - the client address is server.N's client part when it has one, else
//     clientPortAddress:clientPort, and a missing clientPortAddress means all
//     interfaces (0.0.0.0), never loopback only;
//   - maxClientCnxns=0 means unlimited (server.Config spells that negatively);
//   - zabsim.bugs names bug switches (server/bugs); zabsim.syncQuorum=false turns on sync-no-quorum (a
//     Config built in Go should start from config.Default, whose
//     SyncQuorum is true);
//   - with more than one server.N line the server joins an ensemble on the
//     lines' quorum addresses (host names resolve when the host listens and
//     dials, as ZooKeeper resolves them; quorumListenOnAllIPs binds the
//     quorum port on every address). zabsim carries election traffic on the
//     quorum port too, so electionPort is accepted and ignored.
//
// Storage settings (dataDir, dataLogDir, autopurge) are the host's business:
// the caller opens the disk.
func FromZooCfg(c config.Config, myid int64) (Config, error) {
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	addr, err := clientAddrFromZooCfg(c, myid)
	if err != nil {
		return Config{}, err
	}
	set, err := bugsFromZooCfg(c)
	if err != nil {
		return Config{}, err
	}
	peers, err := peersFromZooCfg(c, myid)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{
		ID:                     myid,
		ClientAddr:             addr,
		TickTimeMS:             int64(c.TickTimeMS),
		MinSessionTimeoutMS:    c.MinSessionTimeout().Milliseconds(),
		MaxSessionTimeoutMS:    c.MaxSessionTimeout().Milliseconds(),
		MaxClientCnxns:         maxClientCnxnsFromZooCfg(c.MaxClientCnxns),
		MaxBufferBytes:         c.JuteMaxBufferBytes,
		SnapCount:              c.SnapCount,
		SuperDigest:            c.SuperDigest,
		FourLetterWords:        c.FourLetterWords,
		ExtendedTypesEnabled:   c.ExtendedTypesEnabled,
		Bugs:                   set,
		Peers:                  peers,
		QuorumListenOnAllIPs:   c.QuorumListenOnAllIPs,
		SASLProvider:           slices.Contains(c.AuthSchemes(), "sasl"),
		SASLSuperUser:          c.SASLSuperUser,
		AllowSASLFailedClients: c.AllowSASLFailedClients,
		EnforceAuthSchemes:     slices.Clone(c.EnforcedAuthSchemes()),
		ReconfigEnabled:        c.ReconfigEnabled,
		StandaloneDisabled:     c.StandaloneDisabled,
		SkipACL:                c.SkipACL,
		ConfigVersion:          c.ConfigVersion,
	}
	return cfg.Normalize()
}

// SASLFromJAAS reads the DIGEST-MD5 users of a JAAS login file (the text
// of the file c.JAASLoginConfig names) from its Server section, or the
// section zookeeper.sasl.serverconfig names. A file without the section
// gives nil: ZooKeeper then runs without a SASL login. A file that does
// not parse, or a section for a login module other than DigestLoginModule,
// is an error (ZooKeeper does not start).
func SASLFromJAAS(c config.Config, text []byte) (*SASLConfig, error) {
	j, err := sasl.ParseJAAS(text)
	if err != nil {
		return nil, err
	}
	section := c.SASLServerSection
	if section == "" {
		section = sasl.DefaultServerSection
	}
	users, ok, err := j.DigestUsers(section)
	if err != nil || !ok {
		return nil, err
	}
	return &SASLConfig{Users: users, SuperPassword: c.SASLSuperPassword}, nil
}

// maxClientCnxnsFromZooCfg turns zoo.cfg's "0 = unlimited" into
// server.Config's "negative = unlimited" (0 there means the default 60).
func maxClientCnxnsFromZooCfg(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func clientAddrFromZooCfg(c config.Config, myid int64) (string, error) {
	var self config.Server
	if len(c.Servers) > 0 && myid != 0 {
		s, err := c.Self(myid)
		if err != nil && !c.Standalone() {
			return "", err
		}
		self = s
	}
	host, port := c.ClientPortAddress, c.ClientPort
	if self.ClientPort != 0 {
		host, port = self.ClientHost, self.ClientPort
	}
	if port == 0 {
		return "", errors.New("zoo.cfg: no client port for this server")
	}
	if host == "" {
		host = "0.0.0.0" // ZooKeeper binds every interface unless told otherwise
	}
	return joinHostPort(host, strconv.Itoa(port)), nil
}

// joinHostPort is net.JoinHostPort without importing net into the
// deterministic server package: IPv6 literals get brackets.
func joinHostPort(host, port string) string {
	if strings.IndexByte(host, ':') >= 0 {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// bugsFromZooCfg reads zabsim.bugs, rejecting names that are no switch.
func bugsFromZooCfg(c config.Config) (bugs.Set, error) {
	set, err := bugs.ParseSet(c.Bugs...)
	if err != nil {
		return 0, fmt.Errorf("zoo.cfg: zabsim.bugs: %w", err)
	}
	if !c.SyncQuorum {
		set = set.With(bugs.SyncNoQuorum)
	}
	return set, nil
}

// peersFromZooCfg returns the ensemble, or nil for a standalone config (at
// most one server.N line: ZooKeeper 3.8 with standaloneEnabled runs such a
// config standalone).
func peersFromZooCfg(c config.Config, myid int64) ([]PeerConfig, error) {
	if c.Standalone() {
		return nil, nil
	}
	if myid == 0 {
		return nil, errors.New("zoo.cfg names an ensemble (server.N lines) but no myid was given")
	}
	if _, err := c.Self(myid); err != nil {
		return nil, err
	}
	peers := make([]PeerConfig, 0, len(c.Servers))
	for _, s := range c.Servers {
		pc := PeerConfig{ID: s.ID, Addr: s.QuorumAddr(), Observer: s.Type == config.Observer, ElectionPort: s.ElectionPort}
		if s.ClientPort != 0 {
			host := s.ClientHost
			if host == "" {
				host = "0.0.0.0"
			}
			pc.ClientAddr = joinHostPort(host, strconv.Itoa(s.ClientPort))
		}
		peers = append(peers, pc)
	}
	return peers, nil
}

package server

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/wire"
)

// Config is a server's runtime configuration. Zero fields take ZooKeeper's
// defaults (see Normalize).
type Config struct {
	// ID is the server id (myid); 0 for a standalone server.
	ID int64
	// ClientAddr is the address clients connect to ("s1:2181" in the
	// simulator, "127.0.0.1:2181" live).
	ClientAddr string
	// TickTimeMS is ZooKeeper's tickTime (default 3000).
	TickTimeMS int64
	// MinSessionTimeoutMS and MaxSessionTimeoutMS bound negotiated session
	// timeouts (defaults 2× and 20× tickTime).
	MinSessionTimeoutMS int64
	MaxSessionTimeoutMS int64
	// MaxClientCnxns bounds concurrent connections from one host (default
	// 60; negative means unlimited).
	MaxClientCnxns int
	// MaxBufferBytes is jute.maxbuffer (default 0xfffff).
	MaxBufferBytes int
	// SnapCount is the number of txns between snapshots (default 100000).
	SnapCount int
	// SuperDigest is "super:<base64 sha1>" granting the super user, or "".
	SuperDigest string
	// FourLetterWords is the 4lw whitelist; "*" allows all (default "srvr").
	FourLetterWords []string
	// ExtendedTypesEnabled is zookeeper.extendedTypesEnabled: TTL nodes are
	// refused with UNIMPLEMENTED unless it is set (ZooKeeper's default).
	ExtendedTypesEnabled bool
	// ContainerCheckIntervalMS is znode.container.checkIntervalMs: how often
	// empty containers and expired TTL nodes are deleted (default 60000).
	ContainerCheckIntervalMS int64
	// ContainerMaxNeverUsedMS is znode.container.maxNeverUsedIntervalMs
	// (default 0: never-used containers are kept).
	ContainerMaxNeverUsedMS int64
	// SASL is the DIGEST-MD5 login (the users of the JAAS file's Server
	// section); nil means no SASL login, and a sasl request is answered OK
	// with no token, as ZooKeeper's connection without a SaslServer does.
	SASL *SASLConfig
	// SASLProvider is authProvider.N=...SASLAuthenticationProvider: the
	// sasl scheme in ACLs (INVALIDACL without it).
	SASLProvider bool
	// SASLSuperUser is zookeeper.superUser: the SASL user who is super too.
	SASLSuperUser string
	// AllowSASLFailedClients is zookeeper.allowSaslFailedClients.
	AllowSASLFailedClients bool
	// EnforceAuthSchemes are the schemes a connection must hold an
	// identity of before any request but auth and sasl
	// (sessionRequireClientSASLAuth, enforce.auth.*); nil = none.
	EnforceAuthSchemes []string
	// Bugs are the enabled bug switches, of both layers: the server acts
	// on its own, Zab on its.
	Bugs bugs.Set
	// Peers lists the ensemble (server.N lines), this server included;
	// empty means standalone.
	Peers []PeerConfig
	// QuorumListenOnAllIPs is quorumListenOnAllIPs: the quorum port is
	// bound on every address (0.0.0.0) instead of this server's own peer
	// address, which peers still dial.
	QuorumListenOnAllIPs bool
	// PeerTickMS is Zab's tick (default TickTimeMS/2): election, initLimit
	// and syncLimit count in it.
	PeerTickMS int64
	// ReconfigEnabled is reconfigEnabled: the reconfig op, /zookeeper/config
	// filled with the ensemble's config, committed configs activated and
	// written to zoo.cfg.dynamic.<version>. Off, reconfig answers
	// RECONFIGDISABLED and Peers never change.
	ReconfigEnabled bool
	// StandaloneDisabled is standaloneEnabled=false: a reconfig may leave
	// a single voter (ZooKeeper then asks for at least 2).
	StandaloneDisabled bool
	// SkipACL is zookeeper.skipACL=yes; zabsim honours it for reconfig only.
	SkipACL bool
	// ConfigVersion is the version of the config Peers describe (the
	// dynamic config file's version= line; 0 for zoo.cfg server lines).
	ConfigVersion int64
	// Version is reported by srvr/stat/mntr.
	Version string
}

// SASLConfig is a server's DIGEST-MD5 login configuration.
type SASLConfig struct {
	// Users maps each user (user_<name> in the JAAS section) to its
	// password.
	Users map[string]string
	// SuperPassword is zookeeper.SASLAuthenticationProvider.superPassword:
	// the password of the user "super" when the section lists it.
	SuperPassword string
}

// Password looks a user's password up as ZooKeeper's
// SaslServerCallbackHandler does: only users of the JAAS section exist,
// and "super" takes SuperPassword when that is set.
func (c *SASLConfig) Password(user string) (string, bool) {
	pw, ok := c.Users[user]
	if !ok {
		return "", false
	}
	if user == "super" && c.SuperPassword != "" {
		return c.SuperPassword, true
	}
	return pw, true
}

// Normalize fills defaults and validates.
func (c Config) Normalize() (Config, error) {
	if c.ClientAddr == "" {
		return c, errors.New("server: config needs a client address")
	}
	if c.TickTimeMS == 0 {
		c.TickTimeMS = 3000
	}
	if c.TickTimeMS < 0 {
		return c, fmt.Errorf("server: tickTime %d ms is negative", c.TickTimeMS)
	}
	if c.MinSessionTimeoutMS == 0 {
		c.MinSessionTimeoutMS = 2 * c.TickTimeMS
	}
	if c.MaxSessionTimeoutMS == 0 {
		c.MaxSessionTimeoutMS = 20 * c.TickTimeMS
	}
	if c.MinSessionTimeoutMS > c.MaxSessionTimeoutMS {
		return c, fmt.Errorf("server: minSessionTimeout %d > maxSessionTimeout %d", c.MinSessionTimeoutMS, c.MaxSessionTimeoutMS)
	}
	if c.MaxClientCnxns == 0 {
		c.MaxClientCnxns = 60
	}
	if c.MaxBufferBytes == 0 {
		c.MaxBufferBytes = wire.DefaultMaxBuffer
	}
	if c.MaxBufferBytes < 1024 {
		return c, fmt.Errorf("server: jute.maxbuffer %d is too small", c.MaxBufferBytes)
	}
	if c.SnapCount == 0 {
		c.SnapCount = 100000
	}
	if c.SnapCount < 2 {
		return c, fmt.Errorf("server: snapCount %d must be at least 2", c.SnapCount)
	}
	if c.FourLetterWords == nil {
		c.FourLetterWords = []string{"srvr"}
	}
	if c.ContainerCheckIntervalMS == 0 {
		c.ContainerCheckIntervalMS = 60000
	}
	if c.ContainerCheckIntervalMS < 0 || c.ContainerMaxNeverUsedMS < 0 {
		return c, errors.New("server: container intervals must not be negative")
	}
	for _, scheme := range c.EnforceAuthSchemes {
		if scheme != "ip" && scheme != "digest" && (scheme != "sasl" || !c.SASLProvider) {
			return c, fmt.Errorf("server: Authentication scheme %s is not available (enforce.auth.schemes)", scheme)
		}
	}
	if c.Version == "" {
		c.Version = "3.8.0-zabsim"
	}
	if c.PeerTickMS == 0 {
		c.PeerTickMS = max(c.TickTimeMS/2, 1)
	}
	if len(c.Peers) > 0 {
		found := false
		seen := map[int64]bool{}
		for _, p := range c.Peers {
			if p.ID <= 0 || seen[p.ID] || p.Addr == "" {
				return c, fmt.Errorf("server: bad or duplicate peer %d (%q)", p.ID, p.Addr)
			}
			seen[p.ID] = true
			found = found || p.ID == c.ID
		}
		if !found {
			return c, fmt.Errorf("server: id %d is not among the peers", c.ID)
		}
	}
	return c, nil
}

package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults, as in ZooKeeper 3.8 (ZooKeeperServer, QuorumPeerConfig, the
// admin server and jute) unless noted.
const (
	DefaultTickTimeMS         = 3000
	DefaultMaxClientCnxns     = 60
	DefaultAdminServerPort    = 8080
	DefaultJuteMaxBufferBytes = 0xfffff
	DefaultSnapRetainCount    = 3 // also the minimum: ZooKeeper raises smaller values to 3
	DefaultSnapCount          = 100000
	minSessionTimeoutTicks    = 2
	maxSessionTimeoutTicks    = 20
	// Server ids: the ZooKeeper Administrator's Guide asks for 1..255 in
	// myid; ids outside it break ZooKeeper features such as TTL nodes,
	// which pack the id into a byte of the session id.
	MinServerID = 1
	MaxServerID = 255
)

// ErrUnsupported marks settings zabsim recognises but refuses (for example
// secureClientPort: zabsim speaks no TLS). Test with errors.Is.
var ErrUnsupported = errors.New("not supported by zabsim")

// LearnerType says whether a server votes.
type LearnerType int

// Learner types, as the optional fourth field of server.N.
const (
	Participant LearnerType = iota
	Observer
)

func (t LearnerType) String() string {
	if t == Observer {
		return "observer"
	}
	return "participant"
}

// Server is one server.N line: host:quorumPort:electionPort[:type][;[clientHost:]clientPort].
type Server struct {
	ID           int64
	Host         string
	QuorumPort   int
	ElectionPort int
	Type         LearnerType
	ClientHost   string // "" when the line names no client host
	ClientPort   int    // 0 when the line names no client port

	_ struct{}
}

// QuorumAddr is the address followers connect to the leader on.
func (s Server) QuorumAddr() string { return joinHostPort(s.Host, s.QuorumPort) }

// ElectionAddr is the leader-election address.
func (s Server) ElectionAddr() string { return joinHostPort(s.Host, s.ElectionPort) }

// Config is a parsed zoo.cfg. Zero durations and limits mean "derived" where
// noted, as in ZooKeeper, so Write only spells out what was set.
type Config struct {
	TickTimeMS     int
	InitLimitTicks int // 0 = not set (required with more than one server)
	SyncLimitTicks int // 0 = not set (required with more than one server)
	DataDir        string
	DataLogDir     string // "" = DataDir
	ClientPort     int    // 0 = not set (the server.N line may carry it)
	// ClientPortAddress is the client listen host; "" = all interfaces.
	ClientPortAddress   string
	MinSessionTimeoutMS int // 0 = 2 × TickTimeMS
	MaxSessionTimeoutMS int // 0 = 20 × TickTimeMS
	MaxClientCnxns      int // per client IP; 0 = unlimited
	// FourLetterWords is 4lw.commands.whitelist ("*" = all); nil = ZooKeeper's default (srvr only).
	FourLetterWords    []string
	AdminServerPort    int
	AdminEnableServer  bool
	Servers            []Server // sorted by ID
	JuteMaxBufferBytes int
	SnapRetainCount    int
	PurgeIntervalHours int // 0 = autopurge off
	// SnapCount is the number of txns between snapshots (snapCount).
	SnapCount int
	// ExtendedTypesEnabled allows TTL nodes (zookeeper.extendedTypesEnabled).
	ExtendedTypesEnabled bool
	// QuorumListenOnAllIPs binds the quorum port on every address rather
	// than on this server's server.N host (quorumListenOnAllIPs).
	QuorumListenOnAllIPs bool
	// SuperDigest is "super:<base64 sha1>" granting the super user
	// (zookeeper.DigestAuthenticationProvider.superDigest); "" = none.
	SuperDigest string
	// AuthProviders are the authProvider.N lines
	// (zookeeper.authProvider.N), sorted by N: authentication provider
	// classes ZooKeeper loads besides ip and digest.
	AuthProviders []AuthProvider
	// SessionRequireClientSASLAuth is zookeeper.sessionRequireClientSASLAuth:
	// every request of a connection that has not authenticated with SASL
	// is refused (enforce.auth with the sasl scheme).
	SessionRequireClientSASLAuth bool
	// EnforceAuthEnabled and EnforceAuthSchemes are
	// zookeeper.enforce.auth.enabled and zookeeper.enforce.auth.schemes: a
	// connection must hold an identity of one of the schemes before any
	// request but auth and sasl.
	EnforceAuthEnabled bool
	EnforceAuthSchemes []string
	// JAASLoginConfig is the JAAS login file whose Server section lists the
	// DIGEST-MD5 users: ZooKeeper takes it from the JVM's
	// -Djava.security.auth.login.config; zoo.cfg may say
	// zabsim.jaasLoginConfig. "" = no SASL login.
	JAASLoginConfig string
	// SASLServerSection is zookeeper.sasl.serverconfig, the JAAS section
	// to read ("" = Server).
	SASLServerSection string
	// SASLSuperPassword is zookeeper.SASLAuthenticationProvider.superPassword:
	// the password of the SASL user "super" (instead of its JAAS entry).
	SASLSuperPassword string
	// SASLSuperUser is zookeeper.superUser: a SASL user who is also super.
	SASLSuperUser string
	// AllowSASLFailedClients is zookeeper.allowSaslFailedClients: a client
	// that fails SASL keeps its connection (unless SASL is required).
	AllowSASLFailedClients bool
	// Bugs are zabsim bug switch names (sorted, unique); the server
	// validates them against its registry.
	Bugs []string
	// SyncQuorum makes sync quorum-confirmed (linearizable sync+read);
	// false is ZooKeeper's own behaviour.
	SyncQuorum bool
	// ReconfigEnabled is reconfigEnabled: the reconfig op works (else
	// RECONFIGDISABLED) and members follow committed config changes.
	ReconfigEnabled bool
	// StandaloneDisabled is standaloneEnabled=false: a config with one
	// server.N line runs as an ensemble (others may join it), and a
	// reconfig may leave a single voter.
	StandaloneDisabled bool
	// DynamicConfigFile is dynamicConfigFile: the server lines live in
	// that file (read by the caller into Servers with UseDynamic).
	DynamicConfigFile string
	// ConfigVersion is the version= line of the dynamic config file (0
	// for server lines in zoo.cfg itself).
	ConfigVersion int64
	// SkipACL is zookeeper.skipACL=yes: no ACL checks (reconfig included).
	SkipACL bool
	// Extra holds keys zabsim does not interpret, in file order; Write
	// keeps them so Apache ZooKeeper still sees them.
	Extra []Property

	_ struct{}
}

// AuthProvider is one authProvider.N line.
type AuthProvider struct {
	N     string // the key's suffix
	Class string
}

// Authentication provider classes of ZooKeeper 3.8 and the schemes they
// register.
var providerSchemes = map[string]string{
	"org.apache.zookeeper.server.auth.SASLAuthenticationProvider":   "sasl",
	"org.apache.zookeeper.server.auth.DigestAuthenticationProvider": "digest",
	"org.apache.zookeeper.server.auth.IPAuthenticationProvider":     "ip",
}

// AuthSchemes returns the authentication schemes the server provides, as
// ZooKeeper's ProviderRegistry holds them: ip and digest always, plus the
// scheme of each authProvider.N class zabsim implements (sasl), sorted.
func (c *Config) AuthSchemes() []string {
	schemes := []string{"digest", "ip"}
	for _, p := range c.AuthProviders {
		if s, ok := providerSchemes[p.Class]; ok && !slices.Contains(schemes, s) {
			schemes = append(schemes, s)
		}
	}
	slices.Sort(schemes)
	return schemes
}

// EnforcedAuthSchemes returns the schemes a connection must hold an
// identity of before it may send requests (nil: no enforcement), as
// ZooKeeper's AuthenticationHelper reads them:
// sessionRequireClientSASLAuth means [sasl] and overrides enforce.auth.
func (c *Config) EnforcedAuthSchemes() []string {
	if c.SessionRequireClientSASLAuth {
		return []string{"sasl"}
	}
	if c.EnforceAuthEnabled {
		return c.EnforceAuthSchemes
	}
	return nil
}

// Default returns the configuration an empty zoo.cfg would give (DataDir
// still has to be set).
func Default() Config {
	return Config{
		TickTimeMS:         DefaultTickTimeMS,
		MaxClientCnxns:     DefaultMaxClientCnxns,
		AdminServerPort:    DefaultAdminServerPort,
		AdminEnableServer:  true,
		JuteMaxBufferBytes: DefaultJuteMaxBufferBytes,
		SnapRetainCount:    DefaultSnapRetainCount,
		SnapCount:          DefaultSnapCount,
		SyncQuorum:         true,
	}
}

// TickTime is the tick as a duration.
func (c *Config) TickTime() time.Duration { return time.Duration(c.TickTimeMS) * time.Millisecond }

// MinSessionTimeout is the effective lower bound of negotiated session timeouts.
func (c *Config) MinSessionTimeout() time.Duration {
	if c.MinSessionTimeoutMS > 0 {
		return time.Duration(c.MinSessionTimeoutMS) * time.Millisecond
	}
	return minSessionTimeoutTicks * c.TickTime()
}

// MaxSessionTimeout is the effective upper bound of negotiated session timeouts.
func (c *Config) MaxSessionTimeout() time.Duration {
	if c.MaxSessionTimeoutMS > 0 {
		return time.Duration(c.MaxSessionTimeoutMS) * time.Millisecond
	}
	return maxSessionTimeoutTicks * c.TickTime()
}

// LogDir is where the transaction log lives.
func (c *Config) LogDir() string {
	if c.DataLogDir != "" {
		return c.DataLogDir
	}
	return c.DataDir
}

// Standalone reports a config without an ensemble (at most one server line).
func (c *Config) Standalone() bool {
	return len(c.Servers) == 0 || len(c.Servers) == 1 && !c.StandaloneDisabled
}

// Participants returns the voting servers' ids, ascending.
func (c *Config) Participants() []int64 {
	var ids []int64
	for _, s := range c.Servers {
		if s.Type == Participant {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Self returns the server.N entry of the server whose myid is id.
func (c *Config) Self(id int64) (Server, error) {
	for _, s := range c.Servers {
		if s.ID == id {
			return s, nil
		}
	}
	ids := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		ids[i] = strconv.FormatInt(s.ID, 10)
	}
	if len(ids) == 0 {
		return Server{}, fmt.Errorf("myid %d: the config has no server.N lines", id)
	}
	return Server{}, fmt.Errorf("myid %d is not among the configured servers (server.%s)", id, strings.Join(ids, ", server."))
}

// ClientAddr is the address a server listens for clients on: the server.N
// client part if present, else clientPortAddress:clientPort (127.0.0.1 is
// not assumed: an empty host means all interfaces, as in ZooKeeper).
func (c *Config) ClientAddr(self Server) string {
	if self.ClientPort != 0 {
		return joinHostPort(self.ClientHost, self.ClientPort)
	}
	return joinHostPort(c.ClientPortAddress, c.ClientPort)
}

// ParseMyID parses a myid file: one server id, surrounding whitespace allowed.
func ParseMyID(data []byte) (int64, error) {
	s := strings.TrimSpace(string(data))
	if s == "" {
		return 0, errors.New("myid: file is empty")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("myid: %q is not a number", s)
	}
	if id < MinServerID || id > MaxServerID {
		return 0, fmt.Errorf("myid: %d is out of range [%d, %d]", id, MinServerID, MaxServerID)
	}
	return id, nil
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// LineError is a problem with one line of a zoo.cfg.
type LineError struct {
	Line int
	Key  string
	Err  error
}

func (e *LineError) Error() string {
	if strings.HasPrefix(e.Key, "-D") {
		return fmt.Sprintf("system property %s: %v", e.Key, e.Err)
	}
	if e.Line == 0 {
		return fmt.Sprintf("zoo.cfg: %s: %v", e.Key, e.Err)
	}
	return fmt.Sprintf("zoo.cfg line %d: %s: %v", e.Line, e.Key, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Warning is a tolerated problem: an unknown or ignored key, a clamped value.
type Warning struct {
	Line int
	Key  string
	Msg  string
}

func (w Warning) String() string {
	if strings.HasPrefix(w.Key, "-D") {
		return fmt.Sprintf("system property %s: %s", w.Key, w.Msg)
	}
	return fmt.Sprintf("zoo.cfg line %d: %s: %s", w.Line, w.Key, w.Msg)
}

// Equal reports whether two configs say the same thing; the source lines
// of Extra properties do not count.
func (c *Config) Equal(o *Config) bool {
	a, b := *c, *o
	a.Extra, b.Extra = stripLines(a.Extra), stripLines(b.Extra)
	return reflect.DeepEqual(a, b)
}

func stripLines(props []Property) []Property {
	out := slices.Clone(props)
	for i := range out {
		out[i].Line = 0
	}
	return out
}

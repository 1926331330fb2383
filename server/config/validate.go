package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Validate checks a Config built in Go by the rules Parse enforces.
func (c *Config) Validate() error { return errors.Join(c.validate()...) }

// validate returns one *LineError (Line 0, Key = the setting at fault) per
// broken rule; Parse fills in the lines.
func (c *Config) validate() []error {
	var errs []error
	bad := func(key string, format string, args ...any) {
		errs = append(errs, &LineError{Key: key, Err: fmt.Errorf(format, args...)})
	}
	c.checkRanges(bad)
	if c.DataDir == "" {
		bad("dataDir", "dataDir is not set")
	}
	if c.ClientPortAddress != "" && c.ClientPort == 0 {
		bad("clientPortAddress", "clientPortAddress is set but clientPort is not")
	}
	if c.ClientPort == 0 && !slices.ContainsFunc(c.Servers, func(s Server) bool { return s.ClientPort != 0 }) {
		bad("clientPort", "no client port: set clientPort or give server.N a ;clientPort part")
	}
	if c.TickTimeMS > 0 && c.MinSessionTimeout() > c.MaxSessionTimeout() {
		bad("minSessionTimeout", "minSessionTimeout (%v) is larger than maxSessionTimeout (%v)", c.MinSessionTimeout(), c.MaxSessionTimeout())
	}
	c.checkEnsemble(bad)
	c.checkAuth(bad)
	return errs
}

func (c *Config) checkRanges(bad func(string, string, ...any)) {
	type rng struct {
		key    string
		v      int
		lo, hi int
	}
	for _, r := range []rng{
		{"tickTime", c.TickTimeMS, 1, math.MaxInt32},
		{"initLimit", c.InitLimitTicks, 0, math.MaxInt32},
		{"syncLimit", c.SyncLimitTicks, 0, math.MaxInt32},
		{"clientPort", c.ClientPort, 0, 65535},
		{"minSessionTimeout", c.MinSessionTimeoutMS, 0, math.MaxInt32},
		{"maxSessionTimeout", c.MaxSessionTimeoutMS, 0, math.MaxInt32},
		{"maxClientCnxns", c.MaxClientCnxns, 0, math.MaxInt32},
		{"admin.serverPort", c.AdminServerPort, 1, 65535},
		{"jute.maxbuffer", c.JuteMaxBufferBytes, 1, math.MaxInt32},
		{"autopurge.snapRetainCount", c.SnapRetainCount, DefaultSnapRetainCount, math.MaxInt32},
		{"autopurge.purgeInterval", c.PurgeIntervalHours, 0, math.MaxInt32},
		{"snapCount", c.SnapCount, 2, math.MaxInt32},
	} {
		if r.v < r.lo || r.v > r.hi {
			bad(r.key, "%d is out of range [%d, %d]", r.v, r.lo, r.hi)
		}
	}
}

func (c *Config) checkEnsemble(bad func(string, string, ...any)) {
	addrs := make(map[string]int64)
	for i, s := range c.Servers {
		key := "server." + strconv.FormatInt(s.ID, 10)
		if i > 0 && c.Servers[i-1].ID >= s.ID {
			bad(key, "servers are not sorted by unique id (server.%d after server.%d)", s.ID, c.Servers[i-1].ID)
		}
		if s.ID < MinServerID || s.ID > MaxServerID {
			bad(key, "server id %d is out of range [%d, %d]", s.ID, MinServerID, MaxServerID)
		}
		for _, a := range []string{s.QuorumAddr(), s.ElectionAddr()} {
			if other, taken := addrs[a]; taken {
				bad(key, "address %s is also used by server.%d", a, other)
			}
			addrs[a] = s.ID
		}
	}
	if len(c.Servers) <= 1 {
		return
	}
	if len(c.Participants()) == 0 {
		bad("server."+strconv.FormatInt(c.Servers[0].ID, 10), "every server is an observer: an ensemble needs participants")
	}
	if c.InitLimitTicks == 0 {
		bad("initLimit", "initLimit is not set (required with more than one server)")
	}
	if c.SyncLimitTicks == 0 {
		bad("syncLimit", "syncLimit is not set (required with more than one server)")
	}
}

// checkAuth refuses what stops ZooKeeper's AuthenticationHelper at start:
// enforcement without schemes, or of a scheme no provider serves.
func (c *Config) checkAuth(bad func(string, string, ...any)) {
	key := "enforce.auth.schemes"
	if c.SessionRequireClientSASLAuth {
		key = "sessionRequireClientSASLAuth"
	}
	enforced := c.EnforcedAuthSchemes()
	if c.EnforceAuthEnabled && !c.SessionRequireClientSASLAuth && len(enforced) == 0 {
		bad("enforce.auth.enabled", "enforce.auth.enabled is true: enforce.auth.schemes must be configured")
	}
	have := c.AuthSchemes()
	for _, s := range enforced {
		if !slices.Contains(have, s) {
			hint := ""
			if s == "sasl" {
				hint = " (add authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider)"
			}
			bad(key, "Authentication scheme %s is not available%s", s, hint)
		}
	}
}

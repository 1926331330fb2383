package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// String renders the config as a zoo.cfg.
func (c *Config) String() string {
	var b strings.Builder
	_, _ = c.WriteTo(&b)
	return b.String()
}

// WriteTo writes the config as a zoo.cfg that Parse reads back to an equal
// Config. Settings at their defaults are left out (so the file reads like a
// hand-written one and Apache ZooKeeper sees its own defaults); tickTime and
// dataDir are always written.
func (c *Config) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	b.WriteString("# zoo.cfg written by zabsim\n")
	put := func(key, value string) { fmt.Fprintf(&b, "%s=%s\n", escape(key, true), escape(value, false)) }
	putInt := func(key string, v int, omit bool) {
		if !omit {
			put(key, strconv.Itoa(v))
		}
	}
	putInt("tickTime", c.TickTimeMS, false)
	putInt("initLimit", c.InitLimitTicks, c.InitLimitTicks == 0)
	putInt("syncLimit", c.SyncLimitTicks, c.SyncLimitTicks == 0)
	put("dataDir", c.DataDir)
	if c.DataLogDir != "" {
		put("dataLogDir", c.DataLogDir)
	}
	putInt("clientPort", c.ClientPort, c.ClientPort == 0)
	if c.ClientPortAddress != "" {
		put("clientPortAddress", c.ClientPortAddress)
	}
	putInt("minSessionTimeout", c.MinSessionTimeoutMS, c.MinSessionTimeoutMS == 0)
	putInt("maxSessionTimeout", c.MaxSessionTimeoutMS, c.MaxSessionTimeoutMS == 0)
	putInt("maxClientCnxns", c.MaxClientCnxns, c.MaxClientCnxns == DefaultMaxClientCnxns)
	if c.FourLetterWords != nil {
		put("4lw.commands.whitelist", strings.Join(c.FourLetterWords, ","))
	}
	putInt("admin.serverPort", c.AdminServerPort, c.AdminServerPort == DefaultAdminServerPort)
	if !c.AdminEnableServer {
		put("admin.enableServer", "false")
	}
	putInt("jute.maxbuffer", c.JuteMaxBufferBytes, c.JuteMaxBufferBytes == DefaultJuteMaxBufferBytes)
	putInt("autopurge.snapRetainCount", c.SnapRetainCount, c.SnapRetainCount == DefaultSnapRetainCount)
	putInt("autopurge.purgeInterval", c.PurgeIntervalHours, c.PurgeIntervalHours == 0)
	putInt("snapCount", c.SnapCount, c.SnapCount == DefaultSnapCount)
	if c.ExtendedTypesEnabled {
		put("extendedTypesEnabled", "true")
	}
	if c.QuorumListenOnAllIPs {
		put("quorumListenOnAllIPs", "true")
	}
	if c.SuperDigest != "" {
		put("DigestAuthenticationProvider.superDigest", c.SuperDigest)
	}
	for _, s := range c.Servers {
		put("server."+strconv.FormatInt(s.ID, 10), s.line())
	}
	for _, a := range c.AuthProviders {
		put("authProvider."+a.N, a.Class)
	}
	if c.SessionRequireClientSASLAuth {
		put("sessionRequireClientSASLAuth", "true")
	}
	if c.EnforceAuthEnabled {
		put("enforce.auth.enabled", "true")
	}
	if c.EnforceAuthSchemes != nil {
		put("enforce.auth.schemes", strings.Join(c.EnforceAuthSchemes, ","))
	}
	if c.SASLServerSection != "" {
		put("sasl.serverconfig", c.SASLServerSection)
	}
	if c.SASLSuperPassword != "" {
		put("SASLAuthenticationProvider.superPassword", c.SASLSuperPassword)
	}
	if c.SASLSuperUser != "" {
		put("superUser", c.SASLSuperUser)
	}
	if c.AllowSASLFailedClients {
		put("allowSaslFailedClients", "true")
	}
	if c.JAASLoginConfig != "" {
		// Apache ZooKeeper takes the file only from the JVM's
		// -Djava.security.auth.login.config; this key is zabsim's.
		put("zabsim.jaasLoginConfig", c.JAASLoginConfig)
	}
	if c.ReconfigEnabled {
		put("reconfigEnabled", "true")
	}
	if c.StandaloneDisabled {
		put("standaloneEnabled", "false")
	}
	if c.DynamicConfigFile != "" {
		put("dynamicConfigFile", c.DynamicConfigFile)
	}
	if c.SkipACL {
		put("skipACL", "yes")
	}
	if len(c.Bugs) > 0 {
		put("zabsim.bugs", strings.Join(c.Bugs, ","))
	}
	if !c.SyncQuorum {
		put("zabsim.syncQuorum", "false")
	}
	for _, p := range c.Extra {
		put(p.Key, p.Value)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// line renders the value of a server.N line.
func (s Server) line() string {
	v := s.QuorumAddr() + ":" + strconv.Itoa(s.ElectionPort)
	if s.Type == Observer {
		v += ":observer"
	}
	if s.ClientPort != 0 {
		v += ";"
		if s.ClientHost != "" {
			v += joinHostPort(s.ClientHost, s.ClientPort)
		} else {
			v += strconv.Itoa(s.ClientPort)
		}
	}
	return v
}

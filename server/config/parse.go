package config

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Parse reads a zoo.cfg. It returns every bad value as one joined error
// (each a *LineError naming its line), and tolerated problems as warnings.
func Parse(data []byte) (Config, []Warning, error) {
	cfg, warns, _, err := ParseWithSystemProperties(data, nil)
	return cfg, warns, err
}

// JAASConfigProperty is the JVM system property naming the JAAS login file.
const JAASConfigProperty = "java.security.auth.login.config"

// ParseWithSystemProperties is Parse with the JVM system properties a
// ZooKeeper server would have been started with (-Dkey=value flags, in
// order; Line is ignored) applied first. ZooKeeper reads some settings
// only as system properties and sets every zoo.cfg key it does not know as
// the property "zookeeper."+key, so a zoo.cfg line overrides the flag:
// zookeeper.<key> sets <key> for the keys ZooKeeper reads that way (the
// auth and SASL settings, authProvider.N, 4lw.commands.whitelist, ...);
// java.security.auth.login.config names the JAAS file. It returns the
// properties it did not use (JVM and logging flags) as ignored.
func ParseWithSystemProperties(data []byte, sys []Property) (Config, []Warning, []string, error) {
	props, err := parseProperties(data)
	if err != nil {
		return Config{}, nil, nil, err
	}
	p := parser{cfg: Default(), seen: make(map[string]int)}
	var ignored []string
	for _, prop := range sys {
		key, ok := systemPropertyKey(prop.Key)
		if !ok {
			ignored = append(ignored, prop.Key)
			continue
		}
		nErr, nWarn := len(p.errs), len(p.warns)
		p.apply(Property{Key: key, Value: strings.TrimSpace(prop.Value)})
		for _, e := range p.errs[nErr:] {
			if le, ok := e.(*LineError); ok {
				le.Key = "-D" + prop.Key
			}
		}
		for i := range p.warns[nWarn:] {
			p.warns[nWarn+i].Key = "-D" + prop.Key
		}
	}
	for _, prop := range props {
		p.apply(prop)
	}
	slices.SortFunc(p.cfg.Servers, func(a, b Server) int { return cmp.Compare(a.ID, b.ID) })
	for _, err := range p.cfg.validate() {
		p.errs = append(p.errs, p.located(err))
	}
	if len(p.errs) > 0 {
		return Config{}, p.warns, ignored, errors.Join(p.errs...)
	}
	return p.cfg, p.warns, ignored, nil
}

// systemPropertyKey maps a JVM system property to the zoo.cfg key it sets
// (false: one zabsim does not read).
func systemPropertyKey(prop string) (string, bool) {
	if prop == JAASConfigProperty {
		return "zabsim.jaasLoginConfig", true
	}
	rest, ok := strings.CutPrefix(prop, "zookeeper.")
	if ok && (slices.Contains(systemPropertyKeys, rest) || strings.HasPrefix(rest, "authProvider.")) {
		return rest, true
	}
	return "", false
}

type parser struct {
	cfg   Config
	seen  map[string]int // canonical key → line it was last set on
	errs  []error
	warns []Warning
}

// setting applies one recognised key's value to the config.
type setting func(p *parser, v string) error

var settings = map[string]setting{
	"tickTime":  func(p *parser, v string) (err error) { p.cfg.TickTimeMS, err = intIn(v, 1, math.MaxInt32); return },
	"initLimit": func(p *parser, v string) (err error) { p.cfg.InitLimitTicks, err = intIn(v, 0, math.MaxInt32); return },
	"syncLimit": func(p *parser, v string) (err error) { p.cfg.SyncLimitTicks, err = intIn(v, 0, math.MaxInt32); return },
	"dataDir":   func(p *parser, v string) (err error) { p.cfg.DataDir, err = nonEmpty(v); return },
	"dataLogDir": func(p *parser, v string) (err error) {
		p.cfg.DataLogDir, err = nonEmpty(v)
		return
	},
	"clientPort": func(p *parser, v string) (err error) { p.cfg.ClientPort, err = intIn(v, 0, 65535); return },
	"clientPortAddress": func(p *parser, v string) (err error) {
		p.cfg.ClientPortAddress, err = hostName(v)
		return
	},
	"secureClientPort":        unsupported("TLS client connections"),
	"secureClientPortAddress": unsupported("TLS client connections"),
	"minSessionTimeout":       func(p *parser, v string) (err error) { p.cfg.MinSessionTimeoutMS, err = sessionTimeout(v); return },
	"maxSessionTimeout":       func(p *parser, v string) (err error) { p.cfg.MaxSessionTimeoutMS, err = sessionTimeout(v); return },
	"maxClientCnxns":          func(p *parser, v string) (err error) { p.cfg.MaxClientCnxns, err = intIn(v, 0, math.MaxInt32); return },
	"4lw.commands.whitelist":  func(p *parser, v string) error { p.cfg.FourLetterWords = p.fourLetterWords(v); return nil },
	"admin.serverPort":        func(p *parser, v string) (err error) { p.cfg.AdminServerPort, err = intIn(v, 1, 65535); return },
	"admin.enableServer":      func(p *parser, v string) (err error) { p.cfg.AdminEnableServer, err = parseBool(v); return },
	"jute.maxbuffer": func(p *parser, v string) (err error) {
		p.cfg.JuteMaxBufferBytes, err = intIn(v, 1, math.MaxInt32)
		return
	},
	"autopurge.snapRetainCount": (*parser).snapRetainCount,
	"autopurge.purgeInterval": func(p *parser, v string) (err error) {
		p.cfg.PurgeIntervalHours, err = intIn(v, 0, math.MaxInt32)
		return
	},
	"snapCount":            func(p *parser, v string) (err error) { p.cfg.SnapCount, err = intIn(v, 2, math.MaxInt32); return },
	"extendedTypesEnabled": func(p *parser, v string) (err error) { p.cfg.ExtendedTypesEnabled, err = parseBool(v); return },
	"quorumListenOnAllIPs": func(p *parser, v string) (err error) { p.cfg.QuorumListenOnAllIPs, err = parseBool(v); return },
	"DigestAuthenticationProvider.superDigest": func(p *parser, v string) (err error) {
		p.cfg.SuperDigest, err = superDigest(v)
		return
	},
	"sessionRequireClientSASLAuth": func(p *parser, v string) (err error) {
		p.cfg.SessionRequireClientSASLAuth, err = javaBool(v)
		return
	},
	"enforce.auth.enabled": func(p *parser, v string) (err error) { p.cfg.EnforceAuthEnabled, err = javaBool(v); return },
	"enforce.auth.schemes": func(p *parser, v string) error { p.cfg.EnforceAuthSchemes = schemeList(v); return nil },
	"zabsim.jaasLoginConfig": func(p *parser, v string) (err error) {
		p.cfg.JAASLoginConfig, err = nonEmpty(v)
		return
	},
	"sasl.serverconfig": func(p *parser, v string) (err error) { p.cfg.SASLServerSection, err = nonEmpty(v); return },
	"SASLAuthenticationProvider.superPassword": func(p *parser, v string) error {
		p.cfg.SASLSuperPassword = v
		return nil
	},
	"superUser":              func(p *parser, v string) error { p.cfg.SASLSuperUser = v; return nil },
	"allowSaslFailedClients": func(p *parser, v string) (err error) { p.cfg.AllowSASLFailedClients, err = javaBool(v); return },
	"zabsim.bugs":            func(p *parser, v string) (err error) { p.cfg.Bugs, err = bugList(v); return },
	"reconfigEnabled":        func(p *parser, v string) (err error) { p.cfg.ReconfigEnabled, err = parseBool(v); return },
	"standaloneEnabled": func(p *parser, v string) error {
		on, err := parseBool(v)
		p.cfg.StandaloneDisabled = !on
		return err
	},
	"dynamicConfigFile": func(p *parser, v string) (err error) { p.cfg.DynamicConfigFile, err = nonEmpty(v); return },
	// ZooKeeperServer: System.getProperty("zookeeper.skipACL", "no").equals("yes").
	"skipACL":           func(p *parser, v string) error { p.cfg.SkipACL = v == "yes"; return nil },
	"zabsim.syncQuorum": func(p *parser, v string) (err error) { p.cfg.SyncQuorum, err = parseBool(v); return },
}

// ZooKeeper reads these from system properties ("zookeeper." + key); a
// zoo.cfg may spell them either way.
var systemPropertyKeys = []string{"4lw.commands.whitelist", "admin.serverPort", "admin.enableServer", "jute.maxbuffer",
	"snapCount", "extendedTypesEnabled", "DigestAuthenticationProvider.superDigest",
	"sessionRequireClientSASLAuth", "enforce.auth.enabled", "enforce.auth.schemes", "sasl.serverconfig",
	"SASLAuthenticationProvider.superPassword", "superUser", "allowSaslFailedClients", "skipACL"}

// zooKeeperOnly are ZooKeeper 3.8 settings zabsim accepts and ignores.
var zooKeeperOnly = map[string]bool{
	"localSessionsEnabled": true, "localSessionsUpgradingEnabled": true, "electionAlg": true,
	"peerType": true, "syncEnabled": true, "sslQuorum": true, "portUnification": true,
	"preAllocSize": true, "globalOutstandingLimit": true, "forceSync": true,
	"connectToLearnerMasterLimit": true,
	"multiAddress.enabled":        true, "fsync.warningthresholdms": true,
}

// LiveKeys are ZooKeeper settings the server core does not interpret but
// `zabsim server` does (live/serverproc/admin.go: the AdminServer and the Prometheus
// endpoint): they stay in Extra, without a warning.
var LiveKeys = map[string]bool{
	"admin.serverAddress": true, "admin.commandURL": true,
	"metricsProvider.className": true, "metricsProvider.httpHost": true, "metricsProvider.httpPort": true,
}

func unsupported(what string) setting {
	return func(*parser, string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }
}

func (p *parser) apply(prop Property) {
	key := canonicalKey(prop.Key)
	if strings.HasPrefix(key, "server.") {
		p.server(prop)
		return
	}
	if strings.HasPrefix(key, "authProvider.") {
		p.authProvider(key, prop)
		return
	}
	set, ok := settings[key]
	if !ok {
		p.unknown(prop)
		return
	}
	if prev, dup := p.seen[key]; dup && prev > 0 { // a zoo.cfg line overriding a -D flag is no news
		p.warn(prop, fmt.Sprintf("repeated (also on line %d); the last value wins", prev))
	}
	p.seen[key] = prop.Line
	if err := set(p, prop.Value); err != nil {
		p.errs = append(p.errs, &LineError{Line: prop.Line, Key: prop.Key, Err: err})
	}
}

func canonicalKey(key string) string {
	if rest, ok := strings.CutPrefix(key, "zookeeper."); ok && (slices.Contains(systemPropertyKeys, rest) || strings.HasPrefix(rest, "authProvider.")) {
		return rest
	}
	return key
}

// authProvider records authProvider.N=class (ZooKeeper sets it as the
// system property zookeeper.authProvider.N and loads the class). A class
// zabsim does not implement is a warning: ZooKeeper too only logs a class
// it cannot load.
func (p *parser) authProvider(key string, prop Property) {
	n := strings.TrimPrefix(key, "authProvider.")
	if prop.Value == "" {
		p.errs = append(p.errs, &LineError{Line: prop.Line, Key: prop.Key, Err: errors.New("empty class name")})
		return
	}
	if _, ok := providerSchemes[prop.Value]; !ok {
		p.warn(prop, fmt.Sprintf("authentication provider %s is not implemented by zabsim; ignored (it knows %s)", prop.Value, strings.Join(knownProviders(), ", ")))
	}
	ap := AuthProvider{N: n, Class: prop.Value}
	if i := slices.IndexFunc(p.cfg.AuthProviders, func(a AuthProvider) bool { return a.N == n }); i >= 0 {
		p.warn(prop, "repeated; the last value wins")
		p.cfg.AuthProviders[i] = ap
		return
	}
	p.cfg.AuthProviders = append(p.cfg.AuthProviders, ap)
	slices.SortStableFunc(p.cfg.AuthProviders, func(a, b AuthProvider) int { return cmp.Compare(a.N, b.N) })
}

func knownProviders() []string {
	out := make([]string, 0, len(providerSchemes))
	for c := range providerSchemes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func (p *parser) unknown(prop Property) {
	p.cfg.Extra = append(p.cfg.Extra, prop)
	switch {
	case LiveKeys[prop.Key]:
	case zooKeeperOnly[prop.Key], strings.HasPrefix(prop.Key, "metricsProvider."),
		strings.HasPrefix(prop.Key, "group."), strings.HasPrefix(prop.Key, "weight."):
		p.warn(prop, "a ZooKeeper setting zabsim does not implement; ignored (kept for Apache ZooKeeper)")
	default:
		p.warn(prop, "unknown key; ignored (ZooKeeper passes unknown keys on as system properties)")
	}
}

func (p *parser) warn(prop Property, msg string) {
	p.warns = append(p.warns, Warning{Line: prop.Line, Key: prop.Key, Msg: msg})
}

func (p *parser) server(prop Property) {
	idText := strings.TrimPrefix(prop.Key, "server.")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		p.errs = append(p.errs, &LineError{Line: prop.Line, Key: prop.Key, Err: fmt.Errorf("server id %q is not a number", idText)})
		return
	}
	canon := "server." + strconv.FormatInt(id, 10)
	if prev, dup := p.seen[canon]; dup {
		p.errs = append(p.errs, &LineError{Line: prop.Line, Key: prop.Key, Err: fmt.Errorf("duplicate server id %d (first on line %d)", id, prev)})
		return
	}
	p.seen[canon] = prop.Line
	s, err := parseServer(id, prop.Value)
	if err != nil {
		p.errs = append(p.errs, &LineError{Line: prop.Line, Key: prop.Key, Err: err})
		return
	}
	p.cfg.Servers = append(p.cfg.Servers, s)
}

// located attaches the line of the key a validation error is about.
func (p *parser) located(err error) error {
	var le *LineError
	if errors.As(err, &le) && le.Line == 0 {
		le.Line = p.seen[le.Key]
	}
	return err
}

func (p *parser) snapRetainCount(v string) error {
	n, err := intIn(v, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	if n < DefaultSnapRetainCount {
		p.warns = append(p.warns, Warning{Line: p.seen["autopurge.snapRetainCount"], Key: "autopurge.snapRetainCount",
			Msg: fmt.Sprintf("%d is below the minimum %d; using %d (as ZooKeeper does)", n, DefaultSnapRetainCount, DefaultSnapRetainCount)})
		n = DefaultSnapRetainCount
	}
	p.cfg.SnapRetainCount = n
	return nil
}

// The four-letter words of ZooKeeper 3.8 (FourLetterCommands.java).
var fourLetterWords = []string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro", "mntr",
	"ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs"}

func (p *parser) fourLetterWords(v string) []string {
	words := []string{}
	for _, w := range strings.Split(v, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if w != "*" && !slices.Contains(fourLetterWords, w) {
			line := p.seen["4lw.commands.whitelist"]
			p.warns = append(p.warns, Warning{Line: line, Key: "4lw.commands.whitelist", Msg: fmt.Sprintf("%q is not a four-letter word ZooKeeper knows", w)})
		}
		words = append(words, w)
	}
	return words
}

func intIn(v string, lo, hi int) (int, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", v)
	}
	if n < int64(lo) || n > int64(hi) {
		return 0, fmt.Errorf("%d is out of range [%d, %d]", n, lo, hi)
	}
	return int(n), nil
}

// sessionTimeout parses a session timeout bound; -1 (ZooKeeper's "unset")
// means derived from tickTime, stored as 0.
func sessionTimeout(v string) (int, error) {
	if strings.TrimSpace(v) == "-1" {
		return 0, nil
	}
	return intIn(v, 1, math.MaxInt32)
}

func parseBool(v string) (bool, error) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, nil
	case strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", v)
}

// javaBool is Boolean.parseBoolean, as ZooKeeper reads system properties:
// "true" in any case is true, anything else false.
func javaBool(v string) (bool, error) { return strings.EqualFold(v, "true"), nil }

// schemeList is AuthenticationHelper's reading of enforce.auth.schemes:
// split at commas, each trimmed.
func schemeList(v string) []string {
	parts := strings.Split(v, ",")
	for len(parts) > 1 && parts[len(parts)-1] == "" { // Java's split drops trailing empty strings
		parts = parts[:len(parts)-1]
	}
	out := make([]string, 0, len(parts))
	for _, s := range parts {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func nonEmpty(v string) (string, error) {
	if v == "" {
		return "", errors.New("empty value")
	}
	return v, nil
}

var hostPattern = regexp.MustCompile(`^[A-Za-z0-9._:%-]+$`)

func hostName(v string) (string, error) {
	if !hostPattern.MatchString(v) {
		return "", fmt.Errorf("%q is not a host name or IP address", v)
	}
	return v, nil
}

// superDigest checks the "super:<digest>" form ZooKeeper expects.
func superDigest(v string) (string, error) {
	user, digest, ok := strings.Cut(v, ":")
	if !ok || user == "" || digest == "" {
		return "", fmt.Errorf("%q is not user:base64digest", v)
	}
	return v, nil
}

var bugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// bugList parses zabsim.bugs: comma-separated switch names, returned sorted
// and unique so the same set always writes and hashes the same.
func bugList(v string) ([]string, error) {
	var bugs []string
	for _, b := range strings.Split(v, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		if !bugPattern.MatchString(b) {
			return nil, fmt.Errorf("%q is not a bug switch name (letters, digits, '.', '_', '-')", b)
		}
		bugs = append(bugs, b)
	}
	slices.Sort(bugs)
	return slices.Compact(bugs), nil
}

// parseServer parses host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort].
func parseServer(id int64, v string) (Server, error) {
	if id < MinServerID || id > MaxServerID {
		return Server{}, fmt.Errorf("server id %d is out of range [%d, %d]", id, MinServerID, MaxServerID)
	}
	return parseServerSpec(id, v)
}

// parseServerSpec is parseServer without the id range zoo.cfg keeps to.
func parseServerSpec(id int64, v string) (Server, error) {
	if strings.Contains(v, "|") {
		return Server{}, fmt.Errorf("%w: multiple addresses per server (%q)", ErrUnsupported, v)
	}
	main, client, hasClient := strings.Cut(v, ";")
	host, fields, err := splitHost(strings.TrimSpace(main))
	if err != nil {
		return Server{}, err
	}
	if len(fields) < 2 || len(fields) > 3 {
		return Server{}, fmt.Errorf("%q is not host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]", v)
	}
	s := Server{ID: id, Host: host}
	if s.QuorumPort, err = port(fields[0], "quorum port"); err != nil {
		return Server{}, err
	}
	if s.ElectionPort, err = port(fields[1], "election port"); err != nil {
		return Server{}, err
	}
	if len(fields) == 3 {
		switch strings.ToLower(fields[2]) {
		case "participant":
		case "observer":
			s.Type = Observer
		default:
			return Server{}, fmt.Errorf("server type %q is neither participant nor observer", fields[2])
		}
	}
	if hasClient {
		if s.ClientHost, s.ClientPort, err = parseClientPart(strings.TrimSpace(client)); err != nil {
			return Server{}, err
		}
	}
	return s, nil
}

// splitHost splits "host:a:b" or "[v6]:a:b" into the host and the fields after it.
func splitHost(s string) (string, []string, error) {
	var host, rest string
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", nil, fmt.Errorf("unterminated IPv6 address in %q", s)
		}
		host, rest = s[1:end], s[end+1:]
		if rest != "" && rest[0] != ':' {
			return "", nil, fmt.Errorf("expected ':' after %q", s[:end+1])
		}
		rest = strings.TrimPrefix(rest, ":")
	} else {
		host, rest, _ = strings.Cut(s, ":")
	}
	if host == "" {
		return "", nil, fmt.Errorf("missing host in %q", s)
	}
	if _, err := hostName(host); err != nil {
		return "", nil, err
	}
	if rest == "" {
		return host, nil, nil
	}
	return host, strings.Split(rest, ":"), nil
}

func parseClientPart(s string) (string, int, error) {
	if !strings.Contains(s, ":") {
		p, err := port(s, "client port")
		return "", p, err
	}
	host, fields, err := splitHost(s)
	if err != nil {
		return "", 0, err
	}
	if len(fields) != 1 {
		return "", 0, fmt.Errorf("client address %q is not [host:]port", s)
	}
	p, err := port(fields[0], "client port")
	return host, p, err
}

func port(v, what string) (int, error) {
	n, err := intIn(strings.TrimSpace(v), 1, 65535)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", what, err)
	}
	return n, nil
}

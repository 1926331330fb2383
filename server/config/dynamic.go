package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Dynamic configuration (ZooKeeper 3.5+): the server.N lines and a
// version=<hex> line, in a zoo.cfg.dynamic.<version> file or in
// /zookeeper/config.

// DynamicFilePrefix names the files a server writes each activated config
// to: zoo.cfg.dynamic.<version in hex>.
const DynamicFilePrefix = "zoo.cfg.dynamic."

// DynamicFileName is the file of the config with version v.
func DynamicFileName(v int64) string { return DynamicFilePrefix + strconv.FormatInt(v, 16) }

// ParseDynamicFileName returns the version a DynamicFileName names.
func ParseDynamicFileName(name string) (int64, bool) {
	hex, ok := strings.CutPrefix(name, DynamicFilePrefix)
	if !ok || hex == "" || strings.ContainsAny(hex, ".~") {
		return 0, false
	}
	v, err := strconv.ParseInt(hex, 16, 64)
	return v, err == nil && v >= 0
}

// Dynamic is a dynamic config: its servers (sorted by id) and version.
type Dynamic struct {
	Servers []Server
	Version int64
}

// ParseDynamic reads a dynamic config: server.N lines, an optional
// version=<hex> line, blank lines and # comments. Lines may also be
// separated by commas, as reconfig's newMembers are.
func ParseDynamic(text []byte) (Dynamic, error) {
	var d Dynamic
	var errs []error
	seen := map[int64]bool{}
	for _, line := range strings.FieldsFunc(string(text), func(r rune) bool { return r == '\n' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%q is not key=value", line))
		case key == "version":
			v, err := strconv.ParseInt(value, 16, 64)
			if err != nil || v < 0 {
				errs = append(errs, fmt.Errorf("version %q is not a hex number", value))
			}
			d.Version = v
		case strings.HasPrefix(key, "server."):
			s, err := ParseServerLine(key, value)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if seen[s.ID] {
				errs = append(errs, fmt.Errorf("duplicate server id %d", s.ID))
				continue
			}
			seen[s.ID] = true
			d.Servers = append(d.Servers, s)
		default:
			errs = append(errs, fmt.Errorf("%q does not belong in a dynamic config", key))
		}
	}
	slices.SortFunc(d.Servers, func(a, b Server) int { return cmp.Compare(a.ID, b.ID) })
	if err := errors.Join(errs...); err != nil {
		return Dynamic{}, err
	}
	return d, nil
}

// ParseServerLine parses one server.N=value line (key "server.N"). Any
// positive id is accepted, as QuorumPeerConfig accepts it in a dynamic
// config or a reconfig (zoo.cfg keeps to 1..255).
func ParseServerLine(key, value string) (Server, error) {
	idText := strings.TrimPrefix(strings.TrimSpace(key), "server.")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id < 1 {
		return Server{}, fmt.Errorf("server id %q is not a positive number", idText)
	}
	return parseServerSpec(id, strings.TrimSpace(value))
}

// String renders the config as ZooKeeper's QuorumMaj.toString does: one
// server.N=host:quorumPort:electionPort:participant|observer[;clientHost:clientPort]
// line per server (a client part without a host names 0.0.0.0), then
// version=<hex>, with no newline after it.
func (d Dynamic) String() string {
	var b strings.Builder
	for _, s := range d.Servers {
		fmt.Fprintf(&b, "server.%d=%s\n", s.ID, s.DynamicLine())
	}
	b.WriteString("version=" + strconv.FormatInt(d.Version, 16))
	return b.String()
}

// DynamicLine renders s the way QuorumServer.toString does.
func (s Server) DynamicLine() string {
	v := s.QuorumAddr() + ":" + strconv.Itoa(s.ElectionPort) + ":" + s.Type.String()
	if s.ClientPort != 0 {
		host := s.ClientHost
		if host == "" {
			host = "0.0.0.0"
		}
		v += ";" + joinHostPort(host, s.ClientPort)
	}
	return v
}

// Voters and Observers return the ids of each kind, ascending.
func (d Dynamic) Voters() []int64    { return d.ids(Participant) }
func (d Dynamic) Observers() []int64 { return d.ids(Observer) }

func (d Dynamic) ids(t LearnerType) []int64 {
	var out []int64
	for _, s := range d.Servers {
		if s.Type == t {
			out = append(out, s.ID)
		}
	}
	return out
}

// Server returns the entry of server id.
func (d Dynamic) Server(id int64) (Server, bool) {
	i := slices.IndexFunc(d.Servers, func(s Server) bool { return s.ID == id })
	if i < 0 {
		return Server{}, false
	}
	return d.Servers[i], true
}

// UseDynamic takes a dynamic config file's servers and version in place of
// the zoo.cfg's server lines (dynamicConfigFile).
func (c *Config) UseDynamic(text []byte) error {
	d, err := ParseDynamic(text)
	if err != nil {
		return fmt.Errorf("dynamic config file %s: %w", c.DynamicConfigFile, err)
	}
	c.Servers, c.ConfigVersion = d.Servers, d.Version
	return nil
}

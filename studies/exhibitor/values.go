package exhibitor

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `Exhibitor: an operator reconfigs, every worker reads /zookeeper/config.

    f "read-config"   invoke {} / ok a Config: {"version":4294967300,
                      "members":[{"id":1,"client":"s1:2181"},{"id":4,"client":"s4:2181","observer":true}]}
                      (getData of /zookeeper/config with a watch)
    f "reconfig"      invoke a Change {"op":"remove","id":2,"from":4294967300}
                      (op remove, add, promote, demote; from is the config
                      version it was computed from, the reconfig's fromConfig)
                      / ok the new Config as the reply carries it (members
                      omitted when the client returns the Stat only: its
                      version is the Stat's mzxid) / fail (BADVERSION,
                      NEWCONFIGNOQUORUM, RECONFIGINPROGRESS, ...) / info
    f "final-config"  invoke {"server":"s1:2181"} / ok a Config with "server":
                      the healed phase's sync+read of /zookeeper/config on
                      each server through a session pinned to it.

Every record carries Op.Session; completions carry the reply's zxid.
`

// The operations (Op.F) the exhibitor workers record.
const (
	FReadConfig  = "read-config"
	FReconfig    = "reconfig"
	FFinalConfig = "final-config"
)

// ConfigPath is where ZooKeeper serves its dynamic config.
const ConfigPath = "/zookeeper/config"

// Member is one server line of a dynamic config.
type Member struct {
	ID       int64  `json:"id"`
	Client   string `json:"client,omitempty"` // its client address ("s1:2181"), "" if none
	Observer bool   `json:"observer,omitempty"`
	line     string // the whole line, for a reconfig that adds it back
}

// Config is a dynamic config as /zookeeper/config holds it; Server names
// the server a final read was taken from.
type Config struct {
	Version int64    `json:"version"`
	Members []Member `json:"members,omitempty"`
	Server  string   `json:"server,omitempty"`
}

// Change is a reconfig the operator asks for.
type Change struct {
	Op   string `json:"op"` // remove, add, promote, demote
	ID   int64  `json:"id"`
	From int64  `json:"from"`
}

// ParseConfig reads /zookeeper/config's text: "server.N=host:quorum:election[:role];client"
// lines and a "version=<hex>" line. Members come sorted by id.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		line = strings.TrimSpace(line)
		key, val, ok := strings.Cut(line, "=")
		switch {
		case line == "":
			continue
		case !ok:
			return Config{}, fmt.Errorf("config line %q has no '='", line)
		case key == "version":
			v, err := strconv.ParseInt(val, 16, 64)
			if err != nil {
				return Config{}, fmt.Errorf("config version %q: %v", val, err)
			}
			c.Version = v
		case strings.HasPrefix(key, "server."):
			id, err := strconv.ParseInt(strings.TrimPrefix(key, "server."), 10, 64)
			if err != nil {
				return Config{}, fmt.Errorf("config line %q: bad server id", line)
			}
			addrs, client, _ := strings.Cut(val, ";")
			m := Member{ID: id, Client: client, Observer: strings.HasSuffix(addrs, ":observer"), line: line}
			c.Members = append(c.Members, m)
		}
	}
	slices.SortFunc(c.Members, func(a, b Member) int { return int(a.ID - b.ID) })
	return c, nil
}

// Voters counts the participants.
func (c Config) Voters() int {
	n := 0
	for _, m := range c.Members {
		if !m.Observer {
			n++
		}
	}
	return n
}

// member returns the member with id.
func (c Config) member(id int64) (Member, bool) {
	for _, m := range c.Members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// SameMembers reports whether two configs have the same members in the
// same roles.
func SameMembers(a, b []Member) bool {
	return slices.EqualFunc(a, b, func(x, y Member) bool { return x.ID == y.ID && x.Observer == y.Observer })
}

// membersString renders members for anomalies: "1,2,3,4(observer)".
func membersString(ms []Member) string {
	var out []string
	for _, m := range ms {
		s := strconv.FormatInt(m.ID, 10)
		if m.Observer {
			s += "(observer)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// withRole is a member's line with its role set.
func withRole(line string, observer bool) string {
	role := "participant"
	if observer {
		role = "observer"
	}
	key, val, _ := strings.Cut(line, "=")
	addrs, client, hasClient := strings.Cut(val, ";")
	parts := strings.Split(addrs, ":")
	if len(parts) >= 4 { // host:quorum:election:role
		parts = parts[:3]
	}
	out := key + "=" + strings.Join(parts, ":") + ":" + role
	if hasClient {
		out += ";" + client
	}
	return out
}

package config

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// genConfig draws a valid Config: every field Write can express, including
// values that need escaping.
func genConfig(t *rapid.T) Config {
	c := Default()
	c.TickTimeMS = rapid.IntRange(1, 100000).Draw(t, "tick")
	c.DataDir = rapid.StringMatching(`/[a-z0-9 _:=#!\\/.-]{0,20}[a-z]`).Draw(t, "dataDir")
	if rapid.Bool().Draw(t, "hasLogDir") {
		c.DataLogDir = rapid.StringMatching(`[a-zA-Z]:\\[a-z]{1,8}`).Draw(t, "dataLogDir")
	}
	c.ClientPort = rapid.IntRange(1, 65535).Draw(t, "clientPort")
	c.ClientPortAddress = rapid.SampledFrom([]string{"", "127.0.0.1", "::1", "localhost"}).Draw(t, "clientAddr")
	c.MinSessionTimeoutMS = rapid.IntRange(0, 10).Draw(t, "minST")
	c.MaxSessionTimeoutMS = rapid.SampledFrom([]int{0, 2000000000}).Draw(t, "maxST") // above any derived minimum
	c.MaxClientCnxns = rapid.IntRange(0, 100).Draw(t, "maxCnxns")
	if rapid.Bool().Draw(t, "has4lw") {
		c.FourLetterWords = rapid.SliceOf(rapid.SampledFrom(append([]string{"*"}, fourLetterWords...))).Draw(t, "4lw")
	}
	c.AdminServerPort = rapid.IntRange(1, 65535).Draw(t, "adminPort")
	c.AdminEnableServer = rapid.Bool().Draw(t, "admin")
	c.JuteMaxBufferBytes = rapid.IntRange(1, 1<<30).Draw(t, "jute")
	c.SnapRetainCount = rapid.IntRange(3, 100).Draw(t, "retain")
	c.PurgeIntervalHours = rapid.IntRange(0, 48).Draw(t, "purge")
	c.SnapCount = rapid.IntRange(2, 200000).Draw(t, "snapCount")
	c.ExtendedTypesEnabled = rapid.Bool().Draw(t, "ttl")
	c.QuorumListenOnAllIPs = rapid.Bool().Draw(t, "allIPs")
	if rapid.Bool().Draw(t, "hasSuper") {
		c.SuperDigest = "super:" + rapid.StringMatching(`[A-Za-z0-9+/]{27}=`).Draw(t, "digest")
	}
	bugs := rapid.SliceOfDistinct(rapid.StringMatching(`[a-z][a-z0-9-]{0,12}`), func(s string) string { return s }).Draw(t, "bugs")
	if len(bugs) > 0 {
		c.Bugs, _ = bugList(joinComma(bugs))
	}
	c.SyncQuorum = rapid.Bool().Draw(t, "syncQuorum")
	c.Servers = genServers(t)
	if len(c.Servers) > 1 {
		c.InitLimitTicks = rapid.IntRange(1, 50).Draw(t, "init")
		c.SyncLimitTicks = rapid.IntRange(1, 50).Draw(t, "sync")
	}
	for i, k := range rapid.SliceOfDistinct(rapid.StringMatching(`x\.[a-z=: #]{1,8}[a-z]`), func(s string) string { return s }).Draw(t, "extraKeys") {
		v := rapid.StringMatching(`([a-z=:#\\][a-z=:# \\]{0,8})?[a-z]`).Draw(t, fmt.Sprintf("extra%d", i))
		c.Extra = append(c.Extra, Property{Key: k, Value: v})
	}
	return c
}

func genServers(t *rapid.T) []Server {
	n := rapid.IntRange(0, 5).Draw(t, "servers")
	var out []Server
	id := int64(0)
	for i := range n {
		id += int64(rapid.IntRange(1, 40).Draw(t, fmt.Sprintf("idStep%d", i)))
		s := Server{
			ID:           id,
			Host:         rapid.SampledFrom([]string{"zoo", "10.0.0.1", "::1", "fe80::1%eth0"}).Draw(t, "host") + fmt.Sprint(i),
			QuorumPort:   2888 + i,
			ElectionPort: 3888 + i,
		}
		if i > 0 && rapid.Bool().Draw(t, "observer") {
			s.Type = Observer
		}
		if rapid.Bool().Draw(t, "client") {
			s.ClientPort = 2181 + i
			s.ClientHost = rapid.SampledFrom([]string{"", "0.0.0.0", "::"}).Draw(t, "clientHost")
		}
		out = append(out, s)
	}
	return out
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

// Write then Parse is the identity on valid configs, and writing is stable.
func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genConfig(t)
		if err := c.Validate(); err != nil {
			t.Fatalf("generator drew an invalid config: %v", err)
		}
		text := c.String()
		c2, _, err := Parse([]byte(text))
		if err != nil {
			t.Fatalf("parse of written config failed: %v\n%s", err, text)
		}
		if !c.Equal(&c2) {
			t.Fatalf("round trip changed the config\nwant %+v\ngot  %+v\nfile:\n%s", c, c2, text)
		}
		if again := c2.String(); again != text {
			t.Fatalf("second write differs:\n%s\nvs\n%s", text, again)
		}
	})
}

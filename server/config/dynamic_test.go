package config

import (
	"slices"
	"strings"
	"testing"
)

func TestDynamicRoundTrip(t *testing.T) {
	text := "server.2=s2:2888:3888:participant;s2:2181\nserver.1=127.0.0.1:2888:3888;2181\n" +
		"server.4=[::1]:2890:3890:observer;[::1]:2184\nversion=100000000"
	d, err := ParseDynamic([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 0x100000000 || !slices.Equal(d.Voters(), []int64{1, 2}) || !slices.Equal(d.Observers(), []int64{4}) {
		t.Fatalf("parsed %+v", d)
	}
	want := "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\nserver.2=s2:2888:3888:participant;s2:2181\n" +
		"server.4=[::1]:2890:3890:observer;[::1]:2184\nversion=100000000"
	if got := d.String(); got != want {
		t.Fatalf("rendered\n%s\nwant\n%s", got, want)
	}
	again, err := ParseDynamic([]byte(d.String()))
	if err != nil || again.String() != want {
		t.Fatalf("round trip: %v\n%s", err, again.String())
	}
	// reconfig's newMembers: comma-separated, no version.
	m, err := ParseDynamic([]byte("server.1=a:1:2;3,server.5=b:1:2:observer;4"))
	if err != nil || len(m.Servers) != 2 || m.Version != 0 {
		t.Fatalf("comma list: %+v %v", m, err)
	}
	// A reconfig may name ids zoo.cfg would refuse (kazoo's test_no_super_auth uses 999).
	if big, err := ParseDynamic([]byte("server.999=0.0.0.0:1234:2345:observer;3456")); err != nil || big.Servers[0].ID != 999 {
		t.Fatalf("server.999: %+v %v", big, err)
	}
	for _, bad := range []string{"server.1=a:1", "version=xyz", "clientPort=1", "server.1=a:1:2\nserver.1=b:1:2", "junk", "server.0=a:1:2"} {
		if _, err := ParseDynamic([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestDynamicFileNames(t *testing.T) {
	if n := DynamicFileName(0x100000003); n != "zoo.cfg.dynamic.100000003" {
		t.Fatal(n)
	}
	if v, ok := ParseDynamicFileName("zoo.cfg.dynamic.100000003"); !ok || v != 0x100000003 {
		t.Fatal(v, ok)
	}
	for _, n := range []string{"zoo.cfg.dynamic.", "zoo.cfg.dynamic.next", "zoo.cfg.dynamic.1.tmp", "log.1"} {
		if _, ok := ParseDynamicFileName(n); ok {
			t.Errorf("%s parsed", n)
		}
	}
}

func TestReconfigSettings(t *testing.T) {
	c, warns := mustParse(t, "dataDir=/d\nclientPort=2181\nreconfigEnabled=true\nstandaloneEnabled=false\n"+
		"dynamicConfigFile=/etc/zoo.cfg.dynamic.100000000\nskipACL=yes\nserver.1=h:2888:3888\n")
	if len(warns) != 0 {
		t.Fatalf("warnings %v", warns)
	}
	if !c.ReconfigEnabled || !c.StandaloneDisabled || c.DynamicConfigFile != "/etc/zoo.cfg.dynamic.100000000" || !c.SkipACL {
		t.Fatalf("parsed %+v", c)
	}
	if c.Standalone() {
		t.Fatal("standaloneEnabled=false with one server is an ensemble")
	}
	again, _ := mustParse(t, c.String())
	if !again.ReconfigEnabled || !again.StandaloneDisabled || !again.SkipACL || again.DynamicConfigFile != c.DynamicConfigFile {
		t.Fatalf("write/parse lost settings:\n%s", c.String())
	}
	if err := c.UseDynamic([]byte("server.1=h:2888:3888;2181\nserver.2=g:2888:3888;2181\nversion=200000000")); err != nil {
		t.Fatal(err)
	}
	if len(c.Servers) != 2 || c.ConfigVersion != 0x200000000 {
		t.Fatalf("UseDynamic: %+v", c.Servers)
	}
	if err := c.UseDynamic([]byte("nonsense")); err == nil || !strings.Contains(err.Error(), "dynamic config file") {
		t.Fatalf("bad dynamic file: %v", err)
	}
}

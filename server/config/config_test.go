package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// debianZooCfg is /etc/zookeeper/conf/zoo.cfg from Debian 12's zookeeper
// 3.8.0-11+deb12u2 package, verbatim (trailing spaces included).
const debianZooCfg = `# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial 
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between 
# sending a request and getting an acknowledgement
syncLimit=5
# the directory where the snapshot is stored.
# do not use /tmp for storage, /tmp here is just 
# example sakes.
dataDir=/tmp/zookeeper
# the port at which the clients will connect
clientPort=2181
# the maximum number of client connections.
# increase this if you need to handle more clients
#maxClientCnxns=60
#
# Be sure to read the maintenance section of the 
# administrator guide before turning on autopurge.
#
# https://zookeeper.apache.org/doc/current/zookeeperAdmin.html#sc_maintenance
#
# The number of snapshots to retain in dataDir
#autopurge.snapRetainCount=3
# Purge task interval in hours
# Set to "0" to disable auto purge feature
#autopurge.purgeInterval=1

## Metrics Providers
#
# https://prometheus.io Metrics Exporter
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpHost=0.0.0.0
#metricsProvider.httpPort=7000
#metricsProvider.exportJvmInfo=true
`

// ensembleZooCfg is the replicated example of the ZooKeeper Getting Started
// guide.
const ensembleZooCfg = `tickTime=2000
dataDir=/var/lib/zookeeper/
clientPort=2181
initLimit=5
syncLimit=2
server.1=zoo1:2888:3888
server.2=zoo2:2888:3888
server.3=zoo3:2888:3888
`

func mustParse(t *testing.T, text string) (Config, []Warning) {
	t.Helper()
	c, warns, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c, warns
}

func TestParseDebianSample(t *testing.T) {
	c, warns := mustParse(t, debianZooCfg)
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	if c.TickTimeMS != 2000 || c.InitLimitTicks != 10 || c.SyncLimitTicks != 5 || c.DataDir != "/tmp/zookeeper" || c.ClientPort != 2181 {
		t.Fatalf("parsed %+v", c)
	}
	if c.MinSessionTimeout() != 4*time.Second || c.MaxSessionTimeout() != 40*time.Second {
		t.Fatalf("session bounds %v..%v, want 4s..40s (2x and 20x tickTime)", c.MinSessionTimeout(), c.MaxSessionTimeout())
	}
	if c.MaxClientCnxns != 60 || c.SnapRetainCount != 3 || c.SnapCount != 100000 || c.ExtendedTypesEnabled || c.SuperDigest != "" || c.PurgeIntervalHours != 0 || c.JuteMaxBufferBytes != 0xfffff ||
		!c.AdminEnableServer || c.AdminServerPort != 8080 || !c.SyncQuorum || c.LogDir() != "/tmp/zookeeper" || !c.Standalone() {
		t.Fatalf("defaults wrong: %+v", c)
	}
	if got := c.ClientAddr(Server{}); got != ":2181" {
		t.Fatalf("ClientAddr = %q", got)
	}
}

func TestParseEnsemble(t *testing.T) {
	c, warns := mustParse(t, ensembleZooCfg)
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	if len(c.Servers) != 3 || c.Standalone() {
		t.Fatalf("servers %+v", c.Servers)
	}
	s2, err := c.Self(2)
	if err != nil {
		t.Fatal(err)
	}
	want := Server{ID: 2, Host: "zoo2", QuorumPort: 2888, ElectionPort: 3888}
	if s2 != want || s2.QuorumAddr() != "zoo2:2888" || s2.ElectionAddr() != "zoo2:3888" {
		t.Fatalf("Self(2) = %+v", s2)
	}
	if _, err := c.Self(4); err == nil || !strings.Contains(err.Error(), "myid 4 is not among") {
		t.Fatalf("Self(4) = %v", err)
	}
}

func TestParseServerForms(t *testing.T) {
	c, _ := mustParse(t, `dataDir=/d
initLimit=5
syncLimit=2
server.3=[::1]:2890:3890:observer;[::1]:2183
server.1=10.0.0.1:2888:3888:participant;2181
server.2 = 10.0.0.2:2889:3889;0.0.0.0:2182
`)
	want := []Server{
		{ID: 1, Host: "10.0.0.1", QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181},
		{ID: 2, Host: "10.0.0.2", QuorumPort: 2889, ElectionPort: 3889, ClientHost: "0.0.0.0", ClientPort: 2182},
		{ID: 3, Host: "::1", QuorumPort: 2890, ElectionPort: 3890, Type: Observer, ClientHost: "::1", ClientPort: 2183},
	}
	for i := range want {
		if c.Servers[i] != want[i] {
			t.Errorf("server %d = %+v, want %+v", i, c.Servers[i], want[i])
		}
	}
	if got := c.ClientAddr(c.Servers[2]); got != "[::1]:2183" {
		t.Errorf("ClientAddr = %q", got)
	}
	if p := c.Participants(); len(p) != 2 || p[0] != 1 || p[1] != 2 {
		t.Errorf("participants %v", p)
	}
}

func TestPropertiesSyntax(t *testing.T) {
	c, _ := mustParse(t, "! bang comment\r\n"+
		"  tickTime : 1500\r\n"+
		"dataDir /var/zk\\\n"+
		"   /data\n"+
		"clientPort=2181\n"+
		"zabsim.bugs = zk-1154 , sync-no-quorum,zk-1154\n"+
		"zookeeper.jute.maxbuffer=4194304\n"+
		"4lw.commands.whitelist=srvr, mntr ,ruok\n"+
		"admin.enableServer=FALSE\n"+
		"zookeeper.snapCount=5000\n"+
		"zookeeper.extendedTypesEnabled=true\n"+
		"DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=\n"+
		"dataLogDir=C\\:\\\\logs\\u0041\n")
	if c.TickTimeMS != 1500 || c.DataDir != "/var/zk/data" || c.JuteMaxBufferBytes != 4<<20 || c.AdminEnableServer {
		t.Fatalf("parsed %+v", c)
	}
	if c.SnapCount != 5000 || !c.ExtendedTypesEnabled || c.SuperDigest != "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" {
		t.Fatalf("system-property keys: %+v", c)
	}
	if c.DataLogDir != `C:\logsA` {
		t.Fatalf("escapes: dataLogDir = %q", c.DataLogDir)
	}
	if strings.Join(c.Bugs, ",") != "sync-no-quorum,zk-1154" {
		t.Fatalf("bugs %v, want sorted and unique", c.Bugs)
	}
	if strings.Join(c.FourLetterWords, ",") != "srvr,mntr,ruok" {
		t.Fatalf("4lw %v", c.FourLetterWords)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	base := "dataDir=/d\nclientPort=2181\n"
	cases := []struct {
		name, text, want string
	}{
		{"non-numeric", base + "tickTime=fast\n", `line 3: tickTime: "fast" is not a whole number`},
		{"zero tick", base + "tickTime=0\n", "line 3: tickTime: 0 is out of range"},
		{"port range", "dataDir=/d\nclientPort=70000\n", "line 2: clientPort: 70000 is out of range [0, 65535]"},
		{"bad bool", base + "admin.enableServer=yes\n", `line 3: admin.enableServer: "yes" is not true or false`},
		{"duplicate id", base + "initLimit=5\nsyncLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\nserver.01=c:1:2\n", "line 7: server.01: duplicate server id 1 (first on line 5)"},
		{"bad id", base + "server.x=a:1:2\n", `line 3: server.x: server id "x" is not a number`},
		{"id range", base + "server.256=a:1:2\n", "line 3: server.256: server id 256 is out of range [1, 255]"},
		{"missing election port", base + "server.1=a:2888\n", "line 3: server.1: \"a:2888\" is not host:quorumPort:electionPort"},
		{"bad type", base + "server.1=a:1:2:voter\n", `line 3: server.1: server type "voter"`},
		{"bad client part", base + "server.1=a:1:2;x:y:z\n", `line 3: server.1: client address "x:y:z"`},
		{"shared address", base + "initLimit=5\nsyncLimit=2\nserver.1=a:1:2\nserver.2=a:1:3\n", "line 6: server.2: address a:1 is also used by server.1"},
		{"no dataDir", "clientPort=2181\n", "dataDir: dataDir is not set"},
		{"no client port", "dataDir=/d\n", "no client port"},
		{"address without port", "dataDir=/d\nclientPortAddress=127.0.0.1\nserver.1=a:1:2;2181\n", "line 2: clientPortAddress: clientPortAddress is set but clientPort is not"},
		{"session bounds", base + "tickTime=1000\nminSessionTimeout=30000\nmaxSessionTimeout=10000\n", "line 4: minSessionTimeout: minSessionTimeout (30s) is larger than maxSessionTimeout (10s)"},
		{"ensemble limits", base + "server.1=a:1:2\nserver.2=b:1:2\n", "initLimit: initLimit is not set"},
		{"all observers", base + "initLimit=5\nsyncLimit=2\nserver.1=a:1:2:observer\nserver.2=b:1:2:observer\n", "every server is an observer"},
		{"bad bug name", base + "zabsim.bugs=ok,no way\n", `line 3: zabsim.bugs: "no way" is not a bug switch name`},
		{"negative purge", base + "autopurge.purgeInterval=-1\n", "line 3: autopurge.purgeInterval: -1 is out of range"},
		{"bad escape", base + "dataLogDir=\\uZZZZ\n", "line 3"},
		{"snapCount", base + "snapCount=1\n", "line 3: snapCount: 1 is out of range [2,"},
		{"superDigest", base + "DigestAuthenticationProvider.superDigest=nocolon\n", `is not user:base64digest`},
		{"multi address", base + "server.1=a:1:2|b:1:2\n", "multiple addresses"},
	}
	for _, tc := range cases {
		_, _, err := Parse([]byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestParseReportsEveryBadLine(t *testing.T) {
	_, _, err := Parse([]byte("dataDir=/d\nclientPort=x\ntickTime=y\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2: clientPort") || !strings.Contains(err.Error(), "line 3: tickTime") {
		t.Fatalf("error %v, want both bad lines", err)
	}
}

func TestSecureClientPortUnsupported(t *testing.T) {
	_, _, err := Parse([]byte("dataDir=/d\nclientPort=2181\nsecureClientPort=2281\n"))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "line 3: secureClientPort") {
		t.Fatalf("error %v, want ErrUnsupported on line 3", err)
	}
}

func TestWarnings(t *testing.T) {
	c, warns := mustParse(t, `dataDir=/d
clientPort=2181
fancyFeature=on
electionAlg=3
clientPort=2182
autopurge.snapRetainCount=1
4lw.commands.whitelist=srvr,xyzw
metricsProvider.exportJvmInfo=true
`)
	want := []string{
		"line 3: fancyFeature: unknown key",
		"line 4: electionAlg: a ZooKeeper setting zabsim does not implement",
		"line 5: clientPort: repeated (also on line 2); the last value wins",
		"line 6: autopurge.snapRetainCount: 1 is below the minimum 3",
		`line 7: 4lw.commands.whitelist: "xyzw" is not a four-letter word`,
		"line 8: metricsProvider.exportJvmInfo: a ZooKeeper setting",
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings %v, want %d", warns, len(want))
	}
	for i, w := range want {
		if !strings.Contains(warns[i].String(), w) {
			t.Errorf("warning %d = %q, want %q", i, warns[i], w)
		}
	}
	if c.ClientPort != 2182 || c.SnapRetainCount != 3 {
		t.Fatalf("clientPort %d snapRetainCount %d", c.ClientPort, c.SnapRetainCount)
	}
	if len(c.Extra) != 3 || c.Extra[0].Key != "fancyFeature" || c.Extra[2].Value != "true" {
		t.Fatalf("extra %+v", c.Extra)
	}
}

// The AdminServer and Prometheus keys `zabsim server` serves are kept in
// Extra without a warning.
func TestLiveKeysKeptSilently(t *testing.T) {
	c, warns := mustParse(t, "dataDir=/d\nclientPort=2181\nadmin.serverAddress=127.0.0.1\nadmin.commandURL=/cmd\n"+
		"metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\nmetricsProvider.httpPort=7001\n")
	if len(warns) != 0 {
		t.Fatalf("warnings %v", warns)
	}
	if len(c.Extra) != 4 || c.Extra[3].Key != "metricsProvider.httpPort" || c.Extra[3].Value != "7001" {
		t.Fatalf("extra %+v", c.Extra)
	}
}

func TestParseMyID(t *testing.T) {
	if id, err := ParseMyID([]byte(" 3\n")); err != nil || id != 3 {
		t.Fatalf("ParseMyID = %d, %v", id, err)
	}
	for in, want := range map[string]string{"": "empty", "abc": "not a number", "0": "out of range", "256": "out of range", "1\n2\n": "not a number"} {
		if _, err := ParseMyID([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseMyID(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestRoundTripSamples(t *testing.T) {
	for _, text := range []string{debianZooCfg, ensembleZooCfg, "dataDir=/d\nclientPort=1\nextra.key=a b=c\n" +
		"minSessionTimeout=100\nmaxSessionTimeout=200\nzabsim.syncQuorum=false\nadmin.serverPort=9090\n" +
		"jute.maxbuffer=10\nautopurge.purgeInterval=2\n4lw.commands.whitelist=\nmaxClientCnxns=0\n"} {
		c, _ := mustParse(t, text)
		out := c.String()
		c2, _, err := Parse([]byte(out))
		if err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v", out, err)
		}
		if !c.Equal(&c2) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v\nwritten:\n%s", c, c2, out)
		}
	}
}

func TestValidateGoBuiltConfig(t *testing.T) {
	c := Default()
	c.DataDir = "/d"
	c.ClientPort = 2181
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Servers = []Server{{ID: 2, Host: "a", QuorumPort: 1, ElectionPort: 2}, {ID: 1, Host: "b", QuorumPort: 1, ElectionPort: 2}}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "not sorted") || !strings.Contains(err.Error(), "initLimit is not set") {
		t.Fatalf("Validate = %v", err)
	}
}

package server

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/config"
)

func parseZooCfg(t *testing.T, text string) config.Config {
	t.Helper()
	c, _, err := config.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

func TestFromZooCfgDefaults(t *testing.T) {
	c := parseZooCfg(t, "dataDir=/tmp/z\nclientPort=2181\n")
	got, err := FromZooCfg(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		ID: 0, ClientAddr: "0.0.0.0:2181", TickTimeMS: 3000,
		MinSessionTimeoutMS: 6000, MaxSessionTimeoutMS: 60000,
		MaxClientCnxns: 60, MaxBufferBytes: 0xfffff, SnapCount: 100000,
		FourLetterWords: []string{"srvr"}, ContainerCheckIntervalMS: 60000,
		Version: "3.8.0-zabsim", Bugs: 0, PeerTickMS: 1500,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FromZooCfg(defaults)\n got %+v\nwant %+v", got, want)
	}
}

func TestFromZooCfgEverySetting(t *testing.T) {
	c := parseZooCfg(t, strings.Join([]string{
		"tickTime=500", "dataDir=/tmp/z", "clientPort=21810", "clientPortAddress=127.0.0.1",
		"minSessionTimeout=1200", "maxSessionTimeout=9000", "maxClientCnxns=0",
		"jute.maxbuffer=4096", "snapCount=1000", "4lw.commands.whitelist=ruok, mntr ,srvr",
		"DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
		"zookeeper.extendedTypesEnabled=true", "zabsim.bugs=zk-1208,ack-before-fsync",
	}, "\n")+"\n")
	got, err := FromZooCfg(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ClientAddr", got.ClientAddr, "127.0.0.1:21810"},
		{"TickTimeMS", got.TickTimeMS, int64(500)},
		{"MinSessionTimeoutMS", got.MinSessionTimeoutMS, int64(1200)},
		{"MaxSessionTimeoutMS", got.MaxSessionTimeoutMS, int64(9000)},
		{"MaxClientCnxns (0 = unlimited)", got.MaxClientCnxns < 0, true},
		{"MaxBufferBytes", got.MaxBufferBytes, 4096},
		{"SnapCount", got.SnapCount, 1000},
		{"FourLetterWords", got.FourLetterWords, []string{"ruok", "mntr", "srvr"}},
		{"SuperDigest", got.SuperDigest, "super:D/InIHSb7yEEbrWz8b9l71RjZJU="},
		{"ExtendedTypesEnabled", got.ExtendedTypesEnabled, true},
		{"Bugs", got.Bugs, bugs.Set(0).With(bugs.ZK1208).With(bugs.AckBeforeFsync)},
		{"Peers", len(got.Peers), 0},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

// Session bounds derive from tickTime when unset, as ZooKeeper derives them.
func TestFromZooCfgDerivedSessionBounds(t *testing.T) {
	got, err := FromZooCfg(parseZooCfg(t, "tickTime=100\ndataDir=/d\nclientPort=1\nminSessionTimeout=-1\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.MinSessionTimeoutMS != 200 || got.MaxSessionTimeoutMS != 2000 {
		t.Fatalf("session bounds %d..%d ms, want 200..2000", got.MinSessionTimeoutMS, got.MaxSessionTimeoutMS)
	}
}

func TestFromZooCfgSyncQuorumOff(t *testing.T) {
	got, err := FromZooCfg(parseZooCfg(t, "dataDir=/d\nclientPort=1\nzabsim.syncQuorum=false\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Bugs.Has(bugs.SyncNoQuorum) {
		t.Fatalf("Bugs = %v, want sync-no-quorum", got.Bugs)
	}
}

func TestFromZooCfgEnsemble(t *testing.T) {
	text := "tickTime=200\ninitLimit=5\nsyncLimit=2\ndataDir=/d\nclientPort=2181\n" +
		"server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889;127.0.0.2:2182\nserver.3=127.0.0.1:2890:3890:observer\n"
	c := parseZooCfg(t, text)
	got, err := FromZooCfg(c, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantPeers := []PeerConfig{
		{ID: 1, Addr: "127.0.0.1:2888", ElectionPort: 3888}, {ID: 2, Addr: "127.0.0.1:2889", ElectionPort: 3889, ClientAddr: "127.0.0.2:2182"},
		{ID: 3, Addr: "127.0.0.1:2890", Observer: true, ElectionPort: 3890},
	}
	if !reflect.DeepEqual(got.Peers, wantPeers) {
		t.Errorf("Peers = %+v, want %+v", got.Peers, wantPeers)
	}
	if got.ID != 2 || got.ClientAddr != "127.0.0.2:2182" {
		t.Errorf("ID %d ClientAddr %q, want 2 and server.2's client part 127.0.0.2:2182", got.ID, got.ClientAddr)
	}
	if got, err := FromZooCfg(c, 1); err != nil || got.ClientAddr != "0.0.0.0:2181" {
		t.Errorf("server 1: addr %q err %v, want 0.0.0.0:2181 (clientPort, all interfaces)", got.ClientAddr, err)
	}
}

func TestFromZooCfgErrors(t *testing.T) {
	ensemble := "initLimit=5\nsyncLimit=2\ndataDir=/d\nclientPort=2181\nserver.1=h1:2888:3888\nserver.2=h2:2888:3888\n"
	cases := []struct {
		name, text string
		myid       int64
		want       string
	}{
		{"unknown bug", "dataDir=/d\nclientPort=1\nzabsim.bugs=zk-9999\n", 0, `unknown bug switch "zk-9999"`},
		{"ensemble without myid", ensemble, 0, "no myid"},
		{"myid not in ensemble", ensemble, 7, "myid 7 is not among the configured servers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromZooCfg(parseZooCfg(t, tc.text), tc.myid)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// A Config built in Go is validated too (no dataDir).
	if _, err := FromZooCfg(config.Config{TickTimeMS: 1, ClientPort: 1, SnapCount: 2, SnapRetainCount: 3, AdminServerPort: 1, JuteMaxBufferBytes: 1}, 0); err == nil {
		t.Fatal("config without dataDir accepted")
	}
}

// TestFromZooCfgHostNames: server.N lines may name hosts (localhost, names
// from /etc/hosts or DNS, IPv6 literals in brackets); the peer addresses
// keep the names, resolved when the host listens and dials, as ZooKeeper
// resolves them. quorumListenOnAllIPs reaches the server.
func TestFromZooCfgHostNames(t *testing.T) {
	text := "tickTime=200\ninitLimit=5\nsyncLimit=2\ndataDir=/d\nclientPort=2181\nclientPortAddress=localhost\nquorumListenOnAllIPs=true\n" +
		"server.1=localhost:2888:3888\nserver.2=zk-1.zk.default.svc.cluster.local:2888:3888\nserver.3=[::1]:2890:3890\n"
	c := parseZooCfg(t, text)
	got, err := FromZooCfg(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantPeers := []PeerConfig{
		{ID: 1, Addr: "localhost:2888", ElectionPort: 3888}, {ID: 2, Addr: "zk-1.zk.default.svc.cluster.local:2888", ElectionPort: 3888},
		{ID: 3, Addr: "[::1]:2890", ElectionPort: 3890},
	}
	if !reflect.DeepEqual(got.Peers, wantPeers) || got.ClientAddr != "localhost:2181" || !got.QuorumListenOnAllIPs {
		t.Errorf("Peers = %+v, ClientAddr %q, QuorumListenOnAllIPs %v; want %+v, localhost:2181, true", got.Peers, got.ClientAddr, got.QuorumListenOnAllIPs, wantPeers)
	}
}

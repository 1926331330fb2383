package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// adminWorld is a simulated world whose servers the test can reach, to
// call AdminCommand and Metrics between runs (the world is single-threaded
// and idle then).
type adminWorld struct {
	*world
	servers map[string]*server.Server
}

func newAdminWorld(t *testing.T, seed uint64, n int) *adminWorld {
	t.Helper()
	w, err := sim.NewWorld(seed, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	aw := &adminWorld{world: &world{t: t, w: w}, servers: map[string]*server.Server{}}
	var peers []server.PeerConfig
	for i := 1; n > 1 && i <= n; i++ {
		peers = append(peers, server.PeerConfig{ID: int64(i), Addr: fmt.Sprintf("s%d:2888", i)})
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("s%d", i)
		cfg := server.Config{ClientAddr: name + ":2181", TickTimeMS: 200, Peers: peers}
		if n > 1 {
			cfg.ID = int64(i)
		}
		aw.addServer(name, cfg)
	}
	return aw
}

func (aw *adminWorld) addServer(name string, cfg server.Config) {
	aw.t.Helper()
	if _, err := server.New(cfg); err != nil {
		aw.t.Fatal(err)
	}
	f := func() proc.Process {
		s, _ := server.New(cfg)
		aw.servers[name] = s // the latest incarnation
		return s
	}
	if err := aw.w.AddNode(name, f, sim.NodeOptions{}); err != nil {
		aw.t.Fatal(err)
	}
	if err := aw.w.Start(name); err != nil {
		aw.t.Fatal(err)
	}
}

// command runs an admin command and round-trips it through JSON, as the
// HTTP layer serves it, so the test sees what an operator sees.
func (aw *adminWorld) command(node, name string) map[string]any {
	aw.t.Helper()
	resp, err := aw.servers[node].AdminCommand(name)
	if err != nil {
		aw.t.Fatalf("%s %s: %v", node, name, err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		aw.t.Fatalf("%s %s: marshal: %v", node, name, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		aw.t.Fatal(err)
	}
	return out
}

func metricValue(t *testing.T, s *server.Server, name string) float64 {
	t.Helper()
	for _, m := range s.Metrics() {
		if m.Name == name {
			return m.Value
		}
	}
	t.Fatalf("metric %s missing", name)
	return 0
}

func TestAdminCommandsStandalone(t *testing.T) {
	aw := newAdminWorld(t, 3, 1)
	aw.run(time.Second)
	before := aw.command("s1", "mntr")
	if before["command"] != "monitor" || before["error"] != nil || before["server_state"] != "standalone" {
		t.Fatalf("mntr before: %v", before)
	}
	aw.addClient("c1",
		create("/a", "x", wire.FlagPersistent),
		create("/a/e", "y", wire.FlagEphemeral),
		get("/a", true),
	)
	aw.run(2 * time.Second)
	after := aw.command("s1", "monitor")
	if got, want := after["znode_count"].(float64), before["znode_count"].(float64)+2; got != want {
		t.Fatalf("znode_count %v after two creates, want %v", got, want)
	}
	// ZooKeeper's approximate_data_size adds each path's and data's length.
	if got, want := after["approximate_data_size"].(float64), before["approximate_data_size"].(float64)+float64(len("/a")+len("x")+len("/a/e")+len("y")); got != want {
		t.Fatalf("approximate_data_size %v, want %v", got, want)
	}
	if after["ephemerals_count"] != 1.0 || after["watch_count"] != 1.0 || after["num_alive_connections"] != 1.0 {
		t.Fatalf("mntr after: %v", after)
	}
	srvr := aw.command("s1", "srvr")
	stats, _ := srvr["server_stats"].(map[string]any)
	if srvr["command"] != "server_stats" || stats["server_state"] != "standalone" || stats["packets_received"].(float64) < 4 {
		t.Fatalf("srvr: %v", srvr)
	}
	stat := aw.command("s1", "stat")
	if conns, _ := stat["connections"].([]any); stat["command"] != "stats" || len(conns) != 1 {
		t.Fatalf("stat: %v", stat)
	}
	dump := aw.command("s1", "dump")
	eph, _ := dump["session_id_to_ephemeral_paths"].(map[string]any)
	if len(eph) != 1 {
		t.Fatalf("dump: %v", dump)
	}
	for _, paths := range eph {
		if fmt.Sprint(paths) != "[/a/e]" {
			t.Fatalf("dump ephemerals %v", paths)
		}
	}
	if got := aw.command("s1", "wchs"); got["num_total_watches"] != 1.0 || got["command"] != "watch_summary" {
		t.Fatalf("wchs: %v", got)
	}
	if got := aw.command("s1", "leader"); got["error"] != "server is not initialized" {
		t.Fatalf("leader on a standalone server: %v", got)
	}
	if got := aw.command("s1", "conf"); got["client_port"] != 2181.0 || got["tick_time"] != 200.0 || got["command"] != "configuration" {
		t.Fatalf("conf: %v", got)
	}
	if got := aw.command("s1", "isro"); got["read_only"] != false {
		t.Fatalf("isro: %v", got)
	}
	if got := aw.command("s1", "ruok"); len(got) != 2 || got["command"] != "ruok" || got["error"] != nil {
		t.Fatalf("ruok: %v", got)
	}
}

func TestAdminCommandUnknown(t *testing.T) {
	aw := newAdminWorld(t, 4, 1)
	aw.run(100 * time.Millisecond)
	for _, name := range []string{"nope", "", "RUOK", "../ruok", "ruok\x00"} {
		resp, err := aw.servers["s1"].AdminCommand(name)
		if !errors.Is(err, server.ErrUnknownAdminCommand) {
			t.Fatalf("%q: err %v", name, err)
		}
		if resp["command"] != name || resp["error"] != "Unknown command: "+name {
			t.Fatalf("%q: %v", name, resp)
		}
	}
}

func TestAdminCommandsListed(t *testing.T) {
	aw := newAdminWorld(t, 5, 1)
	aw.run(100 * time.Millisecond)
	seen := map[string]bool{}
	for _, c := range server.AdminCommands() {
		for _, n := range c.Names {
			if seen[n] {
				t.Fatalf("name %q listed twice", n)
			}
			seen[n] = true
			resp := aw.command("s1", n)
			if resp["command"] != c.Primary {
				t.Fatalf("%s answered as %v, want %s", n, resp["command"], c.Primary)
			}
		}
	}
	for _, want := range []string{"ruok", "stat", "srvr", "mntr", "monitor", "conf", "cons", "envi", "wchs", "dump", "is_read_only", "leader", "voting_view"} {
		if !seen[want] {
			t.Errorf("command %s missing", want)
		}
	}
}

func TestAdminNotServingBeforeStart(t *testing.T) {
	s, err := server.New(server.Config{ClientAddr: "s1:2181"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.AdminCommand("stat")
	if err != nil || resp["error"] != "This ZooKeeper instance is not currently serving requests" {
		t.Fatalf("stat before Start: %v %v", resp, err)
	}
	// monitor answers without a serving server (an operator watching a
	// node that is down or looking), and must not touch missing state.
	if resp, err := s.AdminCommand("mntr"); err != nil || resp["error"] != nil {
		t.Fatalf("mntr before Start: %v %v", resp, err)
	}
}

func TestAdminEnsembleRoles(t *testing.T) {
	aw := newAdminWorld(t, 11, 3)
	aw.run(4 * time.Second)
	leaders, followers := 0, 0
	for _, name := range []string{"s1", "s2", "s3"} {
		st := aw.command(name, "srvr")["server_stats"].(map[string]any)["server_state"]
		lead := aw.command(name, "leader")
		switch st {
		case "leader":
			leaders++
			if lead["is_leader"] != true {
				t.Fatalf("%s: leader says %v", name, lead)
			}
		case "follower":
			followers++
			if lead["is_leader"] != false || lead["leader_ip"] != "s"+fmt.Sprint(lead["leader_id"]) {
				t.Fatalf("%s: follower says %v", name, lead)
			}
		default:
			t.Fatalf("%s: state %v", name, st)
		}
		if v := metricValue(t, aw.servers[name], "quorum_size"); v != 3 {
			t.Fatalf("%s: quorum_size %v", name, v)
		}
		view := aw.command(name, "voting_view")["current_config"].(map[string]any)
		if len(view) != 3 || view["2"] != "s2:2888:participant" {
			t.Fatalf("%s: voting_view %v", name, view)
		}
	}
	if leaders != 1 || followers != 2 {
		t.Fatalf("%d leaders, %d followers", leaders, followers)
	}
}

package serverproc_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/live/serverproc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// startAdminServer runs a zabsim server with its AdminServer and Prometheus
// endpoint on free loopback ports.
func startAdminServer(t *testing.T, cfg server.Config) (*serverproc.ServerHandle, *serverproc.AdminServer, string) {
	t.Helper()
	var logBuf live.LockedBuffer
	h, addr, err := serverproc.StartServerHandle(cfg, live.Options{Name: "zabsim", DataDir: t.TempDir(), Log: &logBuf})
	if err != nil {
		t.Fatal(err)
	}
	a, err := serverproc.StartAdmin(h, serverproc.AdminOptions{AdminAddr: "127.0.0.1:0", CommandURL: "/commands", MetricsAddr: "127.0.0.1:0"})
	if err != nil {
		_ = h.Node().Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("admin close: %v", err)
		}
		if err := h.Node().Stop(); err != nil {
			t.Errorf("server stop: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logBuf.String())
		}
	})
	return h, a, addr
}

func standaloneAdminConfig() server.Config {
	return server.Config{ClientAddr: "127.0.0.1:0", TickTimeMS: livetest.TickMS, MaxClientCnxns: -1}
}

// httpGet returns the status, content type and body of one request.
func httpDo(t *testing.T, method, url string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// getCommand GETs one command and decodes its JSON.
func getCommand(t *testing.T, a *serverproc.AdminServer, name string) (int, map[string]any) {
	t.Helper()
	status, ctype, body := httpDo(t, http.MethodGet, "http://"+a.AdminAddr+"/commands/"+name)
	if !strings.HasPrefix(ctype, "application/json") {
		t.Fatalf("%s: content type %q", name, ctype)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v in %s", name, err, body)
	}
	if _, ok := m["error"]; !ok {
		t.Fatalf("%s: no error field in %s", name, body)
	}
	return status, m
}

func TestLiveAdminServerStandalone(t *testing.T) {
	_, a, addr := startAdminServer(t, standaloneAdminConfig())
	status, before := getCommand(t, a, "mntr")
	if status != http.StatusOK || before["command"] != "monitor" || before["error"] != nil || before["server_state"] != "standalone" {
		t.Fatalf("mntr: %d %v", status, before)
	}
	c, _ := connectZK(t, addr)
	defer c.Close()
	for i := range 3 {
		mustCreate(t, c, fmt.Sprintf("/admin%d", i), "x", 0)
	}
	mustCreate(t, c, "/eph", "", zk.FlagEphemeral)
	_, after := getCommand(t, a, "monitor")
	if got, want := after["znode_count"], before["znode_count"].(float64)+4; got != want {
		t.Fatalf("znode_count %v after 4 creates, want %v", got, want)
	}
	if after["ephemerals_count"] != 1.0 || after["num_alive_connections"] != 1.0 {
		t.Fatalf("mntr after creates: %v", after)
	}
	_, stat := getCommand(t, a, "stat")
	conns, _ := stat["connections"].([]any)
	if stat["command"] != "stats" || len(conns) != 1 || stat["server_stats"].(map[string]any)["server_state"] != "standalone" {
		t.Fatalf("stat: %v", stat)
	}
	for _, name := range []string{"ruok", "srvr", "conf", "cons", "envi", "wchs", "dump", "is_read_only", "voting_view"} {
		if status, m := getCommand(t, a, name); status != http.StatusOK || m["error"] != nil {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	if _, m := getCommand(t, a, "conf"); fmt.Sprint(m["client_port"]) != portOf(t, addr) {
		t.Errorf("conf client_port %v, server on %s", m["client_port"], addr)
	}
	// A standalone server has no leader: ZooKeeper says so in the error field.
	if status, m := getCommand(t, a, "leader"); status != http.StatusOK || m["error"] != "server is not initialized" {
		t.Errorf("leader: %d %v", status, m)
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		t.Fatalf("address %q without port", addr)
	}
	return addr[i+1:]
}

func TestLiveAdminServerBadInput(t *testing.T) {
	_, a, _ := startAdminServer(t, standaloneAdminConfig())
	status, m := getCommand(t, a, "nosuchcommand")
	if status != http.StatusNotFound || m["command"] != "nosuchcommand" || m["error"] != "Unknown command: nosuchcommand" {
		t.Fatalf("unknown command: %d %v", status, m)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		status, ctype, body := httpDo(t, method, "http://"+a.AdminAddr+"/commands/ruok")
		var m map[string]any
		if status != http.StatusMethodNotAllowed || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal(body, &m) != nil || m["error"] == nil {
			t.Fatalf("%s: %d %s %s", method, status, ctype, body)
		}
	}
	for _, path := range []string{"/", "/command", "/commandsx/ruok", "/commands/ruok/extra", "/commands/%00", "/commands/" + strings.Repeat("a", 4000)} {
		status, _, body := httpDo(t, http.MethodGet, "http://"+a.AdminAddr+path)
		if status != http.StatusNotFound {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
	}
	status, ctype, body := httpDo(t, http.MethodGet, "http://"+a.AdminAddr+"/commands")
	if status != http.StatusOK || !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("index: %d %s", status, ctype)
	}
	for _, c := range server.AdminCommands() {
		if !strings.Contains(string(body), `href="/commands/`+c.Primary+`"`) {
			t.Errorf("index lacks %s:\n%s", c.Primary, body)
		}
	}
	// The server is still fine after all that.
	if status, m := getCommand(t, a, "ruok"); status != http.StatusOK || m["error"] != nil {
		t.Fatalf("ruok after bad input: %d %v", status, m)
	}
}

func TestLiveAdminServerStoppedNode(t *testing.T) {
	h, a, _ := startAdminServer(t, standaloneAdminConfig())
	if err := h.Node().Stop(); err != nil {
		t.Fatal(err)
	}
	status, m := getCommand(t, a, "ruok")
	if status != http.StatusServiceUnavailable || m["error"] != "This ZooKeeper instance is not currently serving requests" {
		t.Fatalf("ruok on a stopped node: %d %v", status, m)
	}
	if status, _, _ := httpDo(t, http.MethodGet, "http://"+a.MetricsAddr+"/metrics"); status != http.StatusServiceUnavailable {
		t.Fatalf("metrics on a stopped node: %d", status)
	}
}

// promLine is a sample line without labels or timestamp (what zabsim
// writes) or with them (what the format allows).
var (
	promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( -?\d+)?$`)
	promMeta   = regexp.MustCompile(`^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$`)
)

// parsePrometheus checks the text exposition format (every line a comment
// or a sample, HELP and TYPE before a metric's samples, one TYPE per name,
// numeric values) and returns the samples.
func parsePrometheus(t *testing.T, text string) map[string]float64 {
	t.Helper()
	samples := map[string]float64{}
	typed := map[string]string{}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end in a newline")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if m := promMeta.FindStringSubmatch(line); m != nil {
			if _, seen := samples[m[2]]; seen {
				t.Fatalf("line %d: %s after the samples of %s", i+1, m[1], m[2])
			}
			if m[1] == "TYPE" {
				if typed[m[2]] != "" {
					t.Fatalf("line %d: second TYPE for %s", i+1, m[2])
				}
				typed[m[2]] = m[3]
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		m := promSample.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d is neither a comment nor a sample: %q", i+1, line)
		}
		if typed[m[1]] == "" {
			t.Fatalf("line %d: sample of %s before its TYPE", i+1, m[1])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("line %d: value %q: %v", i+1, m[3], err)
		}
		samples[m[1]] = v
	}
	return samples
}

func TestLiveMetricsEndpoint(t *testing.T) {
	_, a, addr := startAdminServer(t, standaloneAdminConfig())
	scrape := func() map[string]float64 {
		status, ctype, body := httpDo(t, http.MethodGet, "http://"+a.MetricsAddr+"/metrics")
		if status != http.StatusOK || ctype != serverproc.PrometheusContentType {
			t.Fatalf("metrics: %d %q", status, ctype)
		}
		return parsePrometheus(t, string(body))
	}
	before := scrape()
	for _, name := range []string{"znode_count", "watch_count", "ephemerals_count", "num_alive_connections", "outstanding_requests",
		"avg_latency", "min_latency", "max_latency", "packets_received", "packets_sent", "uptime", "approximate_data_size"} {
		if _, ok := before[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	c, _ := connectZK(t, addr)
	defer c.Close()
	mustCreate(t, c, "/m", "data", 0)
	if _, _, _, err := c.GetW("/m"); err != nil {
		t.Fatal(err)
	}
	after := scrape()
	if after["znode_count"] != before["znode_count"]+1 || after["watch_count"] != 1 || after["num_alive_connections"] != 1 {
		t.Fatalf("after a create and a watch: %v (before %v)", after, before)
	}
	if after["packets_received"] <= before["packets_received"] {
		t.Fatalf("packets_received did not grow: %v -> %v", before["packets_received"], after["packets_received"])
	}
	if status, _, _ := httpDo(t, http.MethodGet, "http://"+a.MetricsAddr+"/other"); status != http.StatusNotFound {
		t.Fatalf("GET /other: %d", status)
	}
	if status, _, _ := httpDo(t, http.MethodPost, "http://"+a.MetricsAddr+"/metrics"); status != http.StatusMethodNotAllowed {
		t.Fatalf("POST /metrics: %d", status)
	}
}

func TestWritePrometheusRejectsBadNames(t *testing.T) {
	var b strings.Builder
	err := serverproc.WritePrometheus(&b, []server.Metric{{Name: "ok_name", Value: 1}, {Name: "bad-name", Value: 2}})
	if err == nil || b.Len() != 0 {
		t.Fatalf("err %v, wrote %q", err, b.String())
	}
	if err := serverproc.WritePrometheus(&b, []server.Metric{{Name: "a:b_c", Help: "line\nwith \\ escapes", Value: 0.25}}); err != nil {
		t.Fatal(err)
	}
	if got := parsePrometheus(t, b.String()); got["a:b_c"] != 0.25 || !strings.Contains(b.String(), `line\nwith \\ escapes`) {
		t.Fatalf("wrote %q", b.String())
	}
}

func TestAdminOptionsFromZooCfg(t *testing.T) {
	parse := func(text string) (serverproc.AdminOptions, error) {
		zc, _, err := config.Parse([]byte("dataDir=/d\nclientPort=2181\n" + text))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return serverproc.AdminOptionsFromZooCfg(zc)
	}
	got, err := parse("")
	if err != nil || got.AdminAddr != "0.0.0.0:8080" || got.CommandURL != "/commands" || got.MetricsAddr != "" {
		t.Fatalf("defaults: %+v %v", got, err)
	}
	got, err = parse("admin.serverAddress=127.0.0.1\nadmin.serverPort=9090\nadmin.commandURL=/zk\n" +
		"metricsProvider.className=" + serverproc.PrometheusProviderClass + "\nmetricsProvider.httpPort=7001\nmetricsProvider.httpHost=127.0.0.1\n")
	if err != nil || got.AdminAddr != "127.0.0.1:9090" || got.CommandURL != "/zk" || got.MetricsAddr != "127.0.0.1:7001" {
		t.Fatalf("set: %+v %v", got, err)
	}
	got, err = parse("admin.enableServer=false\nmetricsProvider.className=" + serverproc.PrometheusProviderClass + "\n")
	if err != nil || got.AdminAddr != "" || got.MetricsAddr != "0.0.0.0:7000" {
		t.Fatalf("admin off, metrics default: %+v %v", got, err)
	}
	for _, bad := range []string{"metricsProvider.className=com.example.Other\n", "admin.commandURL=commands\n",
		"metricsProvider.className=" + serverproc.PrometheusProviderClass + "\nmetricsProvider.httpPort=http\n"} {
		if _, err := parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLiveAdminServerEnsemble(t *testing.T) {
	const n = 3
	var peers []server.PeerConfig
	for i := 1; i <= n; i++ {
		addr, err := cluster.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		peers = append(peers, server.PeerConfig{ID: int64(i), Addr: addr})
	}
	admins := make([]*serverproc.AdminServer, n)
	for i := range n {
		cfg := standaloneAdminConfig()
		cfg.ID, cfg.Peers = int64(i+1), peers
		_, admins[i], _ = startAdminServer(t, cfg)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		// An election may still be settling: every node must agree at once.
		states := map[string]int{}
		leaderIDs := map[any]bool{}
		views := 0
		for _, a := range admins {
			_, m := getCommand(t, a, "mntr")
			states[fmt.Sprint(m["server_state"])]++
			if _, l := getCommand(t, a, "leader"); l["error"] == nil {
				leaderIDs[l["leader_id"]] = true
			}
			_, v := getCommand(t, a, "voting_view")
			if view, _ := v["current_config"].(map[string]any); len(view) == n {
				views++
			}
		}
		if states["leader"] == 1 && states["follower"] == 2 && len(leaderIDs) == 1 && views == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader and two followers agreeing within 20 s: %v, leader ids %v, %d full voting views", states, leaderIDs, views)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/serverproc"
)

// TestLiveServerAdminEndpoints runs `zabsim server` with the AdminServer
// and the Prometheus endpoint configured in zoo.cfg, as an operator would.
func TestLiveServerAdminEndpoints(t *testing.T) {
	adminAddr, metricsAddr := freeAddr(t), freeAddr(t)
	_, adminPort, _ := net.SplitHostPort(adminAddr)
	_, metricsPort, _ := net.SplitHostPort(metricsAddr)
	cfg, addr := writeZooCfg(t, fmt.Sprintf("admin.serverAddress=127.0.0.1\nadmin.serverPort=%s\nadmin.commandURL=/zk\n"+
		"metricsProvider.className=%s\nmetricsProvider.httpHost=127.0.0.1\nmetricsProvider.httpPort=%s\n",
		adminPort, serverproc.PrometheusProviderClass, metricsPort))
	stop, log := runServerCmd(t, "--config", cfg)
	c := zkSession(t, addr)
	defer c.Close()
	var stat map[string]any
	if body := httpGetOK(t, "http://"+adminAddr+"/zk/stat"); json.Unmarshal(body, &stat) != nil {
		t.Fatalf("stat: %s", body)
	}
	stats, _ := stat["server_stats"].(map[string]any)
	if stat["command"] != "stats" || stat["error"] != nil || stats["server_state"] != "standalone" {
		t.Fatalf("stat: %v\n%s", stat, log)
	}
	metrics := string(httpGetOK(t, "http://"+metricsAddr+"/metrics"))
	if !strings.Contains(metrics, "# TYPE znode_count gauge\nznode_count ") || !strings.Contains(metrics, "\nnum_alive_connections 1\n") {
		t.Fatalf("metrics:\n%s", metrics)
	}
	for _, want := range []string{"AdminServer on http://" + adminAddr + "/zk", "Prometheus metrics on http://" + metricsAddr + "/metrics"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log.String(), "does not implement") {
		t.Errorf("admin/metrics keys reported as ignored:\n%s", log)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + adminAddr + "/zk/ruok"); err == nil {
		t.Fatal("AdminServer still answers after the server stopped")
	}
}

// An AdminServer port in use is logged and the server serves clients
// anyway, as ZooKeeper does.
func TestLiveServerAdminPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	cfg, addr := writeZooCfg(t, "admin.serverAddress=127.0.0.1\nadmin.serverPort="+port+"\n")
	_, log := runServerCmd(t, "--config", cfg)
	c := zkSession(t, addr)
	defer c.Close()
	if _, err := c.Create("/ok", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create with the admin port taken: %v\n%s", err, log)
	}
	want := "problem starting AdminServer on 127.0.0.1:" + port
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(log.String(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", want, log)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := cluster.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// httpGetOK polls url until the endpoint is up, and returns a 200 body.
func httpGetOK(t *testing.T, url string) []byte {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK {
				return body
			}
			t.Fatalf("GET %s: %d %s %v", url, resp.StatusCode, body, rerr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

package cluster

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/server/config"
)

// TestClusterConfigObserversAndSnapCount: every node's zoo.cfg names the
// observers as such, only an observer's own file says peerType=observer
// (ZooKeeper wants both), and the scenario's snapCount reaches every node.
func TestClusterConfigObserversAndSnapCount(t *testing.T) {
	for _, target := range []Target{TargetZabsim, TargetZooKeeper} {
		opts, err := Options{Target: target, Nodes: 3, Observers: 2, SnapCount: 50, Dir: t.TempDir(),
			ZabsimBin: "zabsim"}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		c := &Cluster{opts: opts}
		if err := c.layout(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(c.Voters(), ","); got != "s1,s2,s3" {
			t.Errorf("%s voters %s, want s1,s2,s3", target, got)
		}
		for _, nd := range c.nodes {
			raw, err := os.ReadFile(nd.cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := config.Parse(raw)
			if err != nil {
				t.Fatalf("%s %s zoo.cfg: %v\n%s", target, nd.name, err, raw)
			}
			if cfg.SnapCount != 50 || len(cfg.Servers) != 5 {
				t.Errorf("%s %s: snapCount %d, %d server lines; want 50 and 5", target, nd.name, cfg.SnapCount, len(cfg.Servers))
			}
			for _, s := range cfg.Servers {
				if want := s.ID > 3; (s.Type == config.Observer) != want {
					t.Errorf("%s %s: server.%d type %v, observer=%v wanted", target, nd.name, s.ID, s.Type, want)
				}
			}
			if got, want := strings.Contains(string(raw), "peerType=observer"), nd.name == "s4" || nd.name == "s5"; got != want {
				t.Errorf("%s %s: peerType=observer written %v, want %v", target, nd.name, got, want)
			}
		}
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range [][2]int{{1, 1}, {5, 3}, {3, -1}, {0, 0}} {
		if err := CheckSize(bad[0], bad[1]); err == nil {
			t.Errorf("%d voters + %d observers accepted", bad[0], bad[1])
		}
	}
}

// TestClusterLayoutFreshAndAbsolute: a cluster laid out in a relative
// directory hands its nodes absolute paths only (a node runs in its own
// directory), and a cluster laid out where an earlier one ran starts with
// empty data directories (an earlier run's znodes made its first reads
// look like phantom reads).
func TestClusterLayoutFreshAndAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	old := filepath.Join("run", "cluster", "s1", "data", "version-2")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "log.100000001"), []byte("an earlier run's txns"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []Target{TargetZabsim, TargetZooKeeper} {
		opts, err := Options{Target: target, Nodes: 3, Dir: filepath.Join("run", "cluster"),
			ZabsimBin: filepath.Join("bin", "zabsim")}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		c := &Cluster{opts: opts}
		if err := c.layout(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: the earlier cluster's log survived the layout (%v)", target, err)
		}
		for _, nd := range c.nodes {
			cmd := c.command(nd)
			paths := append([]string{nd.dir, nd.cfgPath, nd.dataDir, nd.logPath, nd.clockPath, cmd.Path}, cmd.Args[1:]...)
			for _, p := range paths {
				if v, ok := strings.CutPrefix(p, "-Dlog4j.configuration=file:"); ok {
					p = v
				}
				if strings.Contains(p, string(filepath.Separator)) && !filepath.IsAbs(strings.TrimPrefix(p, "-Dzookeeper.log.dir=")) {
					t.Errorf("%s %s: relative path %q handed to the node", target, nd.name, p)
				}
			}
			raw, err := os.ReadFile(nd.cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := config.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !filepath.IsAbs(cfg.DataDir) {
				t.Errorf("%s %s: zoo.cfg dataDir %q is relative", target, nd.name, cfg.DataDir)
			}
		}
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}

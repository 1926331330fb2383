package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run page lists the servers' logs in node order: s2 before s10, a
// simulated run's logs/NODE.log and a live run's cluster/NODE/server.log.
func TestServerLogsInNodeOrder(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"logs/s1.log", "logs/s10.log", "logs/s2.log", "cluster/s3/server.log"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := "logs/s1.log logs/s2.log logs/s10.log cluster/s3/server.log"
	if got := strings.Join(serverLogs(dir), " "); got != want {
		t.Errorf("serverLogs = %s, want %s", got, want)
	}
}

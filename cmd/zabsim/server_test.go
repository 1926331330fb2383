package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/livetest"
)

// writeZooCfg is livetest.WriteZooCfg.
func writeZooCfg(t *testing.T, extra string) (string, string) { return livetest.WriteZooCfg(t, extra) }

func TestServerCommandBadConfig(t *testing.T) {
	good, _ := writeZooCfg(t, "")
	bad := func(body string) string {
		p := filepath.Join(t.TempDir(), "zoo.cfg")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ensemble := bad("dataDir=" + t.TempDir() + "\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nserver.1=h1:1:2\nserver.2=h2:1:2\n")
	cases := []serverUsageCase{
		{"no config", []string{}, "--config zoo.cfg is required"},
		{"missing file", []string{"--config", filepath.Join(t.TempDir(), "nope.cfg")}, "no such file"},
		{"bad value", []string{"-config" /* deprecated spelling */, bad("tickTime=soon\ndataDir=/tmp/x\nclientPort=1\n")}, `line 1: tickTime: "soon" is not a whole number`},
		{"unknown bug", []string{"--config", bad("dataDir=/tmp/x\nclientPort=1\nzabsim.bugs=zk-0\n")}, `unknown bug switch "zk-0"`},
		{"ensemble without myid", []string{"--config", ensemble}, "myid"},
		{"unknown flag", []string{"--config", good, "--bogus"}, "unknown flag: --bogus"},
		{"stray argument", []string{"--config", good, "extra"}, "unexpected arguments"},
	}
	wantServerUsageErrors(t, cases)
}

// runServerCmd runs `zabsim server` in-process until the returned stop is
// called; stop returns the command's error.
func runServerCmd(t *testing.T, args ...string) (stop func() error, log *live.LockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := newServerCmd()
	cmd.SetArgs(args)
	log = &live.LockedBuffer{}
	cmd.SetErr(log)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var once sync.Once
	var result error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(10 * time.Second):
				result = errors.New("server command did not stop within 10s")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return stop, log
}

func zkSession(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(quietZKLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				go func() {
					for range events {
					}
				}()
				return c
			}
		case <-deadline:
			t.Fatalf("no session with %s within 10s", addr)
		}
	}
}

type quietZKLogger struct{}

func (quietZKLogger) Printf(string, ...any) {}

// The command serves go-zookeeper clients, keeps its data in dataDir across
// a restart, notes the unused dataLogDir, and stops cleanly when its context
// ends (what SIGINT/SIGTERM do).
func TestLiveServerCommand(t *testing.T) {
	logDir := t.TempDir()
	cfg, addr := writeZooCfg(t, "dataLogDir="+logDir+"\n4lw.commands.whitelist=ruok,srvr\n")
	stop, log := runServerCmd(t, "-config", cfg)
	c := zkSession(t, addr)
	if _, err := c.Create("/kept", []byte("v1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if out, err := cluster.FourLetterWord(addr, "ruok", 5*time.Second); err != nil || out != "imok" {
		t.Fatalf("ruok = %q, %v", out, err)
	}
	c.Close()
	if err := stop(); err != nil {
		t.Fatalf("server command returned %v after its context ended, want nil\n%s", err, log)
	}
	for _, want := range []string{"serving clients on " + addr, "dataLogDir " + logDir + " is accepted but not used", "stopping"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	stop2, log2 := runServerCmd(t, "--config", cfg)
	c2 := zkSession(t, addr)
	data, _, err := c2.Get("/kept")
	if err != nil || string(data) != "v1" {
		t.Fatalf("after restart: get /kept = %q, %v\n%s", data, err, log2)
	}
	c2.Close()
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
}

// TestLiveServerBinary builds the real binary (or takes $ZABSIM_BIN) and runs `zabsim server
// -config zoo.cfg` as ZooKeeper tooling would: clients connect, four-letter
// words answer, SIGTERM stops it with exit code 0.
func TestLiveServerBinary(t *testing.T) {
	bin := os.Getenv("ZABSIM_BIN") // a prebuilt binary (make build's bin/zabsim), else build one
	if bin == "" {
		if testing.Short() {
			t.Skip("builds the zabsim binary; skipped in -short (set ZABSIM_BIN to use a built one)")
		}
		bin = filepath.Join(t.TempDir(), "zabsim")
		build := exec.Command("go", "build", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	if out, err := exec.Command(bin, "server", "-h").CombinedOutput(); err != nil {
		t.Skipf("the binary has no server command yet (newServerCmd is registered in commands.go by the lead): %v\n%s", err, out)
	}
	cfg, addr := writeZooCfg(t, "4lw.commands.whitelist=*\n")
	cmd, _, exited := startServerProcess(t, bin, "--config", cfg)
	waitServerServing(t, addr, exited)

	c := zkSession(t, addr)
	if p, err := c.Create("/bin", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil || p != "/bin" {
		t.Fatalf("create = %q, %v", p, err)
	}
	if out, _ := cluster.FourLetterWord(addr, "mntr", 5*time.Second); !strings.Contains(out, "zk_ephemerals_count\t1") {
		t.Fatalf("mntr = %q, want one ephemeral", out)
	}
	c.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("zabsim server exited with %v after SIGTERM, want exit 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("zabsim server did not exit within 10s of SIGTERM")
	}
}

func waitServerServing(t *testing.T, addr string, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("server exited before serving: %v", err)
		default:
		}
		if out, _ := cluster.FourLetterWord(addr, "srvr", time.Second); strings.Contains(out, "Mode: standalone") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not serve on %s within 20s", addr)
}

// serverUsageCase is a `zabsim server` command line that must be refused as
// a usage error (exit 2) whose message mentions want.
type serverUsageCase struct {
	name string
	args []string
	want string
}

func wantServerUsageErrors(t *testing.T, cases []serverUsageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newServerCmd()
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("err %v is not a usage error, want exit 2", err)
			}
		})
	}
}

// startServerProcess starts `zabsim server args...` from bin in a process
// group of its own, killed (and its output logged, tailed to 4,000 bytes,
// if the test failed) when the test ends; exited reports its exit.
func startServerProcess(t *testing.T, bin string, args ...string) (cmd *exec.Cmd, out *live.LockedBuffer, exited <-chan error) {
	t.Helper()
	out = &live.LockedBuffer{}
	cmd = exec.Command(bin, append([]string{"server"}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // no-op once it exited
		if t.Failed() {
			t.Logf("zabsim server output:\n%s", lastBytes(out.String(), 4000))
		}
	})
	return cmd, out, done
}

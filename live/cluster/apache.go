package cluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zabsim/zabsim/server/config"
)

// Where Debian's zookeeper package (Apache ZooKeeper 3.8) puts things; see
// scripts/deps-live.sh.
const (
	DefaultZooKeeperJar = "/usr/share/java/zookeeper.jar"
	zooKeeperMainClass  = "org.apache.zookeeper.server.ZooKeeperServerMain"
)

// ZooKeeperAvailable reports why a real Apache ZooKeeper cannot be run here
// (nil when it can): java and the Debian jar must be installed.
func ZooKeeperAvailable() error {
	if _, err := exec.LookPath("java"); err != nil {
		return errors.New("java not installed (run scripts/deps-live.sh as root)")
	}
	if _, err := os.Stat(DefaultZooKeeperJar); err != nil {
		return fmt.Errorf("%s missing (run scripts/deps-live.sh as root)", DefaultZooKeeperJar)
	}
	return nil
}

// ApacheOptions configure one standalone Apache ZooKeeper.
type ApacheOptions struct {
	// Dir holds zoo.cfg, the log4j config and the data directory (Dir/data).
	Dir string
	// Addr is the 127.0.0.1:port to serve on; empty picks a free port.
	Addr string
	// Config is the zoo.cfg to run; its dataDir, clientPort and
	// clientPortAddress are overwritten from Dir and Addr. Nil means the
	// defaults of scripts/zk-standalone.sh (tickTime 2000, maxClientCnxns 0,
	// no admin server, every four-letter word).
	Config *config.Config
	// Log receives the server's stdout and stderr; nil discards them.
	Log io.Writer
	// StartTimeout bounds the wait until the server serves (default 60 s).
	StartTimeout time.Duration
	// JavaOpts are extra JVM flags (default a small heap, serial GC).
	JavaOpts []string

	_ struct{}
}

// ApacheZooKeeper is a running standalone Apache ZooKeeper 3.8 (the java
// command of scripts/zk-standalone.sh) in its own process group.
type ApacheZooKeeper struct {
	addr     string
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// StartApacheZooKeeper writes the config, starts the JVM and waits until the
// server answers srvr with its mode (it accepts connections before its
// database is loaded, and drops clients that connect in that window).
func StartApacheZooKeeper(opts ApacheOptions) (*ApacheZooKeeper, error) {
	if err := ZooKeeperAvailable(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir) // the JVM resolves log4j's file: URL itself
	if err != nil {
		return nil, fmt.Errorf("live: zookeeper directory: %w", err)
	}
	opts.Dir = dir
	addr := opts.Addr
	if addr == "" {
		var err error
		if addr, err = FreeAddr(); err != nil {
			return nil, err
		}
	}
	cfgPath, err := writeApacheFiles(opts, addr)
	if err != nil {
		return nil, err
	}
	javaOpts := opts.JavaOpts
	if javaOpts == nil {
		javaOpts = []string{"-Xmx512m", "-XX:+UseSerialGC"}
	}
	args := append(append([]string{}, javaOpts...),
		"-Dzookeeper.log.dir="+opts.Dir, "-Dlog4j.configuration=file:"+filepath.Join(opts.Dir, "log4j.properties"),
		"-cp", apacheClassPath(opts.Dir), zooKeeperMainClass, cfgPath)
	cmd := exec.Command("java", args...)
	cmd.SysProcAttr = childProcAttr()
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("live: start zookeeper: %w", err)
	}
	z := &ApacheZooKeeper{addr: addr, cmd: cmd, exited: make(chan struct{})}
	go func() { z.waitErr = cmd.Wait(); close(z.exited) }()
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	if err := z.waitServing(timeout); err != nil {
		z.Stop()
		return nil, err
	}
	return z, nil
}

func writeApacheFiles(opts ApacheOptions, addr string) (string, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", err
	}
	cfg := config.Default()
	if opts.Config != nil {
		cfg = *opts.Config
	} else {
		cfg.TickTimeMS = 2000
		cfg.MaxClientCnxns = 0
		cfg.AdminEnableServer = false
		cfg.FourLetterWords = []string{"*"}
	}
	cfg.DataDir = filepath.Join(opts.Dir, "data")
	cfg.ClientPort, cfg.ClientPortAddress = port, host
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(opts.Dir, "log4j.properties"), []byte(apacheLog4j), 0o644); err != nil {
		return "", err
	}
	cfgPath := filepath.Join(opts.Dir, "zoo.cfg")
	return cfgPath, os.WriteFile(cfgPath, []byte(cfg.String()), 0o644)
}

// apacheLog4j sends ZooKeeper's log to stdout, which the supervisor
// captures.
const apacheLog4j = "log4j.rootLogger=INFO, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n" +
	"log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n" +
	"log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n\n"

// apacheClassPath is the jar (whose manifest pulls in its dependencies) plus
// a log4j binding when the distribution has one, as zk-standalone.sh builds it.
func apacheClassPath(dir string) string {
	cp := []string{dir, DefaultZooKeeperJar}
	for _, extra := range []string{"/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"} {
		if _, err := os.Stat(extra); err == nil {
			cp = append(cp, extra)
		}
	}
	return strings.Join(cp, ":")
}

func (z *ApacheZooKeeper) waitServing(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-z.exited:
			return fmt.Errorf("live: zookeeper exited before serving: %v", z.waitErr)
		default:
		}
		if out, _ := FourLetterWord(z.addr, "srvr", time.Second); strings.Contains(out, "Mode: ") {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("live: zookeeper did not serve on %s within %v", z.addr, timeout)
}

// Addr is the client address.
func (z *ApacheZooKeeper) Addr() string { return z.addr }

// Pid is the JVM's process id (also its process group id).
func (z *ApacheZooKeeper) Pid() int { return z.cmd.Process.Pid }

// Stop sends SIGTERM to the process group, escalates to SIGKILL after 10 s,
// and waits for the JVM to exit. It is safe to call more than once.
func (z *ApacheZooKeeper) Stop() {
	z.stopOnce.Do(func() {
		pgid := z.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-z.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-z.exited
		}
	})
}

// FourLetterWord sends a four-letter word to addr and returns the whole
// answer (the server closes the connection after it).
func FourLetterWord(addr, cmd string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// FreeAddr returns a 127.0.0.1 address nobody listens on right now, below
// the ephemeral range, so no outgoing connection takes it before a server
// binds it (see reservePort).
func FreeAddr() (string, error) {
	l, err := reservePort()
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

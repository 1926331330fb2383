package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/serverproc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// serverFlags are `zabsim server`'s flags.
type serverFlags struct {
	configPath string
	name       string
	// sys are JVM system properties: -Dkey=value words of $SERVER_JVMFLAGS,
	// $JVMFLAGS and the command line, in that order (the last wins).
	sys []config.Property
}

// jvmFlagsEnv are the environment variables zkServer.sh passes to the JVM
// ("$SERVER_JVMFLAGS $JVMFLAGS").
var jvmFlagsEnv = []string{"SERVER_JVMFLAGS", "JVMFLAGS"}

// systemProperties splits -Dkey[=value] words (JVM system properties, as
// a ZooKeeper start line carries them) from the other arguments.
func systemProperties(args []string) (props []config.Property, rest []string) {
	for _, a := range args {
		if kv, ok := strings.CutPrefix(a, "-D"); ok && kv != "" && kv[0] != '=' {
			k, v, _ := strings.Cut(kv, "=")
			props = append(props, config.Property{Key: k, Value: v})
			continue
		}
		rest = append(rest, a)
	}
	return props, rest
}

// envSystemProperties are the -D words of $SERVER_JVMFLAGS and $JVMFLAGS
// (split at white space, as the shell splits them in zkServer.sh); their
// other JVM flags are ignored.
func envSystemProperties(getenv func(string) string) []config.Property {
	var props []config.Property
	for _, name := range jvmFlagsEnv {
		p, _ := systemProperties(strings.Fields(getenv(name)))
		props = append(props, p...)
	}
	return props
}

func newServerCmd() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server [--config] zoo.cfg",
		Short: "Run a zabsim server from a zoo.cfg (a drop-in for ZooKeeper's server command)",
		Long: `server reads a ZooKeeper zoo.cfg (and dataDir/myid, optional for a standalone
server), runs the zabsim server on real TCP with its data in dataDir, logs to
stderr, and stops cleanly on SIGINT or SIGTERM (exit 0). A bad config exits 2.

As ZooKeeper does, it serves the AdminServer's JSON commands on
admin.serverAddress:admin.serverPort (default 0.0.0.0:8080; /commands/stat,
/commands/mntr, ...; admin.enableServer=false turns it off; a port in use is
logged and the server runs without it), and Prometheus metrics on
metricsProvider.httpHost:httpPort/metrics (default 0.0.0.0:7000) when
metricsProvider.className is ZooKeeper's PrometheusMetricsProvider.

dataLogDir is accepted but not used: zabsim keeps its transaction log and its
snapshots together in dataDir. electionPort in server.N lines is accepted and
ignored: zabsim carries election traffic on the quorum port.

JVM system properties are taken as a ZooKeeper server takes them: -Dkey=value
arguments, and -D words of $SERVER_JVMFLAGS and $JVMFLAGS (as zkServer.sh passes
them). -Djava.security.auth.login.config=FILE names the JAAS login file whose
Server section (zookeeper.sasl.serverconfig) lists the DIGEST-MD5 users
(user_<name>="<password>" options of org.apache.zookeeper.server.auth.DigestLoginModule);
zoo.cfg may name it as zabsim.jaasLoginConfig=FILE instead. -Dzookeeper.<key>
sets the ZooKeeper settings read from system properties (authProvider.N,
sessionRequireClientSASLAuth, enforce.auth.enabled, enforce.auth.schemes,
superUser, allowSaslFailedClients, DigestAuthenticationProvider.superDigest,
4lw.commands.whitelist, ...); a zoo.cfg line overrides the property, as in
ZooKeeper. Other JVM flags are ignored.

Example (kazoo's test harness, with zabsim in java's place):
  zabsim server -Djava.security.auth.login.config=DIR/jaas.conf DIR/zoo.cfg

The single-dash spellings of earlier versions (-config zoo.cfg) still work
but are deprecated.`,
		Example: `  zabsim server --config zoo.cfg
  zabsim server zoo.cfg
  zabsim server -Djava.security.auth.login.config=jaas.conf zoo.cfg`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && f.configPath == "" { // `zabsim server zoo.cfg`, as zkServer.sh takes it
				f.configPath = args[0]
			} else if len(args) > 0 {
				return usagef("unexpected arguments: %s", strings.Join(args, " "))
			}
			return runServer(cmd.Context(), f, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.configPath, "config", "", "path to zoo.cfg (required; or give it as the argument)")
	cmd.Flags().StringVar(&f.name, "name", "", "node name in log lines (default zabsim or s<myid>)")
	cmd = acceptSingleDash(cmd)
	// JVM system properties (-Dkey=value) are taken out before the flags
	// are parsed, as a JVM takes them before ZooKeeper sees its arguments.
	parse := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		props, rest := systemProperties(args)
		f.sys = append(envSystemProperties(os.Getenv), props...)
		return parse(c, rest)
	}
	return cmd
}

// loadedServer is a zoo.cfg turned into what runServer starts.
type loadedServer struct {
	cfg     server.Config
	dataDir string
	admin   serverproc.AdminOptions // AdminServer and Prometheus endpoints
	notes   []string                // warnings for the log
}

// loadServerConfig reads zoo.cfg (with the JVM system properties sys),
// myid and the JAAS login file; every problem is a usage error.
func loadServerConfig(path string, sys []config.Property) (loadedServer, error) {
	if path == "" {
		return loadedServer{}, usagef("server: --config zoo.cfg is required")
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return loadedServer{}, usageError{err}
	}
	zc, warns, ignored, err := config.ParseWithSystemProperties(text, sys)
	if err != nil {
		return loadedServer{}, usageError{fmt.Errorf("%s: %w", path, err)}
	}
	if zc.DynamicConfigFile != "" {
		// dynamicConfigFile: the server lines live there (a relative
		// path is taken from zoo.cfg's directory).
		dynPath := zc.DynamicConfigFile
		if !filepath.IsAbs(dynPath) {
			dynPath = filepath.Join(filepath.Dir(path), dynPath)
		}
		dyn, err := os.ReadFile(dynPath)
		if err != nil {
			return loadedServer{}, usageError{fmt.Errorf("%s: dynamicConfigFile: %w", path, err)}
		}
		if err := zc.UseDynamic(dyn); err != nil {
			return loadedServer{}, usageError{fmt.Errorf("%s: %w", path, err)}
		}
	}
	var ld loadedServer
	for _, w := range warns {
		ld.notes = append(ld.notes, w.String())
	}
	if len(ignored) > 0 {
		ld.notes = append(ld.notes, "JVM system properties zabsim does not read (ignored): "+strings.Join(ignored, ", "))
	}
	myid, err := readMyID(zc)
	if err != nil {
		return loadedServer{}, usageError{err}
	}
	if ld.cfg, err = server.FromZooCfg(zc, myid); err != nil {
		return loadedServer{}, usageError{fmt.Errorf("%s: %w", path, err)}
	}
	if zc.JAASLoginConfig != "" {
		if ld.cfg.SASL, err = loadJAAS(zc); err != nil {
			return loadedServer{}, usageError{err}
		}
		if ld.cfg.SASL == nil {
			ld.notes = append(ld.notes, fmt.Sprintf("no JAAS configuration section named '%s' in %s: SASL logins are off", saslSection(zc), zc.JAASLoginConfig))
		} else {
			ld.notes = append(ld.notes, fmt.Sprintf("SASL DIGEST-MD5 with %d user(s) from section %s of %s", len(ld.cfg.SASL.Users), saslSection(zc), zc.JAASLoginConfig))
		}
	}
	ld.dataDir = zc.DataDir
	if ld.admin, err = serverproc.AdminOptionsFromZooCfg(zc); err != nil {
		return loadedServer{}, usageError{fmt.Errorf("%s: %w", path, err)}
	}
	if zc.DataLogDir != "" && filepath.Clean(zc.DataLogDir) != filepath.Clean(zc.DataDir) {
		ld.notes = append(ld.notes, fmt.Sprintf("dataLogDir %s is accepted but not used: the log and snapshots go to dataDir %s", zc.DataLogDir, zc.DataDir))
	}
	return ld, nil
}

// loadJAAS reads the JAAS login file. A file that cannot be read or
// parsed stops the server, as it stops ZooKeeper's ("No JAAS configuration
// section named 'Server' was found in ...").
func loadJAAS(zc config.Config) (*server.SASLConfig, error) {
	text, err := os.ReadFile(zc.JAASLoginConfig)
	if err != nil {
		return nil, fmt.Errorf("JAAS login file (%s): %w", config.JAASConfigProperty, err)
	}
	sc, err := server.SASLFromJAAS(zc, text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zc.JAASLoginConfig, err)
	}
	return sc, nil
}

func saslSection(zc config.Config) string {
	if zc.SASLServerSection != "" {
		return zc.SASLServerSection
	}
	return "Server"
}

// readMyID reads dataDir/myid; it may be missing for a standalone config.
func readMyID(zc config.Config) (int64, error) {
	b, err := os.ReadFile(filepath.Join(zc.DataDir, "myid"))
	if errors.Is(err, fs.ErrNotExist) && zc.Standalone() {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("myid: %w", err)
	}
	return config.ParseMyID(b)
}

func runServer(ctx context.Context, f serverFlags, log io.Writer) error {
	ld, err := loadServerConfig(f.configPath, f.sys)
	if err != nil {
		return err
	}
	for _, n := range ld.notes {
		fmt.Fprintln(log, "zabsim server:", n)
	}
	name := f.name
	if name == "" {
		name = "zabsim"
		if ld.cfg.ID != 0 {
			name = fmt.Sprintf("s%d", ld.cfg.ID)
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed := make(chan string, 1)
	observe := func(note any) { // runs on the node's loop: never block it
		if f, ok := note.(server.Failed); ok {
			select {
			case failed <- f.Err:
			default:
			}
		}
	}
	h, addr, err := serverproc.StartServerHandle(ld.cfg, live.Options{Name: name, DataDir: ld.dataDir, Log: log, Observe: observe})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "zabsim server: %s serving clients on %s (dataDir %s, tickTime %d ms)\n", name, addr, ld.dataDir, ld.cfg.TickTimeMS)
	stopAdmin, err := startAdminEndpoints(h, ld.admin, log)
	if err != nil {
		_ = h.Node().Stop()
		return err
	}
	defer stopAdmin()
	return waitServer(ctx, h.Node(), failed, log)
}

// startAdminEndpoints starts the AdminServer and the Prometheus endpoint.
// As in ZooKeeper, an AdminServer that cannot bind is logged and the
// server keeps serving clients; a metrics endpoint that cannot bind stops
// the start (ZooKeeper fails to start its metrics provider the same way).
func startAdminEndpoints(h *serverproc.ServerHandle, opts serverproc.AdminOptions, log io.Writer) (stop func(), err error) {
	var started []*serverproc.AdminServer
	stop = func() {
		for _, a := range started {
			_ = a.Close()
		}
	}
	if opts.AdminAddr != "" {
		a, err := serverproc.StartAdmin(h, serverproc.AdminOptions{AdminAddr: opts.AdminAddr, CommandURL: opts.CommandURL})
		if err != nil {
			fmt.Fprintf(log, "zabsim server: problem starting AdminServer on %s: %v; serving clients without it\n", opts.AdminAddr, err)
		} else {
			started = append(started, a)
			fmt.Fprintf(log, "zabsim server: AdminServer on http://%s%s\n", a.AdminAddr, opts.CommandURL)
		}
	}
	if opts.MetricsAddr != "" {
		m, err := serverproc.StartAdmin(h, serverproc.AdminOptions{MetricsAddr: opts.MetricsAddr})
		if err != nil {
			stop()
			return nil, err
		}
		started = append(started, m)
		fmt.Fprintf(log, "zabsim server: Prometheus metrics on http://%s/metrics\n", m.MetricsAddr)
	}
	return stop, nil
}

// waitServer blocks until ctx ends (a signal), the server reports that it
// stopped serving, or its loop dies.
func waitServer(ctx context.Context, node *live.Node, failed <-chan string, log io.Writer) error {
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(log, "zabsim server: stopping")
			return node.Stop()
		case reason := <-failed:
			_ = node.Stop()
			return fmt.Errorf("server stopped serving: %s", reason)
		case <-poll.C:
			if !node.Running() {
				err := node.Stop()
				if err == nil {
					err = errors.New("server stopped unexpectedly")
				}
				return err
			}
		}
	}
}

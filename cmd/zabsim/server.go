package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live/serverproc"
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
		props, rest := serverproc.SystemProperties(args)
		f.sys = append(serverproc.EnvSystemProperties(os.Getenv), props...)
		return parse(c, rest)
	}
	return cmd
}

// runServer wires `zabsim server`'s flags to serverproc: a problem with
// zoo.cfg, myid, the JAAS file or the system properties is a usage error
// (exit 2); SIGINT and SIGTERM stop the server cleanly.
func runServer(ctx context.Context, f serverFlags, log io.Writer) error {
	if f.configPath == "" {
		return usagef("server: --config zoo.cfg is required")
	}
	ld, err := serverproc.Load(f.configPath, f.sys)
	if err != nil {
		return usageError{err}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serverproc.Run(ctx, ld, f.name, log)
}

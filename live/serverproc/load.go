package serverproc

// What `zabsim server` reads before it starts: zoo.cfg (with its dynamic
// config file), the JVM system properties a ZooKeeper start line carries,
// dataDir/myid and the JAAS login file. Every problem is a ConfigError:
// the operator's input, not the server, is wrong.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// ConfigError is a problem with the server's configuration files or
// system properties (the command exits 2 for it, as for bad usage).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// JVMFlagsEnv are the environment variables zkServer.sh passes to the JVM
// ("$SERVER_JVMFLAGS $JVMFLAGS").
var JVMFlagsEnv = []string{"SERVER_JVMFLAGS", "JVMFLAGS"}

// SystemProperties splits -Dkey[=value] words (JVM system properties, as
// a ZooKeeper start line carries them) from the other arguments.
func SystemProperties(args []string) (props []config.Property, rest []string) {
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

// EnvSystemProperties are the -D words of $SERVER_JVMFLAGS and $JVMFLAGS
// (split at white space, as the shell splits them in zkServer.sh); their
// other JVM flags are ignored.
func EnvSystemProperties(getenv func(string) string) []config.Property {
	var props []config.Property
	for _, name := range JVMFlagsEnv {
		p, _ := SystemProperties(strings.Fields(getenv(name)))
		props = append(props, p...)
	}
	return props
}

// Loaded is a zoo.cfg turned into what Run starts.
type Loaded struct {
	Config  server.Config
	DataDir string
	Admin   AdminOptions // AdminServer and Prometheus endpoints
	Notes   []string     // warnings for the log
}

// Load reads zoo.cfg at path (with the JVM system properties sys), myid
// and the JAAS login file; every problem is a *ConfigError.
func Load(path string, sys []config.Property) (Loaded, error) {
	ld, err := load(path, sys)
	if err != nil {
		return Loaded{}, &ConfigError{err}
	}
	return ld, nil
}

func load(path string, sys []config.Property) (Loaded, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return Loaded{}, err
	}
	zc, warns, ignored, err := config.ParseWithSystemProperties(text, sys)
	if err != nil {
		return Loaded{}, fmt.Errorf("%s: %w", path, err)
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
			return Loaded{}, fmt.Errorf("%s: dynamicConfigFile: %w", path, err)
		}
		if err := zc.UseDynamic(dyn); err != nil {
			return Loaded{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	var ld Loaded
	for _, w := range warns {
		ld.Notes = append(ld.Notes, w.String())
	}
	if len(ignored) > 0 {
		ld.Notes = append(ld.Notes, "JVM system properties zabsim does not read (ignored): "+strings.Join(ignored, ", "))
	}
	myid, err := readMyID(zc)
	if err != nil {
		return Loaded{}, err
	}
	if ld.Config, err = server.FromZooCfg(zc, myid); err != nil {
		return Loaded{}, fmt.Errorf("%s: %w", path, err)
	}
	if zc.JAASLoginConfig != "" {
		if ld.Config.SASL, err = loadJAAS(zc); err != nil {
			return Loaded{}, err
		}
		if ld.Config.SASL == nil {
			ld.Notes = append(ld.Notes, fmt.Sprintf("no JAAS configuration section named '%s' in %s: SASL logins are off", saslSection(zc), zc.JAASLoginConfig))
		} else {
			ld.Notes = append(ld.Notes, fmt.Sprintf("SASL DIGEST-MD5 with %d user(s) from section %s of %s", len(ld.Config.SASL.Users), saslSection(zc), zc.JAASLoginConfig))
		}
	}
	ld.DataDir = zc.DataDir
	if ld.Admin, err = AdminOptionsFromZooCfg(zc); err != nil {
		return Loaded{}, fmt.Errorf("%s: %w", path, err)
	}
	if zc.DataLogDir != "" && filepath.Clean(zc.DataLogDir) != filepath.Clean(zc.DataDir) {
		ld.Notes = append(ld.Notes, fmt.Sprintf("dataLogDir %s is accepted but not used: the log and snapshots go to dataDir %s", zc.DataLogDir, zc.DataDir))
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

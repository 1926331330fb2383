package rundir

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at link time (go build -ldflags "-X
// github.com/zabsim/zabsim/rundir.version=v1.2.3"); empty means the
// version the Go toolchain stamped into the build.
var version = ""

// Version is this zabsim's version: the link-time version, else the
// module version Go stamps from the VCS (a pseudo-version such as
// v0.0.0-20261207184906-5c99e54b1f2a+dirty), else the VCS revision, else
// "devel".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "+dirty"
	}
	return "devel-" + rev
}

// VersionLine is what `zabsim --version` prints after the name: the
// version, the Go toolchain and the platform.
func VersionLine() string {
	return Version() + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// CommandLine renders a command's arguments as one line a shell runs
// again: arguments with spaces or shell metacharacters are single-quoted.
func CommandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

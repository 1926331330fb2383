package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/zabsim/zabsim/scenario"
)

// Every command takes GNU-style flags (pflag): --name value or --name=value.
//
// bench and server took Go-style single-dash flags before December 2026
// (-config zoo.cfg, -sim); acceptSingleDash keeps those spellings working
// for them, deprecated: each is rewritten to its double-dash form and a
// note on stderr says so. No other command accepts them.

// acceptSingleDash makes cmd also accept -name for each of its long flags
// --name (deprecated). cmd.RunE receives the remaining arguments.
func acceptSingleDash(cmd *cobra.Command) *cobra.Command {
	run := cmd.RunE
	cmd.DisableFlagParsing = true
	cmd.RunE = func(c *cobra.Command, args []string) error {
		fs := c.Flags()
		args, old := rewriteSingleDash(fs, args)
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, pflag.ErrHelp) {
				return c.Help()
			}
			return flagError(c, err)
		}
		if help, _ := fs.GetBool("help"); help {
			return c.Help()
		}
		for _, o := range old {
			fmt.Fprintf(c.ErrOrStderr(), "zabsim: %s: the single-dash spelling is deprecated; write -%s\n", o, o)
		}
		return run(c, fs.Args())
	}
	return cmd
}

// rewriteSingleDash turns -name and -name=value into --name... when name
// is a long flag of fs (so -h and values such as -5 stay as they are),
// up to a "--" terminator; it returns the spellings it rewrote.
func rewriteSingleDash(fs *pflag.FlagSet, args []string) ([]string, []string) {
	out := make([]string, 0, len(args))
	var old []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...), old
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && fs.Lookup(name) != nil {
				out = append(out, "-"+a)
				old = append(old, "-"+name)
				continue
			}
		}
		out = append(out, a)
	}
	return out, old
}

// singleDashError matches pflag's complaint about -name.
var singleDashError = regexp.MustCompile(`^unknown shorthand flag: '.' in -([^=\s]+)`)

// badValueError matches pflag's complaint about a flag's value.
var badValueError = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?--([^"]+)" flag`)

// flagError is every command's flag-error function: a usage error (exit
// 2); for -name where --name exists, the spelling to use; for a bad value,
// what the flag wants (not Go's parse error).
func flagError(c *cobra.Command, err error) error {
	if m := singleDashError.FindStringSubmatch(err.Error()); m != nil && c.Flags().Lookup(m[1]) != nil {
		return usagef("-%s: flags take two dashes: --%s", m[1], m[1])
	}
	if m := badValueError.FindStringSubmatch(err.Error()); m != nil {
		if f := c.Flags().Lookup(m[2]); f != nil {
			return usagef("--%s %q: want %s", m[2], m[1], valueKind(f.Value.Type()))
		}
	}
	return usageError{err}
}

// valueKind says in words what a flag of a pflag value type takes.
func valueKind(typ string) string {
	switch typ {
	case "int", "int64", "int32":
		return "a whole number"
	case "uint64", "uint":
		return "a whole number, 0 or more"
	case "duration":
		return "a duration with its unit, like 30s or 500ms"
	case "bool":
		return "true or false"
	case "float64":
		return "a number"
	}
	return "a " + typ
}

// alias adds a deprecated second name for a flag: it sets the same value
// and is hidden from the help, with a note when used.
func alias(fs *pflag.FlagSet, old, name string) {
	f := fs.Lookup(name)
	fs.AddFlag(&pflag.Flag{Name: old, Usage: f.Usage, Value: f.Value, DefValue: f.DefValue, NoOptDefVal: f.NoOptDefVal})
	_ = fs.MarkDeprecated(old, "use --"+name)
}

// checkBugs refuses unknown --bug names before any work, listing every
// bug switch (as zabsim list does).
func checkBugs(bugs []string) error {
	if err := scenario.CheckBugs(bugs); err != nil {
		return usagef("--bug: %v", err)
	}
	return nil
}

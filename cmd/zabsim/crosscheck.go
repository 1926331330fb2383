package main

import (
	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live/crosscheck"
)

func newCrosscheckCmd() *cobra.Command {
	var opts crosscheck.Options
	var quiet, progress bool
	cmd := &cobra.Command{
		Use:   "crosscheck",
		Short: "Send one seeded op sequence to zabsim and to Apache ZooKeeper 3.8 and diff every reply",
		Long: `crosscheck starts a standalone zabsim server in this process and a standalone
Apache ZooKeeper 3.8 (Debian's zookeeper package; make deps-live), sends both the
same seeded mixed sequence of operations one at a time — creates of every
kind, setData and delete with versions, reads with watches, children, ACLs,
multi, sync, auth, ephemerals from two sessions — through go-zookeeper where
it can express the op and a raw jute client where it cannot, and diffs the
replies: error codes, data, children, ACLs and every Stat field (zxids
relative to the run's first write, times by their relation), one-shot watch
outcomes, persistent and recursive watch events, and the final tree. Differences that docs/deviations.md explains are listed
as such.

Exit codes: 0 no unexplained difference, 1 differences, 2 bad usage or a run
that could not complete (for example Apache ZooKeeper not installed).`,
		Example: "  zabsim crosscheck --ops 10000 --seed 7",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCrossCheck(cmd, opts, !quiet)
		},
	}
	cmd.Flags().IntVar(&opts.Ops, "ops", 10000, "length of the op sequence")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 1, "seed the op sequence is drawn from")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress lines on stderr (by default one every 1,000 ops)")
	cmd.Flags().BoolVar(&progress, "progress", false, "progress lines on stderr (now the default)")
	_ = cmd.Flags().MarkDeprecated("progress", "progress lines are the default; --quiet turns them off")
	return cmd
}

// runCrossCheck runs the cross-check for `zabsim crosscheck` and
// `zabsim live --crosscheck`.
func runCrossCheck(cmd *cobra.Command, opts crosscheck.Options, progress bool) error {
	if opts.Ops <= 0 {
		return usagef("--ops must be positive, got %d", opts.Ops)
	}
	if progress {
		opts.Progress = cmd.ErrOrStderr()
	}
	ok, err := crosscheck.Run(cmd.Context(), opts, cmd.OutOrStdout())
	if err != nil {
		return err
	}
	if !ok {
		return violationError{"zabsim and Apache ZooKeeper differ (see the report above)"}
	}
	return nil
}

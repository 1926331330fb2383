package main

import "github.com/spf13/cobra"

// addCommands registers the subcommands.
func addCommands(root *cobra.Command) {
	root.AddCommand(
		newListCmd(),
		newRunCmd(),
		newSuiteCmd(),
		newReproCmd(),
		newShrinkCmd(),
		newReportCmd(),
		newMergeCmd(),
		newServerCmd(),
		newBenchCmd(),
		newHuntCmd(),
		newLiveCmd(),
		newCrosscheckCmd(),
		newServeCmd(),
	)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/serve"
)

// defaultServeAddr is loopback only: the store is the user's, not the
// network's.
const defaultServeAddr = "127.0.0.1:8080"

func newServeCmd() *cobra.Command {
	var store, addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Browse the results store in a web browser (runs, suites, filters, run pages, two runs side by side)",
		Long: `serve is a local web UI over the results store, as Jepsen's lein run serve:
it lists the store's runs and suites, filtered by scenario, verdict, bug switch,
kind and date, shows each run's summary, checkers, files (history, nemesis
schedule, logs) and plots with a link to its report page, and puts two runs side
by side. It only reads the store: nothing is run. Port 0 picks a free port; the
address served is printed. Ctrl-C stops it.`,
		Example: `  zabsim serve
  zabsim serve --store /data/zabsim-store --addr 127.0.0.1:8081`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return usagef("--addr must be HOST:PORT (such as 127.0.0.1:8080), not %q", addr)
			}
			srv, err := serve.New(store)
			if err != nil {
				return usagef("--store: %v (runs without --out create it; give the directory they wrote to)", err)
			}
			defer srv.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usagef("--addr %s: %v", addr, err)
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "serving results store %s at http://%s/ (Ctrl-C stops)\n", store, ln.Addr())
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			done := make(chan error, 1)
			go func() { done <- hs.Serve(ln) }()
			select {
			case err := <-done:
				return err
			case <-sigs:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&store, "store", rundir.DefaultStore, "results store to serve")
	cmd.Flags().StringVar(&addr, "addr", defaultServeAddr, "address to listen on, HOST:PORT (port 0: any free port)")
	return cmd
}

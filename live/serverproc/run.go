package serverproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/server"
)

// Run is `zabsim server`'s life: it starts the loaded server in a Node
// named name (default "zabsim", or s<myid> in an ensemble) with its data
// in ld.DataDir, logging to log, starts its AdminServer and metrics
// endpoint, and serves until ctx ends (nil error: a clean stop), the server
// reports that it stopped serving (an fsync error, as ZooKeeper exits), or
// its loop dies.
func Run(ctx context.Context, ld Loaded, name string, log io.Writer) error {
	for _, n := range ld.Notes {
		fmt.Fprintln(log, "zabsim server:", n)
	}
	if name == "" {
		name = "zabsim"
		if ld.Config.ID != 0 {
			name = fmt.Sprintf("s%d", ld.Config.ID)
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	failed := make(chan string, 1)
	observe := func(note any) { // runs on the node's loop: never block it
		if f, ok := note.(server.Failed); ok {
			select {
			case failed <- f.Err:
			default:
			}
		}
	}
	h, addr, err := StartServerHandle(ld.Config, live.Options{Name: name, DataDir: ld.DataDir, Log: log, Observe: observe})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "zabsim server: %s serving clients on %s (dataDir %s, tickTime %d ms)\n", name, addr, ld.DataDir, ld.Config.TickTimeMS)
	stopAdmin, err := startAdminEndpoints(h, ld.Admin, log)
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
func startAdminEndpoints(h *ServerHandle, opts AdminOptions, log io.Writer) (stop func(), err error) {
	var started []*AdminServer
	stop = func() {
		for _, a := range started {
			_ = a.Close()
		}
	}
	if opts.AdminAddr != "" {
		a, err := StartAdmin(h, AdminOptions{AdminAddr: opts.AdminAddr, CommandURL: opts.CommandURL})
		if err != nil {
			fmt.Fprintf(log, "zabsim server: problem starting AdminServer on %s: %v; serving clients without it\n", opts.AdminAddr, err)
		} else {
			started = append(started, a)
			fmt.Fprintf(log, "zabsim server: AdminServer on http://%s%s\n", a.AdminAddr, opts.CommandURL)
		}
	}
	if opts.MetricsAddr != "" {
		m, err := StartAdmin(h, AdminOptions{MetricsAddr: opts.MetricsAddr})
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

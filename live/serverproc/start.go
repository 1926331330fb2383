package serverproc

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
)

// StartServer runs a zabsim server with cfg in a new Node (opts.Name
// defaults to "zabsim"; opts.DataDir is its disk) and returns the node and
// the client address as bound (cfg.ClientAddr may name port 0). A server
// that fails to start (unreadable disk, address in use) is stopped and its
// reason returned. opts.Observe, if set, still sees every note.
func StartServer(cfg server.Config, opts live.Options) (*live.Node, string, error) {
	f, err := server.Factory(cfg)
	if err != nil {
		return nil, "", err
	}
	return startServer(cfg, opts, f)
}

// startServer is StartServer with the factory given (StartServerHandle's
// remembers the instance it built).
func startServer(cfg server.Config, opts live.Options, f proc.Factory) (*live.Node, string, error) {
	if opts.Name == "" {
		opts.Name = "zabsim"
	}
	var failure error
	observe := opts.Observe
	opts.Observe = func(note any) {
		if f, ok := note.(server.Failed); ok && failure == nil {
			failure = errors.New(f.Err)
		}
		if observe != nil {
			observe(note)
		}
	}
	n := live.NewNode(opts)
	if err := n.Start(f); err != nil {
		return nil, "", err
	}
	// Start returned after the server's Start ran on the loop, so a
	// failure to recover or listen is already recorded; read it on the loop.
	var startErr error
	if err := n.Do(func() { startErr = failure }); err != nil {
		startErr = err
	}
	addrs := n.ListenAddrs()
	if startErr == nil && len(addrs) == 0 {
		startErr = errors.New("server did not listen")
	}
	if startErr != nil {
		_ = n.Stop()
		return nil, "", fmt.Errorf("live: zabsim server %s: %w", cfg.ClientAddr, startErr)
	}
	return n, addrs[0], nil
}

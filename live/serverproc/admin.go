package serverproc

// The AdminServer of `zabsim server`: ZooKeeper 3.5+'s HTTP command
// endpoint (JettyAdminServer) and ZooKeeper 3.6+'s Prometheus endpoint
// (PrometheusMetricsProvider), so operators watch a zabsim server with the
// tools they point at ZooKeeper. The answers are computed by the server
// (server.AdminCommand, server.Metrics) on its event loop through Node.Do;
// this file only serves them.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// ZooKeeper's defaults for the AdminServer and the Prometheus provider.
const (
	DefaultAdminAddress    = "0.0.0.0"
	DefaultAdminCommandURL = "/commands"
	DefaultMetricsPort     = 7000
	// PrometheusProviderClass is the metricsProvider.className that turns
	// the Prometheus endpoint on.
	PrometheusProviderClass = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
)

// AdminOptions configure the HTTP endpoints of one zabsim server.
type AdminOptions struct {
	// AdminAddr is the AdminServer's host:port (admin.serverAddress and
	// admin.serverPort); "" disables it (admin.enableServer=false).
	AdminAddr string
	// CommandURL is admin.commandURL (default /commands).
	CommandURL string
	// MetricsAddr is the Prometheus endpoint's host:port
	// (metricsProvider.httpHost and metricsProvider.httpPort); "" disables
	// it, as ZooKeeper's default metrics provider has no endpoint.
	MetricsAddr string

	_ struct{}
}

// AdminOptionsFromZooCfg reads the AdminServer and metrics settings of a
// zoo.cfg the way ZooKeeper does: admin.enableServer (default true),
// admin.serverAddress (default 0.0.0.0), admin.serverPort (default 8080),
// admin.commandURL (default /commands); the Prometheus endpoint only when
// metricsProvider.className names ZooKeeper's Prometheus provider, on
// metricsProvider.httpHost (default 0.0.0.0) and metricsProvider.httpPort
// (default 7000).
func AdminOptionsFromZooCfg(zc config.Config) (AdminOptions, error) {
	extra := map[string]string{}
	for _, p := range zc.Extra {
		extra[p.Key] = p.Value // the last value wins, as in ZooKeeper
	}
	var opts AdminOptions
	if zc.AdminEnableServer {
		host := valueOr(extra, "admin.serverAddress", DefaultAdminAddress)
		opts.AdminAddr = net.JoinHostPort(host, strconv.Itoa(zc.AdminServerPort))
		opts.CommandURL = valueOr(extra, "admin.commandURL", DefaultAdminCommandURL)
		if !strings.HasPrefix(opts.CommandURL, "/") {
			return AdminOptions{}, fmt.Errorf("admin.commandURL %q must start with /", opts.CommandURL)
		}
	}
	switch class := extra["metricsProvider.className"]; class {
	case "", "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider":
	case PrometheusProviderClass:
		port, err := strconv.Atoi(valueOr(extra, "metricsProvider.httpPort", strconv.Itoa(DefaultMetricsPort)))
		if err != nil || port < 1 || port > 65535 {
			return AdminOptions{}, fmt.Errorf("metricsProvider.httpPort %q is not a port", extra["metricsProvider.httpPort"])
		}
		opts.MetricsAddr = net.JoinHostPort(valueOr(extra, "metricsProvider.httpHost", DefaultAdminAddress), strconv.Itoa(port))
	default:
		return AdminOptions{}, fmt.Errorf("metricsProvider.className %q: zabsim implements only %s", class, PrometheusProviderClass)
	}
	return opts, nil
}

func valueOr(m map[string]string, key, def string) string {
	if v, ok := m[key]; ok && v != "" {
		return v
	}
	return def
}

// ServerHandle is a zabsim server running in a Node, with a way to reach
// the server instance from other goroutines.
type ServerHandle struct {
	node *live.Node
	addr string         // the client address as bound
	cur  *server.Server // loop-owned: set by the factory, read through Do
}

// StartServerHandle is StartServer returning a handle that follows the
// server instance across restarts of the node.
func StartServerHandle(cfg server.Config, opts live.Options) (*ServerHandle, string, error) {
	if _, err := server.New(cfg); err != nil {
		return nil, "", err
	}
	h := &ServerHandle{}
	// The factory runs on the node's loop goroutine, the only one that
	// touches h.cur afterwards (Do runs there too).
	f := func() proc.Process {
		s, _ := server.New(cfg)
		h.cur = s
		return s
	}
	node, addr, err := startServer(cfg, opts, f)
	if err != nil {
		return nil, "", err
	}
	h.node, h.addr = node, addr
	return h, addr, nil
}

// Node returns the node hosting the server.
func (h *ServerHandle) Node() *live.Node { return h.node }

// Do runs f with the current server instance on the node's loop. f must
// not block and must not keep the pointer.
func (h *ServerHandle) Do(f func(s *server.Server)) error {
	return h.node.Do(func() { f(h.cur) })
}

// AdminServer serves the AdminServer commands and the Prometheus metrics of
// one zabsim server.
type AdminServer struct {
	h       *ServerHandle
	url     string
	servers []*http.Server
	// AdminAddr and MetricsAddr are the bound addresses ("" when off).
	AdminAddr, MetricsAddr string
}

// StartAdmin binds the endpoints opts asks for and serves them until
// Close. A port that cannot be bound is an error (the caller decides
// whether that is fatal: ZooKeeper logs a failed AdminServer and keeps
// serving clients).
func StartAdmin(h *ServerHandle, opts AdminOptions) (*AdminServer, error) {
	a := &AdminServer{h: h, url: strings.TrimSuffix(opts.CommandURL, "/")}
	if a.url == "" {
		a.url = DefaultAdminCommandURL
	}
	if opts.AdminAddr != "" {
		addr, err := a.serve(opts.AdminAddr, http.HandlerFunc(a.serveCommand))
		if err != nil {
			return nil, fmt.Errorf("live: admin server: %w", err)
		}
		a.AdminAddr = addr
	}
	if opts.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/metrics", a.serveMetrics)
		addr, err := a.serve(opts.MetricsAddr, mux)
		if err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("live: metrics endpoint: %w", err)
		}
		a.MetricsAddr = addr
	}
	return a, nil
}

func (a *AdminServer) serve(addr string, h http.Handler) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	a.servers = append(a.servers, srv)
	go func() { _ = srv.Serve(l) }()
	return l.Addr().String(), nil
}

// Close stops the endpoints, waiting up to 5 s for requests in flight.
func (a *AdminServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range a.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// serveCommand answers GET {commandURL}/{name} with the command's JSON,
// and GET {commandURL} with ZooKeeper's page of links to every command.
func (a *AdminServer) serveCommand(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, a.url)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		writeAdminJSON(w, http.StatusNotFound, map[string]any{"command": nil, "error": "Not found: " + r.URL.Path + " (commands are under " + a.url + ")"})
		return
	}
	name := strings.TrimPrefix(rest, "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeAdminJSON(w, http.StatusMethodNotAllowed, map[string]any{"command": name, "error": "HTTP method " + r.Method + " is not supported; use GET"})
		return
	}
	if name == "" {
		a.serveIndex(w)
		return
	}
	var resp map[string]any
	var cmdErr error
	if err := a.h.Do(func(s *server.Server) { resp, cmdErr = s.AdminCommand(name) }); err != nil {
		writeAdminJSON(w, http.StatusServiceUnavailable, map[string]any{"command": name, "error": "This ZooKeeper instance is not currently serving requests"})
		return
	}
	if resp["command"] == "configuration" && resp["client_port"] == int64(0) {
		// clientPort 0 asked the kernel for a port: report the one bound.
		if port, err := strconv.ParseInt(portOfAddr(a.h.addr), 10, 64); err == nil {
			resp["client_port"] = port
		}
	}
	status := http.StatusOK
	if errors.Is(cmdErr, server.ErrUnknownAdminCommand) {
		status = http.StatusNotFound
	}
	writeAdminJSON(w, status, resp)
}

// serveIndex lists the commands as JettyAdminServer does: one link per
// primary name.
func (a *AdminServer) serveIndex(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString("<html>\n<head><title>ZooKeeper AdminServer commands</title></head>\n<body>\n<h1>ZooKeeper AdminServer commands (zabsim)</h1>\n")
	for _, c := range server.AdminCommands() {
		u := html.EscapeString(a.url + "/" + c.Primary)
		fmt.Fprintf(&b, "<a href=\"%s\">%s</a><br/>\n", u, html.EscapeString(c.Primary))
	}
	b.WriteString("</body>\n</html>\n")
	_, _ = w.Write([]byte(b.String()))
}

func writeAdminJSON(w http.ResponseWriter, status int, v map[string]any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil { // the server builds plain values; this is a bug, said as JSON
		status = http.StatusInternalServerError
		b = []byte(`{"error": "cannot encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func (a *AdminServer) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var ms []server.Metric
	if err := a.h.Do(func(s *server.Server) { ms = s.Metrics() }); err != nil {
		http.Error(w, "server is not running", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", PrometheusContentType)
	_ = WritePrometheus(w, ms)
}

func portOfAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return port
}

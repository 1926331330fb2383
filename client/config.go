package client

import (
	"errors"
	"time"

	"github.com/zabsim/zabsim/server/wire"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultSessionTimeout = 10 * time.Second
	DefaultReconnectDelay = 100 * time.Millisecond
	// setWatchesLimitBytes caps one SetWatches packet, as go-zookeeper and
	// the Java client do, well under the server's jute.maxbuffer.
	setWatchesLimitBytes = 128 * 1024
)

// Config configures a Client. Use keyed literals.
type Config struct {
	// Servers are "host:port" addresses; the client tries them in order
	// (after a seeded shuffle when Shuffle is set) and moves to the next one
	// after every lost connection.
	Servers []string
	// Shuffle permutes Servers with the Env's seeded random stream at Start,
	// as ZooKeeper clients do, so clients spread over the ensemble.
	Shuffle bool
	// SessionTimeout is the timeout requested in the handshake; the server
	// negotiates the one actually used. Default DefaultSessionTimeout.
	SessionTimeout time.Duration
	// OpTimeout is the default per-op timeout after which an op completes
	// with ErrOperationTimeout (indeterminate). 0 means SessionTimeout;
	// negative means ops never time out.
	OpTimeout time.Duration
	// ReconnectDelay bounds the random pause before dialling the next
	// server after a lost connection. Default DefaultReconnectDelay.
	ReconnectDelay time.Duration
	// SendReadOnly adds the trailing readOnly byte to the ConnectRequest
	// (the Java client's form). Off by default: the handshake is
	// go-zookeeper's "old client" form.
	SendReadOnly bool
	// MaxBuffer bounds a reply frame and any buffer in it (0 means
	// wire.DefaultMaxBuffer).
	MaxBuffer int
	// OnEvent receives watch events and session state changes, in order.
	OnEvent func(Event)
	_       struct{}
}

// ErrNoServers is returned by New for an empty server list.
var ErrNoServers = errors.New("client: no servers configured")

func (cfg Config) withDefaults() (Config, error) {
	if len(cfg.Servers) == 0 {
		return cfg, ErrNoServers
	}
	cfg.Servers = append([]string(nil), cfg.Servers...)
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = cfg.SessionTimeout
	}
	if cfg.ReconnectDelay <= 0 {
		cfg.ReconnectDelay = DefaultReconnectDelay
	}
	if cfg.MaxBuffer <= 0 {
		cfg.MaxBuffer = wire.DefaultMaxBuffer
	}
	return cfg, nil
}

// State is the client's session state as its user sees it.
type State int

// Session states.
const (
	// StateConnecting: no usable connection; the client is dialling or
	// waiting to dial. Ops queue until a connection is ready.
	StateConnecting State = iota
	// StateConnected: the handshake succeeded; ops flow.
	StateConnected
	// StateExpired: the server declared the session expired. Terminal.
	StateExpired
	// StateClosed: Close finished. Terminal.
	StateClosed
)

var stateNames = [...]string{"connecting", "connected", "expired", "closed"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	EventWatch        EventKind = iota // a watch notification (Type, Path)
	EventConnected                     // handshake done (new or resumed session)
	EventDisconnected                  // a ready connection was lost
	EventExpired                       // the session expired
	EventClosed                        // the session was closed by Close
	EventAuthFailed                    // an auth packet was refused
	// EventProtocolError: the server broke the protocol on the connection
	// (a reply out of order, an undecodable frame), so the client dropped
	// it; Detail says how. A correct server never causes one.
	EventProtocolError
)

var eventKindNames = [...]string{"watch", "connected", "disconnected", "expired", "closed", "authFailed", "protocolError"}

func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// Event is a watch notification or a session state change.
type Event struct {
	Kind      EventKind
	Type      wire.EventType // watch events only
	Path      string         // watch events only
	Zxid      int64          // the notification's ReplyHeader zxid
	Server    string         // the server the client was connected to
	SessionID int64
	Detail    string // EventProtocolError: what the server did wrong
}

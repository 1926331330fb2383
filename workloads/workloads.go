package workloads

import (
	"errors"
	"fmt"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
)

// Defaults applied to zero WorkerConfig fields.
const (
	DefaultSessionTimeout = 3 * time.Second
	DefaultThinkMin       = 10 * time.Millisecond
	DefaultThinkMax       = 100 * time.Millisecond
	// RetryDelay spaces retries of setup steps and final-phase reads.
	RetryDelay = 50 * time.Millisecond
	// MaxFinalAttempts bounds the attempts of one final-phase read, so a
	// worker facing a dead cluster still reports Done.
	MaxFinalAttempts = 40
)

// WorkerConfig configures one worker. Use keyed literals.
type WorkerConfig struct {
	// Servers are the "host:port" client addresses of the ensemble.
	Servers []string
	// SessionTimeout is the session timeout the client requests (the
	// server clamps it). Default DefaultSessionTimeout.
	SessionTimeout time.Duration
	// OpTimeout bounds one request; a request without a reply by then ends
	// info ("timeout"). 0 means SessionTimeout.
	OpTimeout time.Duration
	// ThinkMin and ThinkMax bound the uniform think time between a
	// worker's operations. Defaults DefaultThinkMin, DefaultThinkMax.
	ThinkMin, ThinkMax time.Duration
	// Workers is the total number of workers of the run: the stride of
	// process numbers retired after an info completion, and the basis of
	// role splits (brokers vs controllers, writers vs watchers). 0 means
	// the workload's default.
	Workers int
	// ProcessBase is the process number of worker 0; worker i starts as
	// ProcessBase + i.
	ProcessBase int
	// Keys is the number of keys (registers, topics, accounts); 0 means
	// the workload's default.
	Keys int
	// Name names the worker in history values (candidate, broker, watcher,
	// client). "" means the hosting node's name, so nemesis records naming
	// the node also name the worker.
	Name string
	// SkipOps lists operations (numbered from 1 in the order a worker
	// draws them) that the worker draws but does not perform, so the rest
	// stay what they were: the shrinker cuts operations this way. Only
	// the api workload honours it.
	SkipOps []OpRange
	// NewClient builds the worker's ZooKeeper clients. Nil means zabsim's
	// deterministic client.Client, which a simulated world requires; the
	// live tier passes a go-zookeeper/zk adapter here.
	NewClient NewClientFunc
	_         struct{}
}

// newClient builds a client with the configured factory.
func (cfg WorkerConfig) newClient(c client.Config) (Client, error) { return cfg.NewClient(c) }

// OpRange is the operations From to To, both included.
type OpRange struct{ From, To int }

// skipped reports whether operation n falls in one of rs.
func Skipped(rs []OpRange, n int) bool {
	for _, r := range rs {
		if n >= r.From && n <= r.To {
			return true
		}
	}
	return false
}

// ErrBadConfig wraps every WorkerConfig validation error.
var ErrBadConfig = errors.New("workloads: bad worker config")

// withDefaults validates cfg and fills zero fields.
func (cfg WorkerConfig) withDefaults(defaultWorkers, defaultKeys int) (WorkerConfig, error) {
	if len(cfg.Servers) == 0 {
		return cfg, fmt.Errorf("%w: no servers", ErrBadConfig)
	}
	if cfg.SessionTimeout < 0 || cfg.OpTimeout < 0 || cfg.ThinkMin < 0 || cfg.ThinkMax < 0 ||
		cfg.Workers < 0 || cfg.Keys < 0 || cfg.ProcessBase < 0 {
		return cfg, fmt.Errorf("%w: negative durations or counts", ErrBadConfig)
	}
	cfg.Servers = append([]string(nil), cfg.Servers...)
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = cfg.SessionTimeout
	}
	if cfg.ThinkMin == 0 && cfg.ThinkMax == 0 {
		cfg.ThinkMin, cfg.ThinkMax = DefaultThinkMin, DefaultThinkMax
	}
	if cfg.ThinkMax < cfg.ThinkMin {
		return cfg, fmt.Errorf("%w: ThinkMax %v < ThinkMin %v", ErrBadConfig, cfg.ThinkMax, cfg.ThinkMin)
	}
	if cfg.Workers == 0 {
		cfg.Workers = defaultWorkers
	}
	if cfg.Keys == 0 {
		cfg.Keys = defaultKeys
	}
	if cfg.NewClient == nil {
		cfg.NewClient = newDeterministicClient
	}
	return cfg, nil
}

// Worker is one workload process plus the controls its host calls on the
// worker's own event loop.
type Worker interface {
	proc.Process
	// Finish stops generating new operations. The outstanding operation,
	// and the episode it belongs to (a lock hold, a broker restart), still
	// complete.
	Finish()
	// Final finishes the run for this worker (it implies Finish): once the
	// outstanding operation completes, the worker performs the workload's
	// final-phase operations (final reads, convergence views) and records
	// them. Call it in the healed phase.
	Final()
	// Done reports that Final was called and its operations completed.
	Done() bool
}

// Workload is one case study.
type Workload interface {
	// Name is the workload's registry name.
	Name() string
	// Workers is the default number of workers.
	Workers() int
	// NewWorker builds worker index (0-based) of the run. Hosts call it
	// once per process incarnation (proc.Factory); a restarted worker
	// starts a fresh session and keeps its process-number lineage only if
	// the host passes a new ProcessBase.
	NewWorker(index int, cfg WorkerConfig) (Worker, error)
}

// Define makes the Workload named name from its driver: newDriver gives
// worker index of a run its behaviour; defaultWorkers and defaultKeys fill
// a WorkerConfig's zero Workers and Keys. A case study's package calls it
// once (see package study).
func Define(name string, defaultWorkers, defaultKeys int, newDriver func(index int, cfg WorkerConfig) Driver) Workload {
	return spec{name: name, defaultWorkers: defaultWorkers, defaultKeys: defaultKeys, newDriver: newDriver}
}

// spec is the one Workload implementation: a name, defaults, and the
// driver that gives a worker its behaviour.
type spec struct {
	name           string
	defaultWorkers int
	defaultKeys    int
	newDriver      func(index int, cfg WorkerConfig) Driver
}

func (s spec) Name() string { return s.name }
func (s spec) Workers() int { return s.defaultWorkers }

func (s spec) NewWorker(index int, cfg WorkerConfig) (Worker, error) {
	cfg, err := cfg.withDefaults(s.defaultWorkers, s.defaultKeys)
	if err != nil {
		return nil, fmt.Errorf("%s worker %d: %w", s.name, index, err)
	}
	if index < 0 || index >= cfg.Workers {
		return nil, fmt.Errorf("%w: %s worker index %d outside [0, %d)", ErrBadConfig, s.name, index, cfg.Workers)
	}
	return newBase(index, cfg, s.newDriver(index, cfg)), nil
}

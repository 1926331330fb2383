package zab

import (
	"errors"
	"fmt"
	"slices"

	"github.com/zabsim/zabsim/server/bugs"
)

// InitialState is what survived on the host's disk: the epoch files and the
// log. The host's state machine must reflect exactly the txns up to
// LastCommittedZxid (for example a snapshot); the Peer delivers any later
// logged txn through Ready.Commit once an established leader's history covers
// it, or truncates it. (ZooKeeper applies its whole log on load; zabsim keeps
// the uncommitted tail out of the tree until the new leader decides.)
type InitialState struct {
	AcceptedEpoch     uint32
	CurrentEpoch      uint32
	LastCommittedZxid int64
	// Log is the tail of the durable log in zxid order. It must hold every
	// txn after LastCommittedZxid; earlier ones are ignored: the committed
	// window a leader DIFFs from starts at LastCommittedZxid, as ZooKeeper's
	// committedLog starts after the snapshot it loaded, and grows with
	// commits up to CommittedLogEntries.
	Log []Entry
}

// Config configures a Peer. Zero durations take the defaults below; with a
// 100 ms tick they mean finalizeWait 200 ms, initLimit 2 s, syncLimit 1 s.
type Config struct {
	ID        uint64
	Voters    []uint64 // participants, including ID unless ID is an observer
	Observers []uint64

	FinalizeWaitTicks            int // FLE finalizeWait (default 2)
	MaxNotificationIntervalTicks int // FLE resend backoff cap (default 20)
	InitLimitTicks               int // discovery+sync deadline (default 20)
	SyncLimitTicks               int // silence tolerated once synced (default 10)
	PingIntervalTicks            int // leader PING period (default 1)
	// CommittedLogEntries bounds the committed window kept for DIFF
	// (ZooKeeper's commitLogCount; default 500). Learners further behind get SNAP.
	CommittedLogEntries int

	// ConfigVersion is the version of the config Voters and Observers
	// describe (0: a static config) and ConfigText its host rendering.
	// Configs reads reconfig txns and config texts; nil disables dynamic
	// reconfiguration (ZooKeeper's reconfigEnabled=false).
	ConfigVersion int64
	ConfigText    []byte
	Configs       ConfigCodec

	Bugs      bugs.Set       // the switches of the Zab layer act here (see server/bugs)
	Snapshots SnapshotSource // needed to send SNAP; without it such learners are refused
	Initial   InitialState
	_         struct{}
}

// Config defaults.
const (
	DefaultFinalizeWaitTicks            = 2
	DefaultMaxNotificationIntervalTicks = 20
	DefaultInitLimitTicks               = 20
	DefaultSyncLimitTicks               = 10
	DefaultPingIntervalTicks            = 1
	DefaultCommittedLogEntries          = 500
)

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func (c *Config) applyDefaults() {
	c.FinalizeWaitTicks = orDefault(c.FinalizeWaitTicks, DefaultFinalizeWaitTicks)
	c.MaxNotificationIntervalTicks = orDefault(c.MaxNotificationIntervalTicks, DefaultMaxNotificationIntervalTicks)
	c.InitLimitTicks = orDefault(c.InitLimitTicks, DefaultInitLimitTicks)
	c.SyncLimitTicks = orDefault(c.SyncLimitTicks, DefaultSyncLimitTicks)
	c.PingIntervalTicks = orDefault(c.PingIntervalTicks, DefaultPingIntervalTicks)
	c.CommittedLogEntries = orDefault(c.CommittedLogEntries, DefaultCommittedLogEntries)
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("zab: invalid config")

func (c *Config) validate() error {
	if c.ID == 0 {
		return fmt.Errorf("%w: ID must be non-zero", ErrConfig)
	}
	if len(c.Voters) == 0 {
		return fmt.Errorf("%w: no voters", ErrConfig)
	}
	seen := map[uint64]bool{}
	for _, id := range append(slices.Clone(c.Voters), c.Observers...) {
		if id == 0 || seen[id] {
			return fmt.Errorf("%w: server id %d is zero or listed twice", ErrConfig, id)
		}
		seen[id] = true
	}
	if !seen[c.ID] && c.Configs == nil { // a reconfig may have removed us
		return fmt.Errorf("%w: ID %d is neither a voter nor an observer", ErrConfig, c.ID)
	}
	return validateInitial(&c.Initial)
}

func validateInitial(s *InitialState) error {
	for i, e := range s.Log {
		if e.Zxid <= 0 || (i > 0 && e.Zxid <= s.Log[i-1].Zxid) {
			return fmt.Errorf("%w: initial log not strictly increasing at %d (%s)", ErrConfig, i, ZxidString(e.Zxid))
		}
	}
	if s.LastCommittedZxid < 0 {
		return fmt.Errorf("%w: negative LastCommittedZxid", ErrConfig)
	}
	if s.CurrentEpoch > s.AcceptedEpoch {
		return fmt.Errorf("%w: currentEpoch %d > acceptedEpoch %d", ErrConfig, s.CurrentEpoch, s.AcceptedEpoch)
	}
	return nil
}

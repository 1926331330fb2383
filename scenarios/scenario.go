package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/zabsim/zabsim/nemesis"
	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration that reads and writes as "10s" in scenario
// files.
type Duration time.Duration

// MarshalJSON writes the duration in Go's text form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "10s" (or a number of nanoseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration must be a string like \"10s\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Scenario is a whole test. Every field has a JSON/YAML form so users can
// describe scenarios in files without writing Go.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// Servers is the number of voting servers (1 = standalone); Observers
	// adds non-voting observers.
	Servers   int `json:"servers"`
	Observers int `json:"observers,omitempty"`

	Workload string `json:"workload,omitempty"`
	// Mix runs several case studies against the one ensemble instead of
	// Workload (and Clients, Checkers): each with its own clients, judged
	// by its own checkers on its part of the history.
	Mix []MixEntry `json:"mix,omitempty"`
	// Clients is the number of workload workers (0: the workload's default).
	Clients int `json:"clients,omitempty"`
	// Think bounds the uniform pause between a worker's operations, which
	// sets the offered load (Jepsen's rate); zero means the workloads'
	// default, 10 ms to 100 ms.
	Think [2]Duration `json:"think,omitzero"`

	// Duration is the whole run; HealedTail is the final fault-free phase
	// in which liveness is required.
	Duration   Duration `json:"duration"`
	HealedTail Duration `json:"healed_tail,omitempty"`

	// Nemesis: either fault kinds to plan from the seed, or an explicit
	// schedule in nemesis's text form.
	Faults   []string `json:"faults,omitempty"`
	Schedule string   `json:"schedule,omitempty"`
	// FaultGap and FaultLength bound the planned fault windows.
	FaultGap    [2]Duration `json:"fault_gap,omitempty"`
	FaultLength [2]Duration `json:"fault_length,omitempty"`
	MaxCompose  int         `json:"max_compose,omitempty"`

	// Server settings.
	TickTimeMS     int64    `json:"tick_time_ms,omitempty"`
	SessionTimeout Duration `json:"session_timeout,omitempty"`
	SnapCount      int      `json:"snap_count,omitempty"`
	SyncLatency    Duration `json:"fsync_latency,omitempty"`

	// WindowFaults aims extra crashes and pauses at protocol moments (a
	// follower just ACKed NEWLEADER, a SNAP in flight, an epoch file
	// written, ...), with per-moment probabilities drawn from the seed
	// (see windows.go). Simulation only.
	WindowFaults bool `json:"window_faults,omitempty"`

	// Bugs are bug switches turned on in every server.
	Bugs []string `json:"bugs,omitempty"`
	// Checkers overrides the workload's default checkers.
	Checkers []string `json:"checkers,omitempty"`

	// Draw makes the scenario a recipe: each seed draws a whole
	// configuration (see Drawn), and every field but Name, Description
	// and Bugs is ignored.
	Draw bool `json:"draw,omitempty"`
}

// Defaults fills the zero fields.
func (s Scenario) Defaults() Scenario {
	if s.Servers == 0 {
		s.Servers = 1
	}
	if s.Duration == 0 {
		s.Duration = Duration(30 * time.Second)
	}
	if s.HealedTail == 0 {
		s.HealedTail = Duration(min(10*time.Second, s.Duration.D()/3))
	}
	if s.FaultGap == [2]Duration{} {
		s.FaultGap = [2]Duration{Duration(2 * time.Second), Duration(5 * time.Second)}
	}
	if s.FaultLength == [2]Duration{} {
		s.FaultLength = [2]Duration{Duration(2 * time.Second), Duration(6 * time.Second)}
	}
	if s.TickTimeMS == 0 {
		s.TickTimeMS = 200
	}
	if s.SessionTimeout == 0 {
		s.SessionTimeout = Duration(2 * time.Second)
	}
	if s.SnapCount == 0 {
		s.SnapCount = 1000
	}
	if s.SyncLatency == 0 {
		s.SyncLatency = Duration(2 * time.Millisecond)
	}
	return s
}

// Validate reports every problem with the scenario at once.
func (s Scenario) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Name == "" {
		bad("name is required")
	}
	if s.Draw {
		return errors.Join(errs...) // each seed's drawn configuration is validated when it runs
	}
	if s.Servers < 1 || s.Servers > 9 {
		bad("servers must be between 1 and 9, got %d", s.Servers)
	}
	if s.Observers < 0 || s.Observers > 5 {
		bad("observers must be between 0 and 5, got %d", s.Observers)
	}
	if s.Workload == "" && len(s.Mix) == 0 {
		bad("workload (or mix) is required")
	}
	s.validateMix(bad)
	if s.Clients < 0 || s.Clients > 200 {
		bad("clients must be between 0 and 200, got %d", s.Clients)
	}
	if s.Duration.D() <= 0 || s.Duration.D() > 24*time.Hour {
		bad("duration must be positive and at most 24h, got %v", s.Duration.D())
	}
	if s.HealedTail.D() < 0 || s.HealedTail.D() >= s.Duration.D() {
		bad("healed_tail must be in [0, duration), got %v", s.HealedTail.D())
	}
	if len(s.Faults) > 0 && s.Schedule != "" {
		bad("give either faults (planned from the seed) or schedule (explicit), not both")
	}
	if len(s.Faults) > 0 {
		if _, err := nemesis.ParseKinds(strings.Join(s.Faults, ",")); err != nil {
			bad("faults: %v", err)
		}
	}
	if s.Schedule != "" {
		if _, err := nemesis.Parse(s.Schedule); err != nil {
			bad("schedule: %v", err)
		}
	}
	for i, iv := range [][2]Duration{s.FaultGap, s.FaultLength, s.Think} {
		if iv[0] < 0 || iv[1] < iv[0] {
			bad("%s must be [min, max] with 0 <= min <= max, got %v", []string{"fault_gap", "fault_length", "think"}[i], iv)
		}
	}
	if s.TickTimeMS < 1 || s.TickTimeMS > 60000 {
		bad("tick_time_ms must be in [1, 60000], got %d", s.TickTimeMS)
	}
	if s.SessionTimeout.D() <= 0 {
		bad("session_timeout must be positive")
	}
	if s.SnapCount < 2 {
		bad("snap_count must be at least 2, got %d", s.SnapCount)
	}
	if s.SyncLatency < 0 {
		bad("fsync_latency must not be negative")
	}
	return errors.Join(errs...)
}

// ParseFile reads a scenario from JSON (.json) or YAML (.yaml/.yml) bytes,
// rejecting unknown fields, then fills defaults and validates.
func ParseFile(name string, data []byte) (Scenario, error) {
	var s Scenario
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		var generic any
		if err := yaml.Unmarshal(data, &generic); err != nil {
			return s, fmt.Errorf("%s: %w", name, err)
		}
		j, err := json.Marshal(normalizeYAML(generic))
		if err != nil {
			return s, fmt.Errorf("%s: %w", name, err)
		}
		data = j
	case ".json":
	default:
		return s, fmt.Errorf("%s: scenario files must end in .json, .yaml or .yml", name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("%s: %w", name, err)
	}
	s = s.Defaults()
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("%s: invalid scenario: %w", name, err)
	}
	return s, nil
}

// normalizeYAML turns yaml.v3's map[string]any trees into JSON-encodable
// values (keys sorted by encoding/json).
func normalizeYAML(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeYAML(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normalizeYAML(x)
		}
		return t
	}
	return v
}

// JSON returns the scenario's canonical JSON form.
func (s Scenario) JSON() []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return b
}

func sortedStrings(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

// dedupe removes adjacent duplicates from a sorted list.
func dedupe(ss []string) []string {
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

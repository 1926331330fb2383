package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/workloads"
)

// Duration is a time.Duration that reads and writes as "10s" in scenario
// files. A duration needs a unit: a bare number is an error (it would
// otherwise be read as nanoseconds).
type Duration time.Duration

// MarshalJSON writes the duration in Go's text form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "10s", "1m30s", "500ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n float64
		if json.Unmarshal(b, &n) == nil {
			return fmt.Errorf("%s has no unit: write a duration with its unit, like %ss or %sms", b, b, b)
		}
		return fmt.Errorf("want a duration with its unit, like 30s or 500ms, got %s", b)
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// parseDuration is time.ParseDuration with messages in a file's terms.
func parseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err == nil {
		return v, nil
	}
	if _, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64); nerr == nil {
		return 0, fmt.Errorf("%q has no unit: write a duration with its unit, like %ss or %sms", s, s, s)
	}
	return 0, fmt.Errorf("%q is not a duration (write a number and a unit: 30s, 1m30s, 500ms, 200us)", s)
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
	// Reconfig runs the ensemble with dynamic reconfiguration: every server
	// has reconfigEnabled, writes its committed config to a dynamic config
	// file and serves it at /zookeeper/config, and the super user (the
	// operator's credential, workloads.SuperAuth) may reconfig. Spares adds
	// servers started outside the initial config (after the observers),
	// each knowing the ensemble and itself, as ZooKeeper's admin guide
	// starts a joiner: a reconfig can add them. Spares need Reconfig.
	Reconfig bool `json:"reconfig,omitempty"`
	Spares   int  `json:"spares,omitempty"`

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

	// SkipOps cuts operations: "1-199,260-300" makes every worker of the
	// api workload draw its operations with those numbers (from 1, in
	// order) but not perform them, so the rest stay what they were. The
	// shrinker writes it; see workloads.WorkerConfig.SkipOps.
	SkipOps string `json:"skip_ops,omitempty"`

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

// FieldError is a problem with one field of a scenario, named as a
// scenario file writes it ("servers", "fault_gap", "schedule").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Limits of a scenario's values (the scenario-file reference, docs/scenario-files.md, lists them).
const (
	maxServers   = 9
	maxObservers = 5
	maxSpares    = 4
	maxClients   = 200
	maxDuration  = 24 * time.Hour
	maxTickMS    = 60000
	maxCompose   = 6
)

// Validate reports every problem with the scenario at once, as
// *FieldError values joined with errors.Join. Compile holds the same rules
// and keeps what it parsed.
func (s Scenario) Validate() error {
	_, err := s.parse()
	return err
}

// parsed is what checking a scenario parses: the typed values Compile keeps.
type parsed struct {
	kinds    []nemesis.Kind
	schedule nemesis.Schedule
	skipOps  []workloads.OpRange
}

// parse checks the scenario, reporting every problem at once as
// *FieldError values joined with errors.Join, and returns the fault kinds,
// schedule and skipped operations it parsed.
func (s Scenario) parse() (parsed, error) {
	var p parsed
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if err := checkName(s.Name); err != nil {
		bad("name", "%v", err)
	}
	if err := CheckBugs(s.Bugs); err != nil {
		bad("bugs", "%v", err)
	}
	if s.Draw {
		return p, errors.Join(errs...) // each seed's drawn configuration is validated when it runs
	}
	if s.Servers < 1 || s.Servers > maxServers {
		bad("servers", "must be between 1 and %d, got %d", maxServers, s.Servers)
	}
	if s.Observers < 0 || s.Observers > maxObservers {
		bad("observers", "must be between 0 and %d, got %d", maxObservers, s.Observers)
	}
	if s.Spares < 0 || s.Spares > maxSpares {
		bad("spares", "must be between 0 and %d, got %d", maxSpares, s.Spares)
	}
	if s.Spares > 0 && !s.Reconfig {
		bad("spares", "need reconfig: true (a spare joins only through a reconfig)")
	}
	if s.Reconfig && s.Servers < 2 {
		bad("reconfig", "needs an ensemble (servers 2 or more): a standalone server refuses reconfig")
	}
	switch {
	case s.Workload == "" && len(s.Mix) == 0:
		bad("workload", "is required (one of %s), or a mix", strings.Join(studies.Names(), ", "))
	case s.Workload != "":
		if _, err := studies.ByName(s.Workload); err != nil {
			bad("workload", "unknown workload %q (known: %s)", s.Workload, strings.Join(studies.Names(), ", "))
		}
	}
	s.validateMix(bad)
	if !s.Reconfig {
		for _, e := range s.mixEntries() {
			if st, err := studies.ByName(e); err == nil && st.NeedsReconfig {
				bad("reconfig", "workload %s reconfigs: it needs reconfig: true", e)
			}
		}
	}
	if s.Clients < 0 || s.Clients > maxClients {
		bad("clients", "must be between 1 and %d, got %d", maxClients, s.Clients)
	}
	durationOK := s.Duration.D() > 0 && s.Duration.D() <= maxDuration
	if !durationOK {
		bad("duration", "must be more than 0s and at most 24h, got %v", s.Duration.D())
	}
	if s.HealedTail.D() <= 0 || durationOK && s.HealedTail.D() >= s.Duration.D() {
		bad("healed_tail", "must be more than 0s and less than duration (%v), got %v", s.Duration.D(), s.HealedTail.D())
	}
	if len(s.Faults) > 0 && s.Schedule != "" {
		bad("faults", "give either faults (planned from the seed) or schedule (explicit steps), not both")
	}
	for _, f := range s.Faults {
		k, err := nemesis.ParseKind(f)
		if err != nil {
			bad("faults", "unknown fault family %q (known: partition, kill, pause, clock, disk, net, churn, membership)", f)
			continue
		}
		p.kinds = append(p.kinds, k)
	}
	if s.Schedule != "" {
		var serrs []error
		p.schedule, serrs = s.parseSchedule(durationOK)
		for _, err := range serrs {
			bad("schedule", "%v", err)
		}
	}
	if !s.Reconfig && (slices.Contains(p.kinds, nemesis.KindMember) ||
		slices.ContainsFunc(p.schedule.Steps, func(st nemesis.Step) bool { return st.Action != nil && st.Action.Kind() == nemesis.KindMember })) {
		bad("faults", "membership changes need reconfig: true (an ensemble with dynamic reconfiguration)")
	}
	s.checkInterval(bad, "fault_gap", s.FaultGap, false)
	s.checkInterval(bad, "fault_length", s.FaultLength, true)
	if s.Think != [2]Duration{} {
		s.checkInterval(bad, "think", s.Think, false)
	}
	if s.MaxCompose < 0 || s.MaxCompose > maxCompose {
		bad("max_compose", "must be between 1 and %d, got %d", maxCompose, s.MaxCompose)
	}
	if s.TickTimeMS < 1 || s.TickTimeMS > maxTickMS {
		bad("tick_time_ms", "must be between 1 and %d (milliseconds), got %d", maxTickMS, s.TickTimeMS)
	}
	if s.SessionTimeout.D() <= 0 || s.SessionTimeout.D() > maxDuration {
		bad("session_timeout", "must be more than 0s and at most 24h, got %v", s.SessionTimeout.D())
	}
	if s.SnapCount < 2 {
		bad("snap_count", "must be at least 2, got %d", s.SnapCount)
	}
	if s.SyncLatency <= 0 || s.SyncLatency.D() > time.Minute {
		bad("fsync_latency", "must be more than 0s and at most 1m, got %v", s.SyncLatency.D())
	}
	var err error
	if p.skipOps, err = ParseOpRanges(s.SkipOps); err != nil {
		bad("skip_ops", "%v", err)
	}
	if len(s.Checkers) > 0 {
		for _, c := range s.Checkers {
			if _, err := studies.Checker(c); err != nil {
				bad("checkers", "unknown checker %q (known: %s)", c, strings.Join(CheckerNames(), ", "))
			}
		}
	}
	return p, errors.Join(errs...)
}

// checkInterval checks a [min, max] pair of durations.
func (s Scenario) checkInterval(bad func(string, string, ...any), field string, iv [2]Duration, minPositive bool) {
	switch {
	case iv[0] < 0 || iv[1] < iv[0]:
		bad(field, "must be [min, max] with 0s <= min <= max, got [%v, %v]", iv[0].D(), iv[1].D())
	case iv[1] == 0:
		bad(field, "max must be more than 0s, got [%v, %v]", iv[0].D(), iv[1].D())
	case minPositive && iv[0] == 0:
		bad(field, "min must be more than 0s, got [%v, %v]", iv[0].D(), iv[1].D())
	case iv[1].D() > maxDuration:
		bad(field, "must be at most 24h, got [%v, %v]", iv[0].D(), iv[1].D())
	}
}

// parseSchedule parses and checks the explicit schedule: its text, its
// node names, and that every step falls inside the run (a step at or past
// duration would never run).
func (s Scenario) parseSchedule(durationOK bool) (nemesis.Schedule, []error) {
	sched, err := nemesis.Parse(s.Schedule)
	if err != nil {
		return sched, []error{err}
	}
	if s.Servers >= 1 && s.Servers <= maxServers && s.Observers >= 0 && s.Observers <= maxObservers && s.Spares >= 0 && s.Spares <= maxSpares {
		nodes := NodeNames(s.Servers + s.Observers + s.Spares)
		if err := sched.Validate(nodes); err != nil {
			return sched, []error{fmt.Errorf("%w (this scenario's nodes are %s)", err, strings.Join(nodes, ", "))}
		}
	}
	var errs []error
	if durationOK {
		for i, st := range sched.Steps {
			if st.At >= s.Duration.D() {
				errs = append(errs, fmt.Errorf("step %d (%q) is at %v, at or past the end of the run (duration %v): it would never run",
					i+1, st.String(), st.At, s.Duration.D()))
			}
		}
	}
	return sched, errs
}

// NodeNames names a world's nodes: s1..sN (voters first, then observers, then spares),
// in the simulator and the live tier alike.
func NodeNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "s" + strconv.Itoa(i+1)
	}
	return out
}

// checkName requires a scenario name to be one safe path component: it
// names run directories.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("is required")
	case len(name) > 100:
		return fmt.Errorf("is %d characters long; at most 100", len(name))
	case strings.Trim(name, ".") == "":
		return fmt.Errorf("%q is not a name", name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("%q names run directories, so it may hold only letters, digits, '-', '_' and '.' (not %q)", name, r)
		}
	}
	if strings.HasPrefix(name, ".") {
		return fmt.Errorf("%q names run directories, so it must not start with a dot", name)
	}
	return nil
}

// JSON returns the scenario's canonical JSON form.
func (s Scenario) JSON() []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return b
}

// MergeBugs is the bug set of a run: the scenario's switches and the
// extra ones, sorted, each once.
func MergeBugs(have, extra []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(have), extra...))))
}

// ParseOpRanges reads skip_ops: "" (none), or ranges such as "1-199,260,300-310".
func ParseOpRanges(text string) ([]workloads.OpRange, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var out []workloads.OpRange
	for _, part := range strings.Split(text, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		switch {
		case err != nil || a < 1:
			return nil, fmt.Errorf("bad operation range %q in %q: want N or N-M with 1 <= N <= M", part, text)
		case b < a:
			return nil, fmt.Errorf("operation range %q runs backwards", part)
		}
		out = append(out, workloads.OpRange{From: a, To: b})
	}
	if len(out) > 1000 {
		return nil, fmt.Errorf("%d operation ranges: at most 1000", len(out))
	}
	return out, nil
}

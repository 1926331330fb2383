package checker

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/history"
)

// Validity is a checker's verdict.
type Validity int8

// Verdicts. Unknown means the checker could not decide (a Porcupine timeout,
// missing data): it is never a pass.
const (
	Unknown Validity = iota
	Valid
	Invalid
)

func (v Validity) String() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	default:
		return "unknown"
	}
}

// MarshalJSON writes true, false or "unknown", as Jepsen's :valid? does.
func (v Validity) MarshalJSON() ([]byte, error) {
	if v == Unknown {
		return []byte(`"unknown"`), nil
	}
	return []byte(v.String()), nil
}

// UnmarshalJSON reads true, false or "unknown" (and the strings "true" and
// "false", which suite.json files written before December 2026 hold).
func (v *Validity) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", `"true"`:
		*v = Valid
	case "false", `"false"`:
		*v = Invalid
	case `"unknown"`:
		*v = Unknown
	default:
		return fmt.Errorf("checker: validity %s is not true, false or \"unknown\"", b)
	}
	return nil
}

// Anomaly is one violation (or, in an Unknown result, one reason for doubt).
type Anomaly struct {
	Kind        string `json:"kind"`        // e.g. "stale-read", "double-leader"
	Ops         []int  `json:"ops"`         // Index of the records involved
	Explanation string `json:"explanation"` // one sentence a human can act on
}

// Result is a checker's verdict on one history.
type Result struct {
	Name      string             `json:"name"`
	Valid     Validity           `json:"valid"`
	Anomalies []Anomaly          `json:"anomalies,omitempty"`
	Counts    map[string]int     `json:"counts,omitempty"`
	Stats     map[string]float64 `json:"stats,omitempty"` // durations in ns, ratios in [0,1]
	Children  []Result           `json:"children,omitempty"`
}

// Checker is any function that judges a history.
type Checker func(ops []history.Op) Result

// MaxAnomalies bounds how many anomalies one result keeps; the count of all
// of them stays in Counts["anomalies"].
const MaxAnomalies = 100

// Report collects a checker's anomalies, counts and stats while it runs;
// checkers outside this package (a case study's, see package study) build
// their Result with it too.
type Report struct {
	Result
	unknown []string
}

// NewReport starts the report of the checker name.
func NewReport(name string) *Report {
	return &Report{Result: Result{Name: name, Counts: map[string]int{}, Stats: map[string]float64{}}}
}

// Flag records an anomaly of kind citing no op.
func (r *Report) Flag(kind, format string, args ...any) {
	r.FlagOps(kind, nil, format, args...)
}

// FlagOps records an anomaly of kind citing the ops (history indexes).
func (r *Report) FlagOps(kind string, ops []int, format string, args ...any) {
	r.Counts["anomalies"]++
	r.Counts["anomalies:"+kind]++
	if len(r.Anomalies) < MaxAnomalies {
		r.Anomalies = append(r.Anomalies, Anomaly{Kind: kind, Ops: ops, Explanation: fmt.Sprintf(format, args...)})
	}
}

// Doubt records why the verdict cannot be Valid without being Invalid.
func (r *Report) Doubt(format string, args ...any) {
	r.unknown = append(r.unknown, fmt.Sprintf(format, args...))
}

// Done returns the verdict: Invalid with an anomaly, else Unknown with a
// doubt, else Valid.
func (r *Report) Done() Result {
	switch {
	case r.Counts["anomalies"] > 0:
		r.Valid = Invalid
	case len(r.unknown) > 0:
		r.Valid = Unknown
		for _, u := range r.unknown {
			if len(r.Anomalies) < MaxAnomalies {
				r.Anomalies = append(r.Anomalies, Anomaly{Kind: "unknown", Explanation: u})
			}
		}
	default:
		r.Valid = Valid
	}
	if len(r.Counts) == 0 {
		r.Counts = nil
	}
	if len(r.Stats) == 0 {
		r.Stats = nil
	}
	return r.Result
}

// Compose runs every checker and merges the verdicts: any false makes the
// whole false; otherwise any unknown makes it unknown. Children keep each
// checker's own result, in the given order.
func Compose(name string, ops []history.Op, checkers ...Checker) Result {
	results := make([]Result, len(checkers))
	for i, c := range checkers {
		results[i] = c(ops)
	}
	return Merge(name, results...)
}

// Merge combines results already computed.
func Merge(name string, results ...Result) Result {
	out := Result{Name: name, Valid: Valid, Children: results}
	for _, r := range results {
		switch {
		case r.Valid == Invalid:
			out.Valid = Invalid
		case r.Valid == Unknown && out.Valid != Invalid:
			out.Valid = Unknown
		}
	}
	return out
}

// String renders a result as indented JSON (map keys sorted).
func (r Result) String() string {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Sprintf("%s: %s (%v)", r.Name, r.Valid, err)
	}
	return string(b)
}

// Quantile returns the q-quantile (nearest rank) of sorted xs.
func Quantile(sorted []int64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// DurationStats adds count/p50/p95/p99/max/mean of xs (ns) under prefix.
func DurationStats(stats map[string]float64, prefix string, xs []int64) {
	if len(xs) == 0 {
		return
	}
	s := append([]int64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum float64
	for _, x := range s {
		sum += float64(x)
	}
	stats[prefix+"_count"] = float64(len(s))
	stats[prefix+"_p50_ns"] = float64(Quantile(s, 0.50))
	stats[prefix+"_p95_ns"] = float64(Quantile(s, 0.95))
	stats[prefix+"_p99_ns"] = float64(Quantile(s, 0.99))
	stats[prefix+"_max_ns"] = float64(s[len(s)-1])
	stats[prefix+"_mean_ns"] = sum / float64(len(s))
}

// HealTime is the time of the last nemesis record (the start of the healed
// phase), or -1 if the history has no faults.
func HealTime(ops []history.Op) int64 {
	t := int64(-1)
	for _, op := range ops {
		if op.IsNemesis() {
			t = max(t, op.Time)
		}
	}
	return t
}

// Malformed flags a record whose value does not match its workload's schema:
// the workload wrote something the checker cannot judge.
func Malformed(r *Report, p history.Pair, err error) {
	r.FlagOps("malformed", []int{p.Invoke.Index}, "cannot decode %s value: %v", p.Invoke.F, err)
}

// Leaf is one checker's verdict with its path in a composed result.
type Leaf struct {
	Name   string
	Result Result
}

// Leaves lists the leaf results of rs depth-first, naming each by its path
// ("all/linearizable"), so a composed result shows every checker.
func Leaves(rs []Result) []Leaf {
	var out []Leaf
	var walk func(prefix string, r Result)
	walk = func(prefix string, r Result) {
		name := r.Name
		if prefix != "" {
			name = prefix + "/" + r.Name
		}
		if len(r.Children) == 0 {
			out = append(out, Leaf{Name: name, Result: r})
			return
		}
		for _, c := range r.Children {
			walk(name, c)
		}
	}
	for _, r := range rs {
		walk("", r)
	}
	return out
}

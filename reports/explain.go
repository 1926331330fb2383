package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/checker"
)

// Plain-language accounts of what a failing checker found: one paragraph
// per checker that did not say valid, for the run page. The checkers'
// anomalies say what happened to which ops; the paragraph says what the
// checker promises and what breaking it means, for a reader who does not
// know the checker.

// promises says, per checker, what a valid verdict means.
var promises = map[string]string{
	"linearizable": "Every write, compare-and-set and sync-read of a key must look as if it took effect at one instant " +
		"between its call and its reply, in one order all clients agree on (ZooKeeper promises this for writes, and for reads after sync).",
	"zxid-order": "Each client's view must only move forward: every read returns the committed state at some zxid, " +
		"no later than the state the client has already seen, replies come back in the order the client sent its requests, and a watch event arrives before any data that reflects it.",
	"sessions": "Once the quorum has committed a session's closing, no operation that session invokes afterwards may succeed.",
	"api": "Every answer must be what ZooKeeper's reference spec gives: the quorum's committed transactions are replayed through it in zxid order, " +
		"and each write's answer must match the spec at its transaction, each read's the spec's state at the zxid it was served at, each sync must reflect " +
		"everything committed before it was called, and each watch event must answer a watch the session held, with the right type, before any reply that reflects its change.",
	"zab-invariants": "Zab's own guarantees, checked while the simulation ran: one chain of zxids shared by every server, " +
		"primary order, no committed transaction lost, and at most one established leader per epoch.",
	"liveness":   "Once the faults heal, every client must finish its final phase within the bound the scenario sets.",
	"stats":      "Enough operations must succeed, overall and after the faults heal, for the run to tell anything.",
	"election":   "Leader election à la HDFS NameNode: at most one leader at a time, and no write of a deposed leader may be accepted by the fenced resource.",
	"registry":   "Broker registry à la Kafka: ephemeral membership converges to the live members, with no ghost left after a session expires.",
	"config":     "Topic configs via watches: every watcher converges on the last value written, loses no event and sees events in order.",
	"lock":       "Distributed locks à la Storm: no two clients hold the lock at once (checked with fencing tokens), and the lock is acquired again after faults heal.",
	"sequential": "Sequential nodes: every name the server hands out is unique and the sequence numbers only grow.",
	"bank":       "Multi-op bank transfers: every transfer is atomic and the total across accounts never changes.",
	"durability": "Durability: no write the cluster acknowledged is lost, even across crashes and restarts of every node.",
}

// explainChecker writes one paragraph about a checker that did not say
// valid: what it promises, what it found (counts by kind), and the first
// anomaly in its own words.
func explainChecker(name string, r checker.Result) string {
	base := name
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	promise, ok := promises[base]
	if !ok {
		promise = fmt.Sprintf("The %s checker judges the history against the rules of its workload.", base)
	}
	var b strings.Builder
	b.WriteString(promise)
	b.WriteByte(' ')
	if r.Valid == checker.Unknown {
		b.WriteString("It could not decide, which is not a pass")
		if len(r.Anomalies) > 0 {
			b.WriteString(": " + strings.TrimSuffix(r.Anomalies[0].Explanation, "."))
		}
		b.WriteString(".")
		return b.String()
	}
	kinds := anomalyKinds(r)
	switch {
	case len(kinds) == 0:
		b.WriteString("The history breaks it.")
	default:
		fmt.Fprintf(&b, "The history breaks it: %s.", strings.Join(kinds, ", "))
	}
	if len(r.Anomalies) > 0 {
		a := r.Anomalies[0]
		fmt.Fprintf(&b, " The first: %s", strings.TrimSuffix(a.Explanation, "."))
		b.WriteString(".")
		if what, ok := kindMeaning[a.Kind]; ok {
			b.WriteString(" " + what)
		}
	}
	return b.String()
}

// kindMeaning says, for the commonest anomaly kinds, what such an anomaly
// means for a user of the store.
var kindMeaning = map[string]string{
	"stale-read": "A client that started after a write had completed was served an older value: " +
		"the server that answered read from state that was no longer current.",
	"nonlinearizable":        "No order of the key's operations explains every reply; the drawing of the failing window below shows the ops no legal order can place.",
	"lost-write":             "A write the cluster acknowledged was later missing: a client was told it succeeded, and the data is gone.",
	"double-leader":          "Two clients believed they led at once.",
	"overlapping-holds":      "Two clients held the lock at the same time.",
	"went-backwards":         "A client saw the cluster's state move back in time.",
	"zab-invariant":          "The servers' replicated logs disagree: the cluster itself is inconsistent, whatever clients saw.",
	"op-after-close":         "A session the cluster had already closed still had an operation succeed.",
	"future-read":            "A read returned state that had not been committed yet when it was served.",
	"unavailable-after-heal": "The cluster did not serve again after the faults healed.",
	"no-progress-after-heal": "Clients made no progress after the faults healed.",
	"wrong-read":             "A read's answer differs from the spec's state at the zxid the server said it was served at: stale or wrong data, Stat, children or counts.",
	"wrong-reply":            "A write's answer (created name, error, Stat) differs from what the spec gives for the transaction the quorum committed for it.",
	"spec-rejects-txn":       "The quorum committed as a change a request the spec refuses at that point: the servers applied something ZooKeeper would not.",
	"refused-valid-request":  "The quorum committed a request as an error that the spec applies: the server refused a valid request.",
	"missed-watch-event":     "A session held a watch, the watched node changed, and a later answer reflected the change before (or without) the event.",
	"wrong-watch-event":      "A watch event named another change than the first one after the watch was set.",
	"unexpected-watch-event": "An event arrived for a watch the session did not hold.",
	"stale-sync":             "A sync was answered from a state missing transactions committed before it was called: reads after it can be stale.",
	"protocol-violation":     "The server broke the wire protocol (for example, answered a session's requests out of order), and the client dropped the connection.",
}

// anomalyKinds lists "N kind" per anomaly kind, most frequent first, from
// the checker's counts (which count every anomaly, not only those kept).
func anomalyKinds(r checker.Result) []string {
	type kc struct {
		kind string
		n    int
	}
	var ks []kc
	for k, n := range r.Counts {
		if kind, ok := strings.CutPrefix(k, "anomalies:"); ok && n > 0 {
			ks = append(ks, kc{kind, n})
		}
	}
	if len(ks) == 0 {
		seen := map[string]int{}
		for _, a := range r.Anomalies {
			seen[a.Kind]++
		}
		for k, n := range seen {
			ks = append(ks, kc{k, n})
		}
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].n != ks[j].n {
			return ks[i].n > ks[j].n
		}
		return ks[i].kind < ks[j].kind
	})
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = fmt.Sprintf("%d %s", k.n, k.kind)
	}
	return out
}

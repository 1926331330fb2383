package crosscheck

// The cross-check sends one seeded mixed op sequence to a zabsim server and
// to an Apache ZooKeeper server, one op at a time, and diffs the replies.
// Unlike the differential test (which speaks raw jute on both sides), it
// drives each target through go-zookeeper/zk, the client real Go programs
// use, wherever go-zookeeper can express the op, and through RawClient
// where it cannot (create2, getEphemerals, getAllChildrenNumber,
// multiRead, whoAmI, removeWatches, multis holding create2 or container
// ops, TTL creates with non-TTL flags). The op deck and the reply
// rendering are the differential test's (crosscheck_deck.go,
// crosscheck_render.go).

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/serverproc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/config"
)

// Options configure one cross-check.
type Options struct {
	// ZabsimAddr and ZooKeeperAddr are the two servers' client addresses.
	// Each should be a fresh standalone server: the run creates /d and
	// compares zxids relative to its own first write.
	ZabsimAddr, ZooKeeperAddr string
	// Ops is the length of the op sequence (default 10,000).
	Ops int
	// Seed draws the sequence.
	Seed uint64
	// IOTimeout bounds one request (default 10 s).
	IOTimeout time.Duration
	// Progress, if set, gets a line every 1,000 ops.
	Progress io.Writer

	_ struct{}
}

func (o Options) withDefaults() Options {
	if o.Ops <= 0 {
		o.Ops = 10000
	}
	if o.IOTimeout <= 0 {
		o.IOTimeout = 10 * time.Second
	}
	return o
}

// Diff is one difference between the targets.
type Diff struct {
	// Index is the op's index in the sequence; -1 for what is compared
	// after the run (the final tree, watch outcomes).
	Index     int
	Op        string
	Zabsim    string
	ZooKeeper string
	// Deviation names the docs/deviations.md entry that explains the
	// difference as deliberate; "" for an unexplained difference.
	Deviation string
}

// Report is the outcome of a cross-check.
type Report struct {
	Seed uint64
	// Ops is the length of the sequence asked for; one more op, B's
	// closeSession, ends every run.
	Ops int
	// ViaGoZK and ViaRaw count the ops each client carried.
	ViaGoZK, ViaRaw int
	// Outcomes counts ZooKeeper's reply codes (coverage of the deck).
	Outcomes map[string]int
	// Watches is the number of one-shot watches set through go-zookeeper
	// and compared; Events the watch events the raw sessions (persistent
	// and recursive watches) received in line with replies; ZNodes the
	// number of znodes in the final trees compared.
	Watches, Events, ZNodes int
	// Differences are unexplained; Deviations are explained by
	// docs/deviations.md.
	Differences []Diff
	Deviations  []Diff
	// Faults are invariant violations seen on one target alone (stat times
	// outside the run, a never-modified node whose mtime is not its ctime).
	Faults []string
}

// OK reports whether the targets agreed on everything but documented
// deviations.
func (r *Report) OK() bool { return len(r.Differences) == 0 && len(r.Faults) == 0 }

// maxShownDiffs bounds the differences a report prints in full.
const maxShownDiffs = 25

// WriteText prints the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	verdict := "no unexplained difference"
	if !r.OK() {
		verdict = fmt.Sprintf("%d unexplained differences, %d invariant faults", len(r.Differences), len(r.Faults))
	}
	fmt.Fprintf(&b, "cross-check seed %d: %d ops and a closeSession (%d through go-zookeeper, %d raw), %d one-shot watches, %d persistent-watch events, %d znodes in the final trees: %s\n",
		r.Seed, r.Ops, r.ViaGoZK, r.ViaRaw, r.Watches, r.Events, r.ZNodes, verdict)
	fmt.Fprintf(&b, "ZooKeeper reply codes: %s\n", formatCounts(r.Outcomes))
	writeDiffs(&b, "difference", r.Differences)
	writeDiffs(&b, "documented deviation", r.Deviations)
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "fault: %s\n", f)
	}
	if !r.OK() {
		fmt.Fprintf(&b, "reproduce: zabsim crosscheck --ops %d --seed %d\n", r.Ops, r.Seed)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiffs(b *strings.Builder, kind string, ds []Diff) {
	for i, d := range ds {
		if i == maxShownDiffs {
			fmt.Fprintf(b, "... %d more %ss\n", len(ds)-i, kind)
			break
		}
		where := "after the run"
		if d.Index >= 0 {
			where = fmt.Sprintf("op %d", d.Index)
		}
		fmt.Fprintf(b, "%s at %s: %s\n", kind, where, d.Op)
		if d.Deviation != "" {
			fmt.Fprintf(b, "    explained: %s\n", d.Deviation)
		}
		fmt.Fprintf(b, "    zabsim:    %s\n    zookeeper: %s\n", d.Zabsim, d.ZooKeeper)
	}
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// Check runs the sequence against both servers and reports every
// difference. An error means the run could not be completed (a server
// unreachable, a connection lost), not that the servers differ.
func Check(ctx context.Context, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	ops := genDiffOps(rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed)), opts.Ops, true)
	targets := make([]*xTarget, 2)
	for i, t := range []struct{ name, addr string }{{"zabsim", opts.ZabsimAddr}, {"zookeeper", opts.ZooKeeperAddr}} {
		tg, err := openXTarget(t.name, t.addr, opts.IOTimeout)
		if err != nil {
			closeXTargets(targets)
			return nil, err
		}
		targets[i] = tg
	}
	defer closeXTargets(targets)
	rep := &Report{Seed: opts.Seed, Ops: opts.Ops, Outcomes: map[string]int{}}
	for i, op := range ops {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := crossCheckOp(rep, targets, i, op); err != nil {
			return nil, err
		}
		if opts.Progress != nil && (i+1)%1000 == 0 {
			fmt.Fprintf(opts.Progress, "cross-check: %d/%d ops, %d differences\n", i+1, len(ops), len(rep.Differences))
		}
	}
	if err := finishCrossCheck(rep, targets); err != nil {
		return nil, err
	}
	return rep, nil
}

func crossCheckOp(rep *Report, targets []*xTarget, i int, op diffOp) error {
	outs := make([]string, len(targets))
	viaZK := false
	for j, tg := range targets {
		out, zkUsed, err := tg.run(i, op)
		if err != nil {
			return fmt.Errorf("live: cross-check op %d (%s) on %s: %w", i, op, tg.name, err)
		}
		outs[j], viaZK = out, zkUsed
	}
	if viaZK {
		rep.ViaGoZK++
	} else {
		rep.ViaRaw++
	}
	code, _, _ := strings.Cut(outs[1], " ")
	rep.Outcomes[code]++
	rep.Events += strings.Count(outs[1], " event(")
	if outs[0] != outs[1] {
		rep.add(Diff{Index: i, Op: op.String(), Zabsim: outs[0], ZooKeeper: outs[1]})
	}
	if i == 0 { // the deck's first op creates /d
		return setZxidOrigins(targets)
	}
	return nil
}

// setZxidOrigins reads the first write's zxid (the czxid of /d) on each
// target: go-zookeeper does not expose reply zxids, so zxids in stats are
// made relative to it explicitly.
func setZxidOrigins(targets []*xTarget) error {
	for _, tg := range targets {
		ok, st, err := tg.zk[0].Exists("/d")
		if err != nil || !ok {
			return fmt.Errorf("live: cross-check: %s: /d after creating it: exists=%t %v", tg.name, ok, err)
		}
		tg.rr.base = st.Czxid
	}
	return nil
}

// finishCrossCheck compares what only the end of the run shows: every
// watch's outcome, the final trees, and each target's own faults.
func finishCrossCheck(rep *Report, targets []*xTarget) error {
	watches := make([][]string, len(targets))
	trees := make([]string, len(targets))
	for j, tg := range targets {
		var err error
		if watches[j], err = tg.watchOutcomes(); err != nil {
			return err
		}
		if trees[j], err = tg.rr.dumpTree(tg.raw[0].Call); err != nil {
			return fmt.Errorf("live: cross-check: %s: %w", tg.name, err)
		}
	}
	rep.Watches = len(watches[1])
	for k := range max(len(watches[0]), len(watches[1])) {
		a, b := elemOr(watches[0], k), elemOr(watches[1], k)
		if a != b {
			rep.add(Diff{Index: -1, Op: "watch outcome", Zabsim: a, ZooKeeper: b})
		}
	}
	rep.ZNodes = strings.Count(trees[1], "\n")
	if trees[0] != trees[1] {
		rep.add(Diff{Index: -1, Op: "final tree under /d", Zabsim: "\n" + trees[0], ZooKeeper: "\n" + trees[1]})
	}
	for _, tg := range targets {
		for _, f := range tg.rr.faults {
			rep.Faults = append(rep.Faults, tg.name+": "+f)
		}
	}
	return nil
}

func elemOr(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return "(none)"
}

// add files d as a deviation when docs/deviations.md explains it, else as
// a difference.
func (r *Report) add(d Diff) {
	if d.Deviation = explainDeviation(d); d.Deviation != "" {
		r.Deviations = append(r.Deviations, d)
		return
	}
	r.Differences = append(r.Differences, d)
}

// explainDeviation returns the docs/deviations.md entry that explains d,
// or "". Each rule must match only the documented behaviour, never a
// whole class of replies.
func explainDeviation(d Diff) string {
	for _, rule := range knownDeviations {
		if rule.match(d) {
			return rule.doc
		}
	}
	return ""
}

// deviationRule recognises one documented deliberate difference.
type deviationRule struct {
	doc   string
	match func(d Diff) bool
}

// knownDeviations are the deliberate differences the deck can reach. The
// deck avoids the others (check outside a multi, mixed watch modes,
// reconfig: see docs/deviations.md).
var knownDeviations = []deviationRule{}

// Run starts a standalone zabsim server in this process and a
// standalone Apache ZooKeeper 3.8 (cluster.StartApacheZooKeeper), runs the
// cross-check, prints the report to w, and stops both. ok is false when
// the servers differ beyond documented deviations; err reports a run that
// could not be completed (Apache ZooKeeper not installed, a server lost).
func Run(ctx context.Context, opts Options, w io.Writer) (ok bool, err error) {
	opts = opts.withDefaults()
	dir, err := os.MkdirTemp("", "zabsim-crosscheck-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	zabAddr, stopZabsim, err := startCrossZabsim(filepath.Join(dir, "zabsim"))
	if err != nil {
		return false, err
	}
	defer stopZabsim()
	var zkLog live.LockedBuffer
	z, err := startCrossZooKeeper(filepath.Join(dir, "zookeeper"), &zkLog)
	if err != nil {
		return false, fmt.Errorf("%w\n%s", err, tail(zkLog.String(), 4000))
	}
	defer z.Stop()
	opts.ZabsimAddr, opts.ZooKeeperAddr = zabAddr, z.Addr()
	fmt.Fprintf(w, "cross-check: zabsim on %s, Apache ZooKeeper on %s, %d ops, seed %d\n", zabAddr, z.Addr(), opts.Ops, opts.Seed)
	rep, err := Check(ctx, opts)
	if err != nil {
		return false, err
	}
	return rep.OK(), rep.WriteText(w)
}

// startCrossZabsim runs the zabsim side as the differential test
// configures it: every four-letter word, TTL nodes on, no container sweep
// during the run.
func startCrossZabsim(dir string) (string, func(), error) {
	cfg := server.Config{
		ClientAddr: "127.0.0.1:0", TickTimeMS: 2000, MaxClientCnxns: -1, FourLetterWords: []string{"*"},
		ExtendedTypesEnabled: true, ContainerCheckIntervalMS: diffContainerCheckMS,
	}
	n, addr, err := serverproc.StartServer(cfg, live.Options{Name: "zabsim", DataDir: dir})
	if err != nil {
		return "", nil, err
	}
	return addr, func() { _ = n.Stop() }, nil
}

// startCrossZooKeeper runs Apache ZooKeeper configured like
// startCrossZabsim's server.
func startCrossZooKeeper(dir string, log io.Writer) (*cluster.ApacheZooKeeper, error) {
	cfg := config.Default()
	cfg.TickTimeMS = 2000
	cfg.MaxClientCnxns = 0
	cfg.AdminEnableServer = false
	cfg.FourLetterWords = []string{"*"}
	cfg.ExtendedTypesEnabled = true
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return cluster.StartApacheZooKeeper(cluster.ApacheOptions{
		Dir: dir, Config: &cfg, Log: log,
		JavaOpts: []string{"-Xmx256m", "-XX:+UseSerialGC", "-Dznode.container.checkIntervalMs=" + strconv.Itoa(diffContainerCheckMS)},
	})
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

package zab

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/zabsim/zabsim/server/bugs"
)

// Interaction tests in the style of etcd-io/raft's testdata: each file is a
// script of commands, each followed by "----" and the output it must
// produce (github.com/cockroachdb/datadriven, as etcd-io/raft and pebble use
// it). Run with -rewrite to regenerate the expected output.
//
// Commands:
//
//	cluster voters=1,2,3 [observers=4] [bugs=zk-3911,...] [window=N] [encode]
//	disk ID [accepted=E] [current=E] [snap=E:C,..] [log=E:C,..]   durable state before start
//	start [ID...]        start (or restart) nodes from their durable state
//	tick [N] [ID...]     tick nodes (default all up nodes) N times
//	elapse N [ID...]     N ticks at once (Peer.Elapse: a host woken from a stop)
//	deliver A->B [N]     deliver the next N (default all) messages on A->B
//	deliver-all          deliver until no message is queued
//	drop A->B            break link A<->B (both ends told)
//	persist [ID...] [log|epoch|snap]   make pending writes durable
//	settle               deliver-all + persist everything, until quiet
//	elect                settle and tick until every up node serves (<= 100
//	                     ticks); prints only role changes, commits, truncations
//	crash ID / restart ID
//	partition 1 | 2 3    heal
//	propose ID "data" / forward ID "data" / sync ID SYNCID / touch ID "data"
//	queues / state

func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var d ddRunner
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			return d.run(directive(td))
		})
	})
}

// directive rebuilds a script line from datadriven's parse of it: the
// command, then each argument as written ("key", "key=value"); a quoted
// string with spaces comes back whole because its pieces are rejoined with
// the single spaces it was split on.
func directive(td *datadriven.TestData) string {
	parts := []string{td.Cmd}
	for _, a := range td.CmdArgs {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, " ")
}

type ddRunner struct{ w *world }

// run executes one command and returns its output (trace plus result).
func (d *ddRunner) run(line string) string {
	args := splitArgs(line)
	if d.w != nil {
		d.w.trace.Reset()
	}
	res, err := d.exec(args)
	var out string
	if d.w != nil {
		out = d.w.trace.String()
	}
	if err != nil {
		out += "error: " + err.Error() + "\n"
	}
	if res != "" {
		out += res + "\n"
	}
	if d.w != nil && !d.w.inv.OK() && args[0] != "state" {
		out += "violations: " + strings.Join(d.w.inv.Violations(), "; ") + "\n"
		d.w.inv.violations = nil
	}
	return strings.TrimRight(out, "\n")
}

// splitArgs splits on spaces, keeping "quoted strings" whole (unquoted).
func splitArgs(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			if end := strings.IndexByte(s[1:], '"'); end >= 0 {
				out = append(out, s[1:end+1])
				s = s[end+2:]
				continue
			}
		}
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			i = len(s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

func (d *ddRunner) exec(args []string) (string, error) {
	if args[0] == "cluster" {
		return "", d.cluster(args[1:])
	}
	if d.w == nil {
		return "", fmt.Errorf("no cluster yet")
	}
	w := d.w
	switch args[0] {
	case "disk":
		return "", d.disk(args[1:])
	case "start", "restart":
		return "", d.forNodes(args[1:], w.ids, func(id uint64) error { return w.start(id) })
	case "crash":
		return "", d.forNodes(args[1:], nil, func(id uint64) error { w.crash(id); return nil })
	case "tick":
		return "", d.tickCmd(args[1:])
	case "elapse":
		return "", d.elapseCmd(args[1:])
	case "deliver":
		return "", d.deliverCmd(args[1:])
	case "deliver-all":
		w.deliverAll()
		return "", nil
	case "drop":
		a, b, err := parseLink(args[1])
		if err == nil {
			w.breakLink(a, b)
		}
		return "", err
	case "persist":
		return "", d.persistCmd(args[1:])
	case "settle":
		d.settle()
		return "", nil
	case "elect":
		return d.elect(), nil
	case "partition":
		return "", d.partitionCmd(args[1:])
	case "heal":
		w.heal()
		return "", nil
	case "queues":
		return d.queuesString(), nil
	case "state":
		return w.stateString(), nil
	}
	return d.clientCmd(args)
}

func (d *ddRunner) clientCmd(args []string) (string, error) {
	if len(args) < 3 {
		return "", fmt.Errorf("usage: %s ID ARG", args[0])
	}
	id, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil || d.w.nodes[id] == nil || d.w.nodes[id].peer == nil {
		return "", fmt.Errorf("bad or down node %q", args[1])
	}
	p := d.w.nodes[id].peer
	defer d.w.drain(id)
	switch args[0] {
	case "propose":
		z, err := p.Propose([]byte(args[2]))
		if err != nil {
			return "", err
		}
		return "zxid " + ZxidString(z), nil
	case "forward":
		return "", p.Forward([]byte(args[2]))
	case "sync":
		sid, err := strconv.ParseUint(args[2], 10, 64)
		if err != nil {
			return "", err
		}
		return "", p.Sync(sid)
	case "touch":
		p.QueueTouches([]byte(args[2]))
		return "", nil
	}
	return "", fmt.Errorf("unknown command %q", args[0])
}

func (d *ddRunner) cluster(args []string) error {
	var voters, observers []uint64
	var cfg Config
	encode := false
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		var err error
		switch k {
		case "voters":
			voters, err = parseIDs(v)
		case "observers":
			observers, err = parseIDs(v)
		case "bugs":
			cfg.Bugs, err = bugs.ParseSet(v)
		case "window":
			cfg.CommittedLogEntries, err = strconv.Atoi(v)
		case "encode":
			encode = true
		default:
			err = fmt.Errorf("unknown cluster option %q", k)
		}
		if err != nil {
			return err
		}
	}
	d.w = newWorld(voters, observers, cfg)
	d.w.encode = encode
	return nil
}

func (d *ddRunner) disk(args []string) error {
	id, err := strconv.ParseUint(args[0], 10, 64)
	n := d.w.nodes[id]
	if err != nil || n == nil {
		return fmt.Errorf("bad node %q", args[0])
	}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "accepted", "current":
			e, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return err
			}
			if k == "accepted" {
				n.dAccepted = uint32(e)
			} else {
				n.dCurrent = uint32(e)
			}
		case "log":
			log, err := parseLog(v)
			if err != nil {
				return err
			}
			n.dLog = log
		case "snap":
			applied, err := parseLog(v)
			if err != nil {
				return err
			}
			n.dSnap = Snapshot{Zxid: applied[len(applied)-1].Zxid, Data: encodeEntries(applied)}
			// The node committed these in a past the checker did not see.
			for _, e := range applied {
				d.w.observe(id, Committed{Node: id, Zxid: e.Zxid, Digest: Digest(e.Data)})
			}
		default:
			return fmt.Errorf("unknown disk option %q", k)
		}
	}
	return nil
}

// parseLog reads "1:1,1:2,2:1" as entries whose data is "e:c".
func parseLog(s string) ([]Entry, error) {
	var out []Entry
	for _, part := range strings.Split(s, ",") {
		e, c, ok := strings.Cut(part, ":")
		ev, err1 := strconv.ParseUint(e, 16, 32)
		cv, err2 := strconv.ParseUint(c, 16, 32)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad zxid %q", part)
		}
		out = append(out, Entry{Zxid: MakeZxid(uint32(ev), uint32(cv)), Data: []byte(part)})
	}
	return out, nil
}

func parseIDs(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad id %q", f)
		}
		out = append(out, id)
	}
	return out, nil
}

func parseLink(s string) (uint64, uint64, error) {
	a, b, ok := strings.Cut(s, "->")
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("bad link %q (want A->B)", s)
	}
	return x, y, nil
}

// forNodes runs f on the listed nodes, or on def when none are listed.
func (d *ddRunner) forNodes(args []string, def []uint64, f func(uint64) error) error {
	ids, err := parseIDs(strings.Join(args, " "))
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		ids = def
	}
	for _, id := range ids {
		if d.w.nodes[id] == nil {
			return fmt.Errorf("no node %d", id)
		}
		if err := f(id); err != nil {
			return err
		}
	}
	return nil
}

func (d *ddRunner) upIDs() []uint64 {
	var out []uint64
	for _, id := range d.w.ids {
		if d.w.up(id) {
			out = append(out, id)
		}
	}
	return out
}

func (d *ddRunner) tickCmd(args []string) error {
	n := 1
	if len(args) > 0 {
		v, err := strconv.Atoi(args[0])
		if err != nil {
			return err
		}
		n, args = v, args[1:]
	}
	for i := 0; i < n; i++ {
		if err := d.forNodes(args, d.upIDs(), func(id uint64) error { d.w.tick(id); return nil }); err != nil {
			return err
		}
	}
	return nil
}

// elapseCmd is "elapse N [nodes]": N ticks at once (Peer.Elapse), as a
// host reports a stop it woke up from.
func (d *ddRunner) elapseCmd(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: elapse N [nodes]")
	}
	n, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil {
		return err
	}
	return d.forNodes(args[1:], d.upIDs(), func(id uint64) error {
		if p := d.w.nodes[id].peer; p != nil {
			p.Elapse(n)
			d.w.drain(id)
		}
		return nil
	})
}

func (d *ddRunner) deliverCmd(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: deliver A->B [N]")
	}
	a, b, err := parseLink(args[0])
	if err != nil {
		return err
	}
	k := 1 << 30
	if len(args) > 1 {
		if k, err = strconv.Atoi(args[1]); err != nil {
			return err
		}
	}
	d.w.deliver(a, b, k)
	return nil
}

func (d *ddRunner) persistCmd(args []string) error {
	what := ""
	if n := len(args); n > 0 {
		switch args[n-1] {
		case "log", "epoch", "snap":
			what, args = args[n-1], args[:n-1]
		}
	}
	return d.forNodes(args, d.upIDs(), func(id uint64) error { d.w.persist(id, what); return nil })
}

func (d *ddRunner) settle() {
	for i := 0; i < 100; i++ {
		n := d.w.deliverAll()
		for _, id := range d.upIDs() {
			d.w.persist(id, "")
		}
		if n == 0 && len(d.w.links()) == 0 {
			return
		}
	}
}

func (d *ddRunner) partitionCmd(args []string) error {
	var groups [][]uint64
	for _, g := range strings.Split(strings.Join(args, " "), "|") {
		ids, err := parseIDs(g)
		if err != nil {
			return err
		}
		groups = append(groups, ids)
	}
	d.w.partition(groups)
	return nil
}

func (d *ddRunner) queuesString() string {
	var b strings.Builder
	for _, l := range d.w.links() {
		var ms []string
		for _, m := range d.w.queues[l] {
			ms = append(ms, msgString(m))
		}
		fmt.Fprintf(&b, "%d->%d: %s\n", l.from, l.to, strings.Join(ms, ", "))
	}
	return strings.TrimRight(b.String(), "\n")
}

// elect runs settle+tick rounds until every up node serves, and returns the
// trace without the message, append and durability lines.
func (d *ddRunner) elect() string {
	ticks := 0
	for ; ticks < 100 && !d.allServing(); ticks++ {
		d.settle()
		if d.allServing() {
			break
		}
		for _, id := range d.upIDs() {
			d.w.tick(id)
		}
	}
	var keep []string
	for _, l := range strings.Split(d.w.trace.String(), "\n") {
		if l == "" || strings.Contains(l, "->") || strings.Contains(l, ": append") ||
			strings.Contains(l, ": durable") || strings.Contains(l, ": write") {
			continue
		}
		keep = append(keep, l)
	}
	d.w.trace.Reset()
	keep = append(keep, fmt.Sprintf("(%d ticks)", ticks))
	return strings.Join(keep, "\n")
}

func (d *ddRunner) allServing() bool {
	for _, id := range d.upIDs() {
		if !d.w.nodes[id].peer.Status().Serving {
			return false
		}
	}
	return true
}

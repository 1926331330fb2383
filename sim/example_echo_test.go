package sim

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// A durable echo service, the example that exercises every fault kind.
//
// The server logs each request (a CRC-framed record) and echoes it only
// after the fsync covering it succeeds, so an echo is a durability promise.
// On start it recovers the log up to the first torn or corrupt record and
// checks a checksummed "meta" file. The client sends numbered requests one
// at a time, with a timeout on its local clock, redials after any close,
// and sends heartbeat datagrams.

const recordHeaderBytes = 8

func encodeRecord(seq uint64) []byte {
	b := make([]byte, recordHeaderBytes+8)
	binary.BigEndian.PutUint32(b[0:], 8)
	binary.BigEndian.PutUint64(b[8:], seq)
	binary.BigEndian.PutUint32(b[4:], crc32.ChecksumIEEE(b[8:]))
	return b
}

// decodeLog returns the sequence numbers of the valid prefix of a log and
// its length in bytes.
func decodeLog(b []byte) ([]uint64, int) {
	var seqs []uint64
	off := 0
	for len(b)-off >= recordHeaderBytes+8 {
		n := int(binary.BigEndian.Uint32(b[off:]))
		body := b[off+recordHeaderBytes:]
		if n != 8 || crc32.ChecksumIEEE(body[:8]) != binary.BigEndian.Uint32(b[off+4:]) {
			break
		}
		seqs = append(seqs, binary.BigEndian.Uint64(body))
		off += recordHeaderBytes + 8
	}
	return seqs, off
}

type echoServer struct {
	env     proc.Env
	waiting map[proc.SyncID][]echoReq
}

type echoReq struct {
	conn proc.ConnID
	seq  uint64
}

func (s *echoServer) Start(env proc.Env) {
	s.env, s.waiting = env, map[proc.SyncID][]echoReq{}
	d := env.Disk()
	s.checkMeta(d)
	if b, err := d.ReadFile("log"); err == nil {
		seqs, valid := decodeLog(b)
		if valid < len(b) {
			env.Emit("log-truncated")
			if err := d.Truncate("log", int64(valid)); err != nil {
				env.Emit("truncate-failed")
			}
		}
		env.Logf("recovered %d records", len(seqs))
	}
	must2(env.Listen("s:1"))
	must2(env.Listen("s:2"))
}

func (s *echoServer) checkMeta(d proc.Disk) {
	b, err := d.ReadFile("meta")
	switch {
	case errors.Is(err, proc.ErrNotExist) || len(b) == 0:
		meta := []byte("echo-v1 ")
		meta = binary.BigEndian.AppendUint32(meta, crc32.ChecksumIEEE(meta))
		if d.WriteFile("meta", meta) == nil {
			d.Sync("meta")
		}
	case len(b) != 12 || crc32.ChecksumIEEE(b[:8]) != binary.BigEndian.Uint32(b[8:]):
		s.env.Emit("meta-corrupt")
	}
}

func must2(err error) {
	if err != nil {
		panic(err)
	}
}

func (s *echoServer) Handle(ev proc.Event) {
	switch ev := ev.(type) {
	case proc.Received:
		seq := binary.BigEndian.Uint64(ev.Bytes)
		if err := s.env.Disk().Append("log", encodeRecord(seq)); err != nil {
			s.env.Emit(diskNote(err))
			s.env.Close(ev.Conn) // the client retries
			return
		}
		id := s.env.Disk().Sync("log")
		s.waiting[id] = append(s.waiting[id], echoReq{conn: ev.Conn, seq: seq})
	case proc.SyncDone:
		reqs := s.waiting[ev.ID]
		delete(s.waiting, ev.ID)
		for _, r := range reqs {
			if ev.Err != nil {
				s.env.Emit("sync-error")
				s.env.Close(r.conn)
				continue
			}
			s.env.Send(r.conn, binary.BigEndian.AppendUint64(nil, r.seq))
		}
	case proc.DatagramReceived:
		s.env.Emit("heartbeat")
	}
}

func diskNote(err error) string {
	if errors.Is(err, proc.ErrDiskFull) {
		return "disk-full"
	}
	return "write-error"
}

type echoClient struct {
	env      proc.Env
	conn     proc.ConnID
	next     uint64 // the request in flight
	acked    []uint64
	sentAtNS int64
}

func (c *echoClient) Start(env proc.Env) {
	c.env, c.next = env, 1
	c.dial()
	env.After(10*time.Millisecond, "tick")
}

func (c *echoClient) Handle(ev proc.Event) {
	switch ev := ev.(type) {
	case proc.Connected:
		c.send()
	case proc.Received:
		if ev.Conn != c.conn || binary.BigEndian.Uint64(ev.Bytes) != c.next {
			c.env.Emit("unexpected-echo")
			return
		}
		c.acked = append(c.acked, c.next)
		c.next++
		c.send()
	case proc.Closed:
		if ev.Conn == c.conn {
			c.conn = 0
			c.env.After(50*time.Millisecond, "redial")
		}
	case proc.TimerFired:
		c.timer(ev.Tag.(string))
	}
}

// dial starts a connection; the request timeout covers connecting too.
func (c *echoClient) dial() {
	c.sentAtNS = c.env.Now()
	c.conn = c.env.Dial("s:1")
}

func (c *echoClient) send() {
	c.sentAtNS = c.env.Now()
	c.env.Send(c.conn, binary.BigEndian.AppendUint64(nil, c.next))
}

func (c *echoClient) timer(tag string) {
	switch tag {
	case "redial":
		if c.conn == 0 {
			c.dial()
		}
	case "tick":
		c.env.SendDatagram("s:2", []byte("hb"))
		// A request unanswered for 300 ms of local time: give up on the
		// connection (a clock jump makes this fire early, like real code).
		if c.conn != 0 && c.env.Now()-c.sentAtNS > int64(300*time.Millisecond) {
			c.env.Close(c.conn)
			c.conn = 0
			c.env.After(50*time.Millisecond, "redial")
		}
		c.env.After(10*time.Millisecond, "tick")
	}
}

type echoRun struct {
	w      *World
	client *echoClient
	notes  map[string]int
	faults int
}

func runEchoUnderEveryFault(t *testing.T, seed uint64) echoRun {
	opts := DefaultOptions()
	opts.BreakDetect = UniformLatency(20*time.Millisecond, 100*time.Millisecond)
	w := mustWorld(t, seed, opts)
	r := echoRun{w: w, notes: map[string]int{}}
	must(t, w.AddObserver(ObserverFunc(func(rec *Record) {
		switch rec.Kind {
		case RecordNote:
			r.notes[rec.Note.(string)]++
		case RecordFault, RecordLifecycle:
			r.faults++
		}
	})))
	diskOpts := DiskOptions{SyncLatency: ExponentialLatency(200*time.Microsecond, time.Millisecond, 20*time.Millisecond)}
	must(t, w.AddNode("s", func() proc.Process { return &echoServer{} }, NodeOptions{Disk: diskOpts}))
	must(t, w.AddNode("c", func() proc.Process { r.client = &echoClient{}; return r.client },
		NodeOptions{ClockOffset: -3 * time.Second, ClockRate: 1.0005})) // skew and drift
	must(t, w.Start("s"))
	must(t, w.Start("c"))
	disk, err := w.Disk("s")
	must(t, err)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	plan := []struct {
		at time.Duration
		f  func() error
	}{
		{ms(200), func() error { return w.Partition([]string{"s"}, []string{"c"}) }},
		{ms(400), w.Heal},
		{ms(600), func() error { return w.Cut("c", "s") }}, // one way
		{ms(800), w.Heal},
		{ms(1000), func() error { return w.Crash("s", CrashLoseUnsynced) }},
		{ms(1100), func() error { return w.Restart("s") }},
		{ms(1300), func() error { return w.Crash("s", CrashKeepPrefix) }},
		{ms(1400), func() error { return w.Restart("s") }},
		{ms(1600), func() error { return w.Crash("s", CrashTearLastWrite) }},
		{ms(1700), func() error { return w.Restart("s") }},
		{ms(1900), func() error { return w.Crash("s", CrashKeepAll) }},
		{ms(2000), func() error { return w.Restart("s") }},
		{ms(2200), func() error { return w.Pause("s") }},
		{ms(2500), func() error { return w.Resume("s") }},
		{ms(2600), func() error { return w.JumpClock("c", 2*time.Second) }},
		{ms(2700), func() error { return w.JumpClock("c", -time.Second) }},
		{ms(2800), func() error { return w.SetClockRate("s", 0.999) }},
		{ms(2900), func() error { return w.CorruptFile("s", "meta", 3, 2) }},
		{ms(2950), func() error { return w.Crash("s", CrashLoseUnsynced) }},
		{ms(3000), func() error { return w.Restart("s") }},
		{ms(3200), func() error { return w.FailSyncs("s", 2) }},
		{ms(3300), func() error { return w.FailWrites("s", 1) }},
		{ms(3400), func() error { return w.SetDiskCapacity("s", disk.UsedBytes()) }},
		{ms(3600), func() error { return w.SetDiskCapacity("s", 0) }},
		{ms(3700), func() error { return w.SlowDisk("s", 30*time.Millisecond) }},
		{ms(3900), func() error { return w.SlowDisk("s", 0) }},
		{ms(4000), func() error {
			return w.SetAllLinks(LinkOptions{
				Latency:  ExponentialLatency(100*time.Microsecond, 2*time.Millisecond, 40*time.Millisecond),
				LossProb: 0.2, DupProb: 0.2, ReorderProb: 0.3,
				ReorderDelay: UniformLatency(0, 10*time.Millisecond),
			})
		}},
		{ms(4300), func() error { return w.Spike("s", "c", 100*time.Millisecond, 200*time.Millisecond) }},
		{ms(4600), func() error { return w.SetAllLinks(DefaultOptions().Link) }},
	}
	for _, p := range plan {
		must(t, w.Schedule(p.at, func() { must(t, p.f()) }))
	}
	must(t, w.RunUntil(ms(5000)))
	return r
}

func TestEchoServiceUnderEveryFault(t *testing.T) {
	r := runEchoUnderEveryFault(t, 11)
	before := len(r.client.acked)
	must(t, r.w.RunFor(time.Second)) // healed phase: progress is required
	acked := r.client.acked
	if len(acked) <= before {
		t.Fatalf("no progress in the healed phase: %d acked before, %d after", before, len(acked))
	}
	// Durability: every acknowledged request is in the recovered log, after
	// crashes in every mode.
	must(t, r.w.Crash("s", CrashLoseUnsynced))
	disk, _ := r.w.Disk("s")
	b, err := disk.ReadFile("log")
	must(t, err)
	seqs, _ := decodeLog(b)
	inLog := map[uint64]bool{}
	for _, s := range seqs {
		inLog[s] = true
	}
	for _, s := range acked {
		if !inLog[s] {
			t.Fatalf("acknowledged request %d is not in the log", s)
		}
	}
	for _, note := range []string{"meta-corrupt", "sync-error", "write-error", "disk-full", "heartbeat"} {
		if r.notes[note] == 0 {
			t.Errorf("fault %q was never observed; notes: %v", note, r.notes)
		}
	}
	if r.notes["unexpected-echo"] > 0 {
		t.Errorf("client saw %d out-of-order echoes", r.notes["unexpected-echo"])
	}
	if r.faults != 31 { // the 29 planned changes and the 2 starts (counted until 5 s)
		t.Errorf("observers saw %d fault/lifecycle records", r.faults)
	}
	t.Logf("acked %d requests, notes %v, trace %s", len(acked), r.notes, r.w.TraceHash())
	if again := runEchoUnderEveryFault(t, 11); again.w.Now() != 5*time.Second || again.w.TraceHash() == "" {
		t.Fatal("rerun did not complete")
	}
}

func TestEchoServiceDeterministic(t *testing.T) {
	a := runEchoUnderEveryFault(t, 5).w.TraceHash()
	b := runEchoUnderEveryFault(t, 5).w.TraceHash()
	if a != b {
		t.Fatalf("same seed, traces %s and %s", a, b)
	}
}

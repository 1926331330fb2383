package live

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// env is the proc.Env of one incarnation. Every method runs on the loop
// goroutine (the process only calls it from Start and Handle).
type env struct {
	inc   *incarnation
	rng   *rand.Rand
	clock *offsetClock // nil unless ZABSIM_CLOCK_OFFSET_FILE is set
}

var _ proc.Env = (*env)(nil)

func newEnv(inc *incarnation) *env {
	seed := inc.opts.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano()) // live runs are not reproducible anyway
	}
	return &env{inc: inc, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		clock: newOffsetClock(os.Getenv(ClockOffsetEnv))}
}

func (e *env) Name() string { return e.inc.opts.Name }
func (e *env) Now() int64   { return e.clock.now().UnixNano() }

// monoOrigin anchors Mono: time.Since reads Go's monotonic clock
// (CLOCK_MONOTONIC on Linux), which keeps counting while the process is
// stopped by SIGSTOP, and which the offset file (a wall-clock fault) does not
// move.
var monoOrigin = time.Now()

// Mono is the process's monotonic clock in ns since the package loaded.
func (e *env) Mono() int64                                 { return int64(time.Since(monoOrigin)) }
func (e *env) Listen(addr string) error                    { return e.inc.listen(addr) }
func (e *env) Dial(addr string) proc.ConnID                { return e.inc.dial(addr) }
func (e *env) Send(c proc.ConnID, b []byte)                { e.inc.send(c, b) }
func (e *env) Close(c proc.ConnID)                         { e.inc.closeConn(c) }
func (e *env) Cancel(t proc.TimerID)                       { e.inc.timers.cancel(t) }
func (e *env) Disk() proc.Disk                             { return e.inc.disk }
func (e *env) Rand() *rand.Rand                            { return e.rng }
func (e *env) After(d time.Duration, tag any) proc.TimerID { return e.inc.timers.add(d, tag) }

// SendDatagram sends b as one UDP packet to addr (see datagram.go).
func (e *env) SendDatagram(addr string, b []byte) { e.inc.sendDatagram(addr, b) }

func (e *env) Logf(format string, args ...any) {
	e.inc.logger.Output(2, fmt.Sprintf(format, args...))
}

func (e *env) Emit(note any) {
	if e.inc.opts.Observe != nil {
		e.inc.opts.Observe(note)
	}
}

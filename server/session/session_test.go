package session

import (
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

// Expected values were produced by running Java 17's java.util.Random on this
// machine: new Random(id ^ 0xB3415C00L).nextBytes(new byte[16]).
func TestPasswordMatchesJava(t *testing.T) {
	cases := []struct {
		id   int64
		want string
	}{
		{0, "f22acd4a97e69d6d20a49bb638eadb38"},
		{1, "054cc74a37327db215e702e20c73f005"},
		{0x0100017c3a2b0000, "57b24ccf984aabd28d1e14d4a1f8a165"},
		{-1, "20f62cb5648dc2d771471c8a2486a9ee"},
		{0x018bcfe568000000, "f2e26f4f973e3638201c89f83802c844"},
	}
	for _, c := range cases {
		if got := hex.EncodeToString(Password(c.id)); got != c.want {
			t.Errorf("Password(%#x) = %s, want %s", c.id, got, c.want)
		}
	}
}

// new Random(0).nextInt() twice gives -1155484576, -723955400 (the LCG spec
// worked by hand for the first: seed0 = 0x5DEECE66D; seed1 = seed0*0x5DEECE66D
// + 0xB mod 2^48; top 32 bits).
func TestJavaRandomNextInt(t *testing.T) {
	r := newJavaRandom(0)
	if a, b := r.nextInt(), r.nextInt(); a != -1155484576 || b != -723955400 {
		t.Fatalf("nextInt = %d, %d; want -1155484576, -723955400", a, b)
	}
}

func TestCheckPassword(t *testing.T) {
	id := InitialID(3, 1_700_000_000_000)
	if !CheckPassword(id, Password(id)) {
		t.Fatal("own password rejected")
	}
	bad := Password(id)
	bad[15] ^= 1
	if CheckPassword(id, bad) || CheckPassword(id, bad[:15]) || CheckPassword(id, nil) {
		t.Fatal("wrong password accepted")
	}
	if CheckPassword(0, Password(0)) {
		t.Fatal("session 0 must never match")
	}
	if CheckPasswordWithSecret(id, Password(id), 42) {
		t.Fatal("password accepted under another secret")
	}
}

// Java: ((1700000000000L << 24) >>> 8) | (3L << 56) = 0x38bcfe568000000.
func TestInitialIDMatchesJava(t *testing.T) {
	if got := InitialID(3, 1_700_000_000_000); got != 0x038bcfe568000000 {
		t.Fatalf("InitialID = %#x, want 0x38bcfe568000000", got)
	}
	// Negative clocks (a simulated clock before 1970) still shift unsigned.
	if got := InitialID(0, -5); got != 0xfffffffffb0000 {
		t.Fatalf("InitialID(0,-5) = %#x, want 0xfffffffffb0000", got)
	}
}

func TestCreateIDsAreConsecutive(t *testing.T) {
	tr := newTracker(t, 1000)
	a := tr.Create(4000, 0)
	b := tr.Create(4000, 0)
	if a != InitialID(1, 0) || b != a+1 {
		t.Fatalf("ids %#x %#x, want %#x and next", a, b, InitialID(1, 0))
	}
}

func newTracker(t *testing.T, tickMS int64) *Tracker {
	t.Helper()
	tr, err := NewTracker(Config{TickTimeMS: tickMS}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestNegotiate(t *testing.T) {
	c := Config{TickTimeMS: 2000}
	for _, x := range []struct{ in, want int32 }{{0, 4000}, {3999, 4000}, {4000, 4000}, {10000, 10000}, {40000, 40000}, {40001, 40000}, {-5, 4000}} {
		if got := c.Negotiate(x.in); got != x.want {
			t.Errorf("Negotiate(%d) = %d, want %d", x.in, got, x.want)
		}
	}
	c = Config{TickTimeMS: 2000, MinSessionTimeoutMS: 1000, MaxSessionTimeoutMS: 5000}
	if c.Negotiate(500) != 1000 || c.Negotiate(9000) != 5000 {
		t.Error("explicit bounds not applied")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{}, {TickTimeMS: -1}, {TickTimeMS: 10, MinSessionTimeoutMS: 500, MaxSessionTimeoutMS: 100}, {TickTimeMS: 1 << 40}} {
		if err := c.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrBadConfig", c, err)
		}
	}
	if _, err := NewTracker(Config{TickTimeMS: 10}, 256, 0); !errors.Is(err, ErrBadConfig) {
		t.Error("server id 256 accepted")
	}
}

func TestBucketsRoundUp(t *testing.T) {
	tr := newTracker(t, 1000)
	id := tr.Create(3000, 500) // 3500 → bucket ending 4000
	if s, _ := tr.Get(id); s.ExpiryMS != 4000 {
		t.Fatalf("expiry %d, want 4000", s.ExpiryMS)
	}
	tr.Touch(id, 3000, 1000) // 4000 exactly → next interval 5000
	if s, _ := tr.Get(id); s.ExpiryMS != 5000 {
		t.Fatalf("expiry %d, want 5000", s.ExpiryMS)
	}
	if next, ok := tr.NextExpiryMS(); !ok || next != 5000 {
		t.Fatalf("NextExpiryMS = %d,%v", next, ok)
	}
	if got := tr.Expired(4999); len(got) != 0 {
		t.Fatalf("expired early: %v", got)
	}
	if got := tr.Expired(5000); !slices.Equal(got, []int64{id}) {
		t.Fatalf("Expired(5000) = %v", got)
	}
	if got := tr.Expired(9000); len(got) != 0 {
		t.Fatalf("expired twice: %v", got)
	}
	if _, ok := tr.NextExpiryMS(); ok {
		t.Fatal("empty tracker has a next expiry")
	}
}

func TestExpiredSortedAndClosing(t *testing.T) {
	tr := newTracker(t, 100)
	var ids []int64
	for i := range 20 {
		ids = append(ids, tr.Create(int32(200+i*10), 0))
	}
	keep := ids[19]
	tr.Touch(keep, 1000, 300)
	got := tr.Expired(400)
	if !slices.IsSorted(got) || len(got) != 19 || slices.Contains(got, keep) {
		t.Fatalf("Expired = %v", got)
	}
	if tr.Touch(got[0], 5000, 400) {
		t.Fatal("closing session accepted a touch")
	}
	if err := tr.Check(got[0], Owner{Server: 1}); !errors.Is(err, wire.ErrSessionExpired) {
		t.Fatalf("Check on closing session = %v", err)
	}
	tr.Remove(got[0])
	if err := tr.Check(got[0], Owner{Server: 1}); !errors.Is(err, wire.ErrUnknownSession) {
		t.Fatalf("Check on removed session = %v", err)
	}
	if tr.Len() != 19 {
		t.Fatalf("Len = %d, want 19", tr.Len())
	}
}

func TestClockJumpBackwardsStrandsNobody(t *testing.T) {
	tr := newTracker(t, 100)
	a := tr.Create(200, 10_000)
	b := tr.Create(200, 50) // clock went back: bucket far before a's
	if got := tr.Expired(10_400); !slices.Equal(got, []int64{a, b}) {
		t.Fatalf("Expired = %v, want both", got)
	}
}

func TestSetClosingStopsExpiryAndRequests(t *testing.T) {
	tr := newTracker(t, 100)
	id := tr.Create(200, 0)
	tr.SetClosing(id)
	if got := tr.Expired(1000); len(got) != 0 {
		t.Fatalf("closing session expired again: %v", got)
	}
	if err := tr.SetOwner(id, Owner{Server: 2}); !errors.Is(err, wire.ErrSessionExpired) {
		t.Fatalf("SetOwner on closing = %v", err)
	}
}

func TestOwnership(t *testing.T) {
	tr := newTracker(t, 100)
	id := tr.Create(200, 0)
	s1, s2 := Owner{Server: 1, Conn: 7}, Owner{Server: 2, Conn: 7}
	if err := tr.Check(id, s1); err != nil {
		t.Fatalf("first Check = %v", err)
	}
	if err := tr.Check(id, s1); err != nil {
		t.Fatalf("same owner = %v", err)
	}
	if err := tr.Check(id, s2); !errors.Is(err, wire.ErrSessionMoved) {
		t.Fatalf("other owner = %v, want SessionMoved", err)
	}
	if err := tr.SetOwner(id, s2); err != nil {
		t.Fatal(err)
	}
	if err := tr.Check(id, s1); !errors.Is(err, wire.ErrSessionMoved) {
		t.Fatalf("old owner after move = %v, want SessionMoved", err)
	}
	if s, _ := tr.Get(id); !s.Owned || s.Owner != s2 {
		t.Fatalf("owner = %+v", s)
	}
}

func TestAddKeepsTimeoutAndReportsNew(t *testing.T) {
	tr := newTracker(t, 100)
	if !tr.Add(42, 1000, 0) || tr.Add(42, 5000, 0) {
		t.Fatal("Add did not report new/existing")
	}
	s, _ := tr.Get(42)
	if s.TimeoutMS != 1000 || s.ExpiryMS != 5100 {
		t.Fatalf("session %+v: want timeout 1000, expiry 5100", s)
	}
	if tr.Touch(43, 100, 0) {
		t.Fatal("unknown session touched")
	}
	if !slices.Equal(tr.IDs(), []int64{42}) {
		t.Fatalf("IDs = %v", tr.IDs())
	}
}

func TestLocalTrackerSnapshot(t *testing.T) {
	l := NewLocalTracker()
	l.AddGlobal(9, 4000)
	l.AddGlobal(3, 6000)
	l.AddGlobal(5, 6000)
	if l.Touch(77, 1) {
		t.Fatal("unknown session touched")
	}
	l.Touch(9, 4000)
	l.Touch(3, 6000)
	l.Touch(9, 4500)
	l.Touch(5, 6000)
	l.RemoveGlobal(5)
	want := []Touch{{ID: 3, TimeoutMS: 6000}, {ID: 9, TimeoutMS: 4500}}
	if got := l.Snapshot(); !slices.Equal(got, want) {
		t.Fatalf("Snapshot = %v, want %v", got, want)
	}
	if got := l.Snapshot(); len(got) != 0 {
		t.Fatalf("second Snapshot = %v, want empty", got)
	}
	if !slices.Equal(l.IDs(), []int64{3, 9}) {
		t.Fatalf("IDs = %v", l.IDs())
	}
	if to, ok := l.TimeoutMS(3); !ok || to != 6000 {
		t.Fatal("TimeoutMS(3)")
	}
}

// ExpiredOpen (the zk-1208 switch) drains the same sessions as Expired but
// leaves them open: they still pass Check and a touch re-arms them.
func TestExpiredOpenLeavesSessionsOpen(t *testing.T) {
	tr := newTracker(t, 100)
	a, b := tr.Create(200, 0), tr.Create(200, 0)
	got := tr.ExpiredOpen(300)
	if !slices.Equal(got, []int64{a, b}) {
		t.Fatalf("ExpiredOpen = %v, want %v", got, []int64{a, b})
	}
	if s, _ := tr.Get(a); s.Closing || s.Bucketed {
		t.Fatalf("after ExpiredOpen: %+v, want open and out of the buckets", s)
	}
	if err := tr.Check(a, Owner{Server: 1}); err != nil {
		t.Fatalf("Check on an expired-open session = %v, want nil (the ZOOKEEPER-1208 window)", err)
	}
	if again := tr.ExpiredOpen(1000); len(again) != 0 {
		t.Fatalf("drained sessions expired twice without a touch: %v", again)
	}
	if !tr.Touch(b, 200, 1000) {
		t.Fatal("touch of an expired-open session refused")
	}
	if again := tr.Expired(1500); !slices.Equal(again, []int64{b}) {
		t.Fatalf("re-armed session: Expired = %v, want [%d]", again, b)
	}
}

// AddUnarmed (the zk-1367 switch) tracks a session that never expires until
// it is touched.
func TestAddUnarmedNeverExpiresUntilTouched(t *testing.T) {
	tr := newTracker(t, 100)
	const id = 42
	if !tr.AddUnarmed(id, 200) || tr.AddUnarmed(id, 300) {
		t.Fatal("AddUnarmed: want new, then known")
	}
	if got := tr.Expired(1 << 40); len(got) != 0 {
		t.Fatalf("unarmed session expired: %v", got)
	}
	if _, ok := tr.NextExpiryMS(); ok {
		t.Fatal("an unarmed session sits in a bucket")
	}
	if s, ok := tr.Get(id); !ok || s.TimeoutMS != 200 {
		t.Fatalf("Get = %+v, %v", s, ok)
	}
	tr.Touch(id, 200, 1000)
	if got := tr.Expired(1300); !slices.Equal(got, []int64{id}) {
		t.Fatalf("touched session: Expired = %v, want [%d]", got, id)
	}
}

package session

import "math"

// containerEphemeralOwner is the ephemeralOwner ZooKeeper reserves to mark
// container nodes (EphemeralType.CONTAINER_EPHEMERAL_OWNER); no session may
// have it as its id.
const containerEphemeralOwner int64 = math.MinInt64

// InitialID returns the first session id a server generates, as ZooKeeper's
// SessionTrackerImpl.initializeNextSessionId does: the low 40 bits of the
// clock in milliseconds shifted into bits 16..55, and the server id in the top
// byte. Later ids are consecutive. nowMS is the caller's clock in
// milliseconds.
func InitialID(serverID int64, nowMS int64) int64 {
	next := int64(uint64(nowMS<<24) >> 8) // Java's (now << 24) >>> 8
	next |= serverID << 56
	if next == containerEphemeralOwner {
		next++
	}
	return next
}

// DefaultSecret is ZooKeeper's superSecret, mixed into every password seed.
const DefaultSecret int64 = 0xB3415C00

// PasswordLen is the length of a session password in bytes.
const PasswordLen = 16

// Password returns the password of session id under ZooKeeper's default
// secret: the bytes of new java.util.Random(id ^ 0xB3415C00).nextBytes(16).
func Password(id int64) []byte { return PasswordWithSecret(id, DefaultSecret) }

// PasswordWithSecret is Password with another server secret.
func PasswordWithSecret(id, secret int64) []byte {
	r := newJavaRandom(id ^ secret)
	p := make([]byte, PasswordLen)
	r.nextBytes(p)
	return p
}

// CheckPassword reports whether pw is the password of session id, as
// ZooKeeperServer.checkPasswd: id 0 never matches.
func CheckPassword(id int64, pw []byte) bool {
	return CheckPasswordWithSecret(id, pw, DefaultSecret)
}

// CheckPasswordWithSecret is CheckPassword with another server secret.
func CheckPasswordWithSecret(id int64, pw []byte, secret int64) bool {
	if id == 0 || len(pw) != PasswordLen {
		return false
	}
	want := PasswordWithSecret(id, secret)
	for i := range want {
		if want[i] != pw[i] {
			return false
		}
	}
	return true
}

// javaRandom is java.util.Random's 48-bit linear congruential generator
// (Knuth, TAOCP vol. 2, 3.2.1), reproduced so that passwords equal the ones a
// Java ZooKeeper derives from the same id.
type javaRandom struct{ seed uint64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (uint64(seed) ^ javaMultiplier) & javaMask}
}

// next returns the top bits of the next seed, as Random.next(bits).
func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int32(r.seed >> (48 - bits))
}

// nextInt is Random.nextInt().
func (r *javaRandom) nextInt() int32 { return r.next(32) }

// nextBytes is Random.nextBytes: each int fills up to four bytes, low byte
// first.
func (r *javaRandom) nextBytes(b []byte) {
	for i := 0; i < len(b); {
		rnd := r.nextInt()
		for n := min(len(b)-i, 4); n > 0; n-- {
			b[i] = byte(rnd)
			i++
			rnd >>= 8
		}
	}
}

package tree

import (
	"reflect"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

// TestWhoAmIOrder: whoAmI lists identities in the iteration order of
// ZooKeeper's ConcurrentHashMap-backed authInfo set, as Apache ZooKeeper
// 3.8.0 answered the differential tests: addauth digest alice and bob
// before ip:127.0.0.1 (bucket 0 before 12), sasl:jaasuser after it (15).
func TestWhoAmIOrder(t *testing.T) {
	ip := wire.ID{Scheme: "ip", ID: "127.0.0.1"}
	alice := wire.ID{Scheme: "digest", ID: GenerateDigest("alice:secret")}
	bob := wire.ID{Scheme: "digest", ID: GenerateDigest("bob:pw")}
	jaas := wire.ID{Scheme: "sasl", ID: "jaasuser"}
	for _, c := range []struct{ in, want []wire.ID }{
		{[]wire.ID{ip, bob, alice}, []wire.ID{bob, alice, ip}},
		{[]wire.ID{ip, alice, bob}, []wire.ID{alice, bob, ip}},
		{[]wire.ID{ip, jaas}, []wire.ID{ip, jaas}},
		{[]wire.ID{ip, jaas, alice}, []wire.ID{alice, ip, jaas}},
	} {
		if got := javaSetOrder(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: %v, want %v", c.in, got, c.want)
		}
	}
	if h := javaStringHash("hello"); h != 99162322 {
		t.Errorf(`"hello".hashCode() = %d, want 99162322`, h)
	}
}
func TestClientHost(t *testing.T) {
	for _, c := range []struct{ remote, want string }{
		{"127.0.0.1:51234", "127.0.0.1"},
		{"[::1]:51234", "0:0:0:0:0:0:0:1"},
		{"[fe80::a:b0c:1%eth0]:1", "fe80:0:0:0:0:a:b0c:1%eth0"},
		{"[::ffff:10.0.0.7]:2181", "10.0.0.7"},
		{"[2001:db8::ff00:42]:2181", "2001:db8:0:0:0:0:ff00:42"},
		{"c3:17", "c3"}, // a simulated node
	} {
		if got := HostAddress(c.remote); got != c.want {
			t.Errorf("HostAddress(%q) = %q, want %q", c.remote, got, c.want)
		}
	}
}

package server

import (
	"reflect"
	"testing"

	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
)

// TestWhoAmIOrder: whoAmI lists identities in the iteration order of
// ZooKeeper's ConcurrentHashMap-backed authInfo set, as Apache ZooKeeper
// 3.8.0 answered the differential tests: addauth digest alice and bob
// before ip:127.0.0.1 (bucket 0 before 12), sasl:jaasuser after it (15).
func TestWhoAmIOrder(t *testing.T) {
	ip := wire.ID{Scheme: "ip", ID: "127.0.0.1"}
	alice := wire.ID{Scheme: "digest", ID: tree.GenerateDigest("alice:secret")}
	bob := wire.ID{Scheme: "digest", ID: tree.GenerateDigest("bob:pw")}
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

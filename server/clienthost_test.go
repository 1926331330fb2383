package server

import "testing"

func TestClientHost(t *testing.T) {
	for _, c := range []struct{ remote, want string }{
		{"127.0.0.1:51234", "127.0.0.1"},
		{"[::1]:51234", "0:0:0:0:0:0:0:1"},
		{"[fe80::a:b0c:1%eth0]:1", "fe80:0:0:0:0:a:b0c:1%eth0"},
		{"[::ffff:10.0.0.7]:2181", "10.0.0.7"},
		{"[2001:db8::ff00:42]:2181", "2001:db8:0:0:0:0:ff00:42"},
		{"c3:17", "c3"}, // a simulated node
	} {
		if got := clientHost(c.remote); got != c.want {
			t.Errorf("clientHost(%q) = %q, want %q", c.remote, got, c.want)
		}
	}
}

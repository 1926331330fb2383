package sasl

import (
	"reflect"
	"strings"
	"testing"
)

// kazoo 2.8's test harness writes this file for ZOOKEEPER_JAAS_AUTH=digest.
const kazooJAAS = `
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_super="super_secret"
    user_jaasuser="jaas_password";
};`

func TestParseJAASKazoo(t *testing.T) {
	j, err := ParseJAAS([]byte(kazooJAAS))
	if err != nil {
		t.Fatal(err)
	}
	users, ok, err := j.DigestUsers(DefaultServerSection)
	if err != nil || !ok {
		t.Fatalf("%v %v", ok, err)
	}
	want := map[string]string{"super": "super_secret", "jaasuser": "jaas_password"}
	if !reflect.DeepEqual(users, want) {
		t.Fatalf("users %v, want %v", users, want)
	}
	if _, ok, err := j.DigestUsers("Other"); ok || err != nil {
		t.Fatalf("missing section: %v %v", ok, err)
	}
}

func TestParseJAASForms(t *testing.T) {
	text := `// a comment
/* a block
   comment */ Client { org.apache.zookeeper.server.auth.DigestLoginModule REQUIRED username="bob" password="p\"w"; };
"Server" {
  org.apache.zookeeper.server.auth.DigestLoginModule optional user_a=bare user_a="second" debug=true;
  org.apache.zookeeper.server.auth.DigestLoginModule sufficient user_b="x y";
};
Empty { };`
	j, err := ParseJAAS([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if got := j["Client"][0].Options; !reflect.DeepEqual(got, []Option{{"username", "bob"}, {"password", `p"w`}}) {
		t.Fatalf("client options %q", got)
	}
	users, ok, err := j.DigestUsers("Server")
	if err != nil || !ok || !reflect.DeepEqual(users, map[string]string{"a": "second", "b": "x y"}) {
		t.Fatalf("server users %v %v %v", users, ok, err)
	}
	if users, ok, err := j.DigestUsers("Empty"); err != nil || !ok || len(users) != 0 {
		t.Fatalf("empty section: %v %v %v", users, ok, err)
	}
}

func TestParseJAASErrors(t *testing.T) {
	for _, bad := range []string{
		`Server {`,
		`Server { M required a="b" }`,
		`Server { M required a="b"; }`,
		`Server { M maybe; };`,
		`Server { M required a; };`,
		`Server { M required a="b; };`,
		`Server { }; Server { };`,
		`/* open`,
		`Server { M required a=@; };`,
	} {
		if _, err := ParseJAAS([]byte(bad)); err == nil || !strings.Contains(err.Error(), "JAAS config line") {
			t.Errorf("%q: %v, want a located error", bad, err)
		}
	}
	j, err := ParseJAAS([]byte(`Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.DigestUsers("Server"); err == nil || !strings.Contains(err.Error(), "Krb5LoginModule") {
		t.Fatalf("Kerberos section: %v, want an error naming the module", err)
	}
}

func FuzzParseJAAS(f *testing.F) {
	f.Add([]byte(kazooJAAS))
	f.Add([]byte(`A { b c d="\\"; }; /* x */`))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := ParseJAAS(b)
		if err == nil {
			for name := range j {
				_, _, _ = j.DigestUsers(name)
			}
		}
	})
}

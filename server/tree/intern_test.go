package tree

import "testing"

// Intern returns the tree's own path string for an existing node, and
// nothing for a missing one.
func TestIntern(t *testing.T) {
	tr := New()
	s, ok := tr.Intern([]byte("/zookeeper/quota"))
	if !ok || s != QuotaPath {
		t.Fatalf("Intern(/zookeeper/quota) = %q, %v", s, ok)
	}
	if s, ok := tr.Intern([]byte("/nope")); ok || s != "" {
		t.Fatalf("Intern(/nope) = %q, %v, want nothing", s, ok)
	}
	b := []byte("/zookeeper")
	if n := testing.AllocsPerRun(100, func() { _, _ = tr.Intern(b) }); n != 0 {
		t.Fatalf("Intern allocates %v times", n)
	}
}

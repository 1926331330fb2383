package server

import (
	"testing"

	"github.com/zabsim/zabsim/server/zab"
)

// Every Zab switch is documented, and nothing documented is unknown to Zab.
func TestZabBugsDocumented(t *testing.T) {
	doc := map[Bug]bool{}
	for _, b := range zabBugInfo {
		doc[b.Name] = true
	}
	for _, b := range zab.AllBugs() {
		if !doc[Bug(b.String())] {
			t.Errorf("zab switch %s has no BugInfo", b)
		}
		delete(doc, Bug(b.String()))
	}
	for b := range doc {
		t.Errorf("BugInfo %s names no zab switch", b)
	}
	if _, err := ParseBugs("zk-1208", []Bug{BugZK1208}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBugs("zk-1208,nope", []Bug{BugZK1208}); err == nil {
		t.Fatal("unknown switch accepted")
	}
}

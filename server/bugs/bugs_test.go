package bugs

import (
	"errors"
	"strings"
	"testing"
)

func TestTableAndParse(t *testing.T) {
	if len(All()) != int(limit-1) {
		t.Fatalf("%d entries, want %d", len(All()), limit-1)
	}
	for _, in := range All() {
		b, err := Parse(in.Name)
		if err != nil || b != in.Bug || b.String() != in.Name {
			t.Errorf("Parse(%q) = %v, %v", in.Name, b, err)
		}
		if in.JIRA == "" || in.Trigger == "" || in.Symptom == "" {
			t.Errorf("%s: incomplete entry", in.Name)
		}
	}
	s, err := ParseSet("zk-1208, zk-3911", "", "sync-no-quorum")
	if err != nil || !s.Has(ZK1208) || !s.Has(ZK3911) || !s.Has(SyncNoQuorum) || s.Has(ZK1154) {
		t.Fatalf("ParseSet = %v, %v", s, err)
	}
	if got := s.String(); got != "sync-no-quorum,zk-1208,zk-3911" {
		t.Errorf("String = %q", got)
	}
	_, err = ParseSet("zk-1208,nope")
	var u *UnknownError
	if !errors.As(err, &u) || u.Name != "nope" || !strings.Contains(err.Error(), "zk-3642") {
		t.Errorf("unknown name: %v", err)
	}
}

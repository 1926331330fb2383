package main

import (
	"strings"
	"testing"

	"github.com/zabsim/zabsim/studies"
	"github.com/zabsim/zabsim/study"
)

// TestListDescribesStudies: zabsim list prints every case study's summary
// and every checker's, from the plug-ins themselves.
func TestListDescribesStudies(t *testing.T) {
	code, out := zabsim(t, "list")
	if code != 0 {
		t.Fatal(out)
	}
	for _, st := range studies.All() {
		if !strings.Contains(out, "  "+st.Name) || !strings.Contains(out, study.Summary(st.Doc)) {
			t.Errorf("list does not describe the study %s", st.Name)
		}
	}
	for _, c := range studies.Checkers() {
		if !strings.Contains(out, study.Summary(c.Doc)) {
			t.Errorf("list does not describe the checker %s", c.Name)
		}
	}
}

package study_test

import (
	"strings"
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

func validStudy() *study.Study {
	return &study.Study{
		Name:     "demo",
		Doc:      "a demo\nbody",
		Workload: workloads.Define("demo", 1, 0, nil),
		Checkers: []*study.Checker{study.Stats},
		Schema:   study.Schema{Ops: []string{"read"}, Doc: "f \"read\""},
	}
}

func TestValidate(t *testing.T) {
	if err := validStudy().Validate(); err != nil {
		t.Fatalf("a complete study: %v", err)
	}
	for name, c := range map[string]struct {
		edit func(*study.Study)
		want string
	}{
		"name":          {func(s *study.Study) { s.Name = "Demo" }, "study name"},
		"doc":           {func(s *study.Study) { s.Doc = " " }, "no Doc"},
		"workload":      {func(s *study.Study) { s.Workload = nil }, "no Workload"},
		"workload name": {func(s *study.Study) { s.Workload = workloads.Define("other", 1, 0, nil) }, `named "other"`},
		"checkers":      {func(s *study.Study) { s.Checkers = nil }, "no Checkers"},
		"twice":         {func(s *study.Study) { s.Checkers = append(s.Checkers, study.Stats) }, "listed twice"},
		"checker new": {func(s *study.Study) {
			s.Checkers = []*study.Checker{{Name: "x", Doc: "x"}}
		}, "has no New"},
		"checker name": {func(s *study.Study) {
			s.Checkers = []*study.Checker{{Name: "X y", Doc: "x", New: func(study.Params) checker.Checker { return nil }}}
		}, "checker name"},
		"schema": {func(s *study.Study) { s.Schema = study.Schema{} }, "Schema"},
	} {
		s := validStudy()
		c.edit(s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Validate() = %v, want an error with %q", name, err, c.want)
		}
	}
}

func TestSummary(t *testing.T) {
	if got := study.Summary("\n first line\nsecond"); got != "first line" {
		t.Fatalf("Summary = %q", got)
	}
}

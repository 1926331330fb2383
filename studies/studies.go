package studies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/studies/api"
	"github.com/zabsim/zabsim/studies/bank"
	"github.com/zabsim/zabsim/studies/config"
	"github.com/zabsim/zabsim/studies/durability"
	"github.com/zabsim/zabsim/studies/election"
	"github.com/zabsim/zabsim/studies/exhibitor"
	"github.com/zabsim/zabsim/studies/lock"
	"github.com/zabsim/zabsim/studies/register"
	"github.com/zabsim/zabsim/studies/registry"
	"github.com/zabsim/zabsim/studies/sequential"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// all is every study, in name order. The order is part of what a seed
// means: a drawn configuration picks its workload from this list.
var all = []*study.Study{
	api.Study,
	bank.Study,
	config.Study,
	durability.Study,
	election.Study,
	exhibitor.Study,
	lock.Study,
	register.Study,
	registry.Study,
	sequential.Study,
}

// checkers is every checker of every study, by name.
var checkers = map[string]*study.Checker{}

func init() {
	if err := validate(); err != nil {
		panic(err)
	}
}

// validate checks every study, the list's order and that one checker name
// means one checker.
func validate() error {
	for i, s := range all {
		if err := s.Validate(); err != nil {
			return err
		}
		if i > 0 && all[i-1].Name >= s.Name {
			return fmt.Errorf("studies: %s listed after %s: keep the list in name order", s.Name, all[i-1].Name)
		}
		for _, c := range s.Checkers {
			if prev, ok := checkers[c.Name]; ok && prev != c {
				return fmt.Errorf("studies: two checkers named %s", c.Name)
			}
			checkers[c.Name] = c
		}
	}
	return nil
}

// All returns every study, in name order.
func All() []*study.Study { return slices.Clone(all) }

// Names returns the studies' names, in order.
func Names() []string {
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.Name
	}
	return out
}

// ByName returns the named study.
func ByName(name string) (*study.Study, error) {
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown workload %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Checkers returns every study's checkers, sorted by name, each once.
func Checkers() []*study.Checker {
	out := make([]*study.Checker, 0, len(checkers))
	for _, name := range CheckerNames() {
		out = append(out, checkers[name])
	}
	return out
}

// CheckerNames returns the checkers' names, sorted.
func CheckerNames() []string {
	out := make([]string, 0, len(checkers))
	for name := range checkers {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Checker returns the named checker.
func Checker(name string) (*study.Checker, error) {
	if c, ok := checkers[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("unknown checker %q (known: %s)", name, strings.Join(CheckerNames(), ", "))
}

// Workload returns the named study's workload.
func Workload(name string) (workloads.Workload, error) {
	s, err := ByName(name)
	if err != nil {
		return nil, err
	}
	return s.Workload, nil
}

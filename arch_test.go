package zabsim_test

// This test enforces the dependency direction and determinism rules of
// ARCHITECTURE.md with `go list`: the deterministic core never depends on the
// simulator or the real runtime, and never imports the packages that would let
// wall-clock time, goroutine scheduling or OS state into a simulated run.

import (
	"encoding/json"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/zabsim/zabsim"

type listedPkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []listedPkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []listedPkg
	for {
		var p listedPkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// rel returns the package path relative to the module ("" for outside it).
func rel(path string) string {
	if path == module {
		return "."
	}
	if s, ok := strings.CutPrefix(path, module+"/"); ok {
		return s
	}
	return ""
}

// under reports whether relPath is dir or inside it; a trailing "$" on dir
// means the package itself only (so "server$" forbids the server package but
// not server/wire).
func under(relPath, dir string) bool {
	if d, exact := strings.CutSuffix(dir, "$"); exact {
		return relPath == d
	}
	return relPath == dir || strings.HasPrefix(relPath, dir+"/")
}

// forbiddenDeps maps a package tree to the module trees it must never depend
// on, even transitively.
var forbiddenDeps = map[string][]string{
	"proc":      {"sim", "live", "server", "client", "history", "model", "checker", "workloads", "nemesis", "scenarios", "reports", "cmd"},
	"sim":       {"server", "client", "checker", "scenarios", "reports", "live", "workloads", "model", "cmd"},
	"server":    {"sim", "live", "checker", "scenarios", "reports", "nemesis", "workloads", "client", "model", "cmd"},
	"client":    {"sim", "live", "server$", "checker", "scenarios", "reports", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "cmd"},
	"history":   {"sim", "live", "server", "client", "checker", "model", "scenarios", "reports", "cmd"},
	"model":     {"sim", "live", "server", "client", "checker", "scenarios", "reports", "cmd"},
	"checker":   {"sim", "live", "server", "client", "scenarios", "reports", "workloads", "cmd"},
	"nemesis":   {"sim", "live", "server", "client", "checker", "scenarios", "reports", "cmd"},
	"workloads": {"sim", "live", "server$", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "checker", "scenarios", "reports", "cmd"},
	"reports":   {"sim", "live", "server", "client", "scenarios", "cmd"},
	"scenarios": {"live", "liverun", "cmd"},
	"serve":     {"live", "liverun", "cmd"},
	"live":      {"sim", "scenarios", "simbench", "serve", "cmd", "liverun"},
	"liverun":   {"cmd"},

	// The live tier by job: the runtime hosts any process; the supervisor
	// starts servers as processes; the clients never see the server.
	"live$":           {"server", "client", "workloads", "nemesis", "checker", "model", "history", "reports", "live/cluster", "live/serverproc", "live/zkclient", "live/crosscheck", "live/bench", "live/livetest"},
	"live/cluster":    {"server$", "server/zab", "server/tree", "server/session", "server/storage", "client", "workloads", "live/serverproc", "live/zkclient", "live/crosscheck", "live/bench", "live/livetest"},
	"live/serverproc": {"client", "workloads", "nemesis", "checker", "live/cluster", "live/zkclient", "live/crosscheck", "live/bench", "live/livetest"},
	"live/zkclient":   {"server$", "server/zab", "server/tree", "server/session", "server/storage", "live/cluster", "live/serverproc", "live/crosscheck", "live/bench", "live/livetest"},
	"live/crosscheck": {"live/bench", "live/livetest"},
	"live/bench":      {"live/crosscheck", "live/livetest"},
	"simbench":        {"live", "liverun", "serve", "cmd"},
}

// deterministic trees must not import these standard packages directly.
var deterministic = []string{"proc", "sim", "server", "client", "workloads", "model", "nemesis", "history"}
var forbiddenStd = []string{"net", "os", "os/exec", "sync", "math/rand", "crypto/rand", "net/http"}

func TestDependencyDirection(t *testing.T) {
	if testing.Short() {
		t.Log("runs in short mode too: it is cheap")
	}
	pkgs := listPackages(t)
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	var problems []string
	for _, p := range pkgs {
		r := rel(p.ImportPath)
		for tree, bad := range forbiddenDeps {
			if !under(r, tree) {
				continue
			}
			for _, d := range p.Deps {
				dr := rel(d)
				for _, b := range bad {
					if dr != "" && under(dr, b) && !(tree == "server" && under(dr, "server")) {
						problems = append(problems, p.ImportPath+" depends on "+d)
					}
				}
			}
		}
		for _, tree := range deterministic {
			if !under(r, tree) {
				continue
			}
			for _, imp := range p.Imports {
				for _, f := range forbiddenStd {
					if imp == f {
						problems = append(problems, p.ImportPath+" imports "+imp+" (deterministic package)")
					}
				}
			}
		}
	}
	sort.Strings(problems)
	for _, s := range problems {
		t.Error(s)
	}
}

// TestArchRuleCatchesViolation shows the rule can fail: a synthetic package
// list with a forbidden edge must be reported.
func TestArchRuleCatchesViolation(t *testing.T) {
	bad := forbiddenDeps["server"]
	found := false
	for _, b := range bad {
		if under(rel(module+"/sim"), b) {
			found = true
		}
	}
	if !found {
		t.Fatal("server -> sim is not forbidden")
	}
	if !under("server/zab", "server") || under("serverx", "server") {
		t.Fatal("under() prefix matching is wrong")
	}
	if !under("server", "server$") || under("server/wire", "server$") {
		t.Fatal("under() exact matching is wrong")
	}
}

package zabsim_test

// This test enforces the dependency direction and determinism rules of
// ARCHITECTURE.md with `go list`: the deterministic core never depends on the
// simulator or the real runtime, and never imports the packages that would let
// wall-clock time, goroutine scheduling or OS state into a simulated run.

import (
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	"proc":      {"sim", "live", "server", "client", "history", "model", "checker", "workloads", "nemesis", "scenario", "simrun", "rundir", "campaign", "reports", "cmd"},
	"sim":       {"server", "client", "checker", "scenario", "simrun", "rundir", "campaign", "reports", "live", "workloads", "model", "cmd"},
	"server":    {"sim", "live", "checker", "scenario", "simrun", "rundir", "campaign", "reports", "nemesis", "workloads", "client", "model", "cmd"},
	"client":    {"sim", "live", "server$", "checker", "scenario", "simrun", "rundir", "campaign", "reports", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "cmd"},
	"history":   {"sim", "live", "server", "client", "checker", "model", "study", "studies", "scenario", "simrun", "rundir", "campaign", "reports", "cmd"},
	"model":     {"sim", "live", "server", "client", "checker", "study", "studies", "scenario", "simrun", "rundir", "campaign", "reports", "cmd"},
	"checker":   {"sim", "live", "server", "client", "study", "studies", "scenario", "simrun", "rundir", "campaign", "reports", "workloads", "cmd"},
	"nemesis":   {"sim", "live", "server", "client", "checker", "scenario", "simrun", "rundir", "campaign", "reports", "cmd"},
	"workloads": {"sim", "live", "server$", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "checker", "study", "studies", "scenario", "simrun", "rundir", "campaign", "reports", "cmd"},
	"reports":   {"sim", "live", "server", "client", "scenario", "simrun", "rundir", "campaign", "cmd"},
	// A case study (study's type, studies' registry and plug-ins) is a
	// worker, checkers and value types: no simulator, runtime, server or
	// scenario layer.
	"study":   {"sim", "live", "server$", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "studies", "scenario", "simrun", "rundir", "campaign", "reports", "serve", "liverun", "cmd"},
	"studies": {"sim", "live", "server$", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "scenario", "simrun", "rundir", "campaign", "reports", "serve", "liverun", "cmd"},
	// The server internals a scenario must not reach; server/wire is the
	// codec the client shares, which the workloads bring in.
	"scenario": {"sim", "simrun", "server$", "server/zab", "server/prep", "server/quorum", "server/monitor", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "server/sasl", "live", "liverun", "rundir", "campaign", "serve", "cmd"},
	"rundir":   {"sim", "simrun", "server$", "server/zab", "server/tree", "server/session", "server/storage", "server/txn", "server/config", "server/sasl", "live", "liverun", "campaign", "serve", "cmd"},
	"simrun":   {"live", "liverun", "campaign", "serve", "cmd"},
	"campaign": {"live", "liverun", "serve", "cmd"},
	"serve":    {"sim", "simrun", "campaign", "live", "liverun", "cmd"},
	"live":     {"sim", "simrun", "campaign", "simbench", "serve", "cmd", "liverun"},
	// liverun runs scenarios against real processes: no simulator code.
	"liverun": {"sim", "simrun", "campaign", "cmd"},

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
var deterministic = []string{"proc", "sim", "server", "client", "workloads", "studies", "study", "model", "nemesis", "history"}
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
	for _, b := range []string{"sim", "simrun"} {
		if !slices.Contains(forbiddenDeps["liverun"], b) {
			t.Fatalf("liverun -> %s is not forbidden", b)
		}
	}
	if under("simrun", "sim") {
		t.Fatal("under() takes simrun for sim")
	}
	if !under("server/zab", "server") || under("serverx", "server") {
		t.Fatal("under() prefix matching is wrong")
	}
	if !under("server", "server$") || under("server/wire", "server$") {
		t.Fatal("under() exact matching is wrong")
	}
}

// nondeterministic matches what ../shared/tools/archcheck forbids in
// deterministic sources: the wall clock, sleeps and timers, goroutines,
// locks and global randomness.
var nondeterministic = regexp.MustCompile(`time\.(Now|Since|Until|Sleep|After|AfterFunc|Tick|NewTimer|NewTicker)\(|^\s*go\s+[A-Za-z_(]|\bsync\.(Mutex|RWMutex|WaitGroup|Once|Cond)\b|\brand\.(Int|Intn|Int63|Int31|Float64|Perm|Shuffle|Seed|Uint64|IntN|N)\(|crypto/rand`)

// TestStudiesAreDeterministic applies archcheck's source rule to the case
// studies (archcheck's own list of trees predates them): a study's worker
// runs inside the simulation.
func TestStudiesAreDeterministic(t *testing.T) {
	var files int
	for _, dir := range []string{"study", "studies"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			files++
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(src), "\n") {
				if nondeterministic.MatchString(line) && !strings.Contains(line, "//archcheck:allow") {
					t.Errorf("%s:%d: %s", path, i+1, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files == 0 {
		t.Fatal("no study sources found")
	}
	if !nondeterministic.MatchString("\tgo b.run()") || !nondeterministic.MatchString("t := time.Now()") {
		t.Fatal("the source rule does not match what it forbids")
	}
}

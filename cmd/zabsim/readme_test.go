package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/scenario"
)

// readmeExample is one `zabsim ...` line of README.md.
type readmeExample struct {
	line    int    // in README.md
	command string // verbatim, without its comment
	exit    int    // documented: "→ exit N" in its comment, else 0
}

// documentedExit is how README.md says an example does not exit 0.
var documentedExit = regexp.MustCompile(`→ exit (\d)`)

// readmeExamples extracts the simulator examples from README.md's sh code
// blocks: every line starting with "zabsim ", in order, except those that
// need the live tier (everything below a "# Live tier" comment in a block,
// and the server, live, crosscheck and bench --target commands) and serve,
// which runs until it is stopped (TestServeCommand and reports'
// TestBrowserServe run it).
func readmeExamples(t *testing.T, readme []byte) []readmeExample {
	t.Helper()
	var out []readmeExample
	inBlock, live := false, false
	sc := bufio.NewScanner(bytes.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inBlock = !inBlock && line == "```sh"
			live = false
			continue
		case !inBlock:
			continue
		case strings.HasPrefix(line, "#") && strings.Contains(strings.ToLower(line), "live tier"):
			live = true
			continue
		case live || !strings.HasPrefix(line, "zabsim "):
			continue
		}
		command, comment, _ := strings.Cut(line, " #")
		command = strings.TrimSpace(command)
		f := strings.Fields(command)
		if len(f) > 1 && (f[1] == "server" || f[1] == "serve" || f[1] == "live" || f[1] == "crosscheck" ||
			f[1] == "bench" && (strings.Contains(command, "--target") || strings.Contains(command, "-target"))) {
			continue
		}
		ex := readmeExample{line: n, command: command}
		if m := documentedExit.FindStringSubmatch(comment); m != nil {
			ex.exit, _ = strconv.Atoi(m[1])
		}
		out = append(out, ex)
	}
	return out
}

// TestREADMEExamples runs README.md's simulator examples verbatim, in
// order, with a freshly built binary on PATH, from a fresh copy of the
// repository (its tracked files, no store/ or out/), and requires each to
// exit with its documented code (issue 20).
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README example (~30 s)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := readmeExamples(t, readme)
	if len(examples) < 10 {
		t.Fatalf("found %d simulator examples in README.md; the extraction is broken", len(examples))
	}
	clone := t.TempDir()
	copyRepository(t, root, clone)
	bin := buildBinary(t)
	binDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(binDir, "zabsim")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	start := time.Now()
	for _, ex := range examples {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "sh", "-c", ex.command)
		cmd.Dir, cmd.Env = clone, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		cancel()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("README.md:%d %s: %v", ex.line, ex.command, err)
		}
		t.Logf("README.md:%d exit %d in %.1fs: %s", ex.line, code, time.Since(t0).Seconds(), ex.command)
		if code != ex.exit {
			t.Errorf("README.md:%d %s: exit %d, documented %d\n%s", ex.line, ex.command, code, ex.exit, tail(out.String(), 40))
		}
	}
	t.Logf("%d examples in %.1fs", len(examples), time.Since(start).Seconds())
}

// TestREADMEScenarioFileIsTheExample: the scenario file README.md shows is
// the one its example runs, examples/my-register.yaml, and it parses.
func TestREADMEScenarioFileIsTheExample(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no yaml block")
	}
	file, err := os.ReadFile(filepath.Join(root, "examples", "my-register.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(m[1]) != string(file) {
		t.Errorf("README.md's scenario file differs from examples/my-register.yaml:\n%s\n---\n%s", m[1], file)
	}
	if _, err := scenario.ParseFile("my-register.yaml", file); err != nil {
		t.Error(err)
	}
}

// TestREADMEExampleExtraction pins what readmeExamples takes and skips.
func TestREADMEExampleExtraction(t *testing.T) {
	md := "text\n```sh\nmake run\nzabsim run --seed 1   # fine\nzabsim run --bug x  # caught → exit 1\n" +
		"zabsim server --config zoo.cfg\nzabsim bench --target both\nzabsim bench --sim\n\n# Live tier (needs deps)\nzabsim list\n```\n" +
		"```yaml\nzabsim: no\n```\n```\nzabsim plain-block\n```\n```sh\nzabsim --version\n```\n"
	got := readmeExamples(t, []byte(md))
	want := []readmeExample{{4, "zabsim run --seed 1", 0}, {5, "zabsim run --bug x", 1}, {8, "zabsim bench --sim", 0}, {20, "zabsim --version", 0}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("example %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// copyRepository copies the repository's files (tracked, and untracked but
// not ignored: what a commit of the working tree would hold) from root to
// dst, as a fresh clone would have them.
func copyRepository(t *testing.T, root, dst string) {
	t.Helper()
	list, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (the README test needs a git checkout)", err)
	}
	seen := map[string]bool{} // a path in conflict is listed once per stage
	for _, rel := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if seen[rel] {
			continue
		}
		seen[rel] = true
		src := filepath.Join(root, rel)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or a symlink
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(src, target, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

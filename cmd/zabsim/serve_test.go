package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeUsageErrors: a bad --addr or a --store that is not a directory
// is exit 2 with a message naming the flag, before anything listens.
func TestServeUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--store", t.TempDir(), "--addr", "localhost"}, "--addr"},
		{[]string{"serve", "--store", filepath.Join(t.TempDir(), "none"), "--addr", "127.0.0.1:0"}, "--store"},
		{[]string{"serve", "--store", file, "--addr", "127.0.0.1:0"}, "--store"},
		{[]string{"serve", "extra"}, "unknown command"},
	} {
		code, out := zabsim(t, c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("zabsim %s: exit %d, want 2 naming %s\n%s", strings.Join(c.args, " "), code, c.want, out)
		}
	}
}

// TestServeCommand starts `zabsim serve` on a free port over a store with
// one run, fetches the index and the run's page, and stops it with SIGINT
// (exit 0).
func TestServeCommand(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	if code, out := zabsim(t, "run", "--scenario", "sequential-clock", "--seed", "4", "--store", store); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	cmd := exec.Command(buildBinary(t), "serve", "--store", store, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v", err)
	}
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if base == "" {
		t.Fatalf("zabsim serve printed %q", line)
	}
	body := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
		}
		return string(b)
	}
	index := body("/")
	run := regexp.MustCompile(`href="(/run/runs/sequential-clock/[^"]+)"`).FindStringSubmatch(index)
	if run == nil {
		t.Fatalf("the index lists no run:\n%s", index)
	}
	if page := body(run[1]); !strings.Contains(page, "sequential-clock") || !strings.Contains(page, "history.jsonl") {
		t.Errorf("run page lacks the scenario or the history file")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("zabsim serve after SIGINT: %v, want exit 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("zabsim serve did not stop within 10 s of SIGINT")
	}
}

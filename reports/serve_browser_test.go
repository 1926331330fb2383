//go:build linux

package reports_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserServe runs `zabsim serve` over a results store holding a few
// simulated runs (made by `zabsim run --store` and `zabsim suite --store`),
// and loads its pages in headless Chromium: the index, a filtered index, a
// run page, its history view, the run's report page, two runs side by side
// and a suite page,
// each with no console error, failed load or dead link. The browser
// reaches zabsim serve through a recording proxy, so every response >= 400
// the browser saw is reported too.
func TestBrowserServe(t *testing.T) {
	chromium := requireChromium(t)
	out := outputDir(t)
	bin := zabsimBinary(t)
	store := filepath.Join(out, "store")
	if err := os.RemoveAll(store); err != nil {
		t.Fatal(err)
	}
	runStore(t, bin, 0, "run", "--scenario", "register-partition", "--seed", "1", "--store", store)
	runStore(t, bin, 1, "run", "--scenario", "register-partition", "--seed", "2", "--bug", "zk-1154", "--store", store)
	runStore(t, bin, 0, "run", "--scenario", "sequential-clock", "--seed", "3", "--store", store)
	runStore(t, bin, 0, "suite", "--suite", "default", "--seeds", "1", "--shard", "0/11", "--parallel", "1", "--quiet", "--store", store)

	base := startServe(t, bin, store)
	srv := newProxyServer(t, base)
	b := startBrowser(t, chromium)

	index := b.check(t, srv, "", filepath.Join(out, "serve-index.png"))
	assertContains(t, "index", index.text, "Runs")
	runLinks := linksWith(index.links, srv.URL+"/run/")
	if len(runLinks) < 4 {
		t.Fatalf("the index links %d runs, want 4 or more: %v", len(runLinks), index.links)
	}
	failed := b.check(t, srv, "?verdict=failed", filepath.Join(out, "serve-failed.png"))
	if got := linksWith(failed.links, srv.URL+"/run/"); len(got) == 0 || len(got) >= len(runLinks) {
		t.Errorf("?verdict=failed lists %d of %d runs, want the failing ones only", len(got), len(runLinks))
	}
	suites := linksWith(index.links, srv.URL+"/files/suites/")
	if len(suites) == 0 {
		t.Error("the index links no suite page")
	} else {
		b.check(t, srv, strings.TrimPrefix(suites[0], srv.URL+"/"), filepath.Join(out, "serve-suite.png"))
	}

	var runPage pageResult
	runRel := ""
	for _, l := range runLinks {
		if strings.Contains(l, "register-partition") {
			runRel = strings.TrimPrefix(l, srv.URL+"/run/")
			runPage = b.check(t, srv, strings.TrimPrefix(l, srv.URL+"/"), filepath.Join(out, "serve-run.png"))
			break
		}
	}
	if runPage.images == 0 {
		t.Error("the run page shows no plots")
	}
	report := linksWith(runPage.links, srv.URL+"/files/"+runRel+"/index.html")
	compare := linksWith(runPage.links, srv.URL+"/compare?")
	if len(report) == 0 || len(compare) == 0 {
		t.Fatalf("the run page links no report page (%d) or no comparison (%d): %v", len(report), len(compare), runPage.links)
	}
	if hist := linksWith(runPage.links, srv.URL+"/history/"); len(hist) == 0 {
		t.Error("the run page links no history view")
	} else {
		h := b.check(t, srv, strings.TrimPrefix(hist[0], srv.URL+"/"), filepath.Join(out, "serve-history.png"))
		assertContains(t, "history page", h.text, "records")
	}
	reportPage := b.check(t, srv, strings.TrimPrefix(report[0], srv.URL+"/"), filepath.Join(out, "serve-report.png"))
	assertContains(t, "report page", reportPage.text, "Reproduce")
	cmp := b.check(t, srv, strings.TrimPrefix(compare[0], srv.URL+"/"), filepath.Join(out, "serve-compare.png"))
	assertContains(t, "compare page", cmp.text, "side by side")
	if cmp.images < 2 {
		t.Errorf("the compare page shows %d plots, want both runs' plots", cmp.images)
	}
	compareFromIndex(t, b, srv)
	srv.assertNoBadResponses(t)
	t.Logf("store and screenshots in %s", out)
}

// compareFromIndex picks the first two runs of the index as A and B, as a
// person clicks them, submits the form and requires the comparison page.
func compareFromIndex(t *testing.T, b *browser, srv *staticServer) {
	t.Helper()
	s, closeTab := b.openTab(t)
	defer closeTab()
	if err := b.navigate(t, s, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	problems := eventProblems(b.takeEvents(s))
	b.evaluate(t, s, `(() => {
  document.querySelectorAll('input[name=a]')[0].click();
  document.querySelectorAll('input[name=b]')[1].click();
  document.querySelector('form[action="/compare"] button[type=submit]').click();
  return "";
})()`, nil)
	if err := b.waitEvent(s, "Page.loadEventFired"); err != nil {
		t.Fatalf("submitting the index's compare form: %v", err)
	}
	var page struct {
		Text string `json:"text"`
		URL  string `json:"url"`
	}
	b.evaluate(t, s, `JSON.stringify({text: document.body.innerText, url: location.href})`, &page)
	problems = append(problems, eventProblems(b.takeEvents(s))...)
	for _, p := range problems {
		t.Errorf("index → compare: %s", p)
	}
	if !strings.Contains(page.URL, "/compare?a=") || !strings.Contains(page.Text, "side by side") {
		t.Errorf("the index's compare form led to %s: %.200q", page.URL, page.Text)
	}
}

func linksWith(links []string, sub string) []string {
	var out []string
	for _, l := range links {
		if strings.Contains(l, sub) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// runStore runs zabsim and requires exit code want.
func runStore(t *testing.T, bin string, want int, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	outb, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if code := cmd.ProcessState.ExitCode(); code != want || err != nil && !errors.As(err, &exit) {
		t.Fatalf("zabsim %s: exit %d (%v), want %d\n%s", strings.Join(args, " "), code, err, want, outb)
	}
}

// startServe starts `zabsim serve` on a free port and returns its URL; the
// server is stopped with SIGINT (and must exit 0) when the test ends.
func startServe(t *testing.T, bin, store string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--store", store, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr tailBuffer
	stderr.max = 8 << 10
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("zabsim serve after SIGINT: %v, want exit 0\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("zabsim serve did not stop within 10 s of SIGINT")
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(l)
		if m == "" {
			t.Fatalf("zabsim serve printed %q, not its address\n%s", l, stderr.String())
		}
		return m
	case <-time.After(30 * time.Second):
		t.Fatalf("zabsim serve printed no address in 30 s\n%s", stderr.String())
	}
	return ""
}

// newProxyServer is a staticServer whose content comes from target (a
// running zabsim serve): the browser checks get its URL and client, and
// the proxy records every response >= 400 the browser asked for.
func newProxyServer(t *testing.T, target string) *staticServer {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	s := &staticServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(rec, r)
		if rec.status >= 400 && !isFavicon(r.URL.Path) && r.Header.Get(linkCheckHeader) == "" {
			s.mu.Lock()
			s.bad = append(s.bad, fmt.Sprintf("%d %s", rec.status, r.URL.String()))
			s.mu.Unlock()
		}
	}))
	t.Cleanup(s.Close)
	return s
}

//go:build linux

package reports_test

// The browser tests load report pages in a real headless Chromium and fail on
// anything a person opening them would see go wrong: a console error, an
// uncaught exception, a request that failed or answered >= 400, an image that
// did not decode, a link to a file that is not there. They also save a
// screenshot of every page for a person to look at.
//
// They need Debian's chromium (scripts/deps-browser.sh installs it) and run
// when
//   - ZABSIM_BROWSER=1 (what `make test-browser` and CI set): chromium is then
//     required, and its absence is a failure, not a skip; or
//   - chromium is installed and the test is asked for by name
//     (go test -run Browser ./reports).
// A plain `go test ./...` skips them: they build the CLI and run a suite.
//
// Chromium is driven over the DevTools protocol on --remote-debugging-pipe
// (NUL-terminated JSON on file descriptors 3 and 4), which needs nothing
// beyond the standard library and, unlike scraping --enable-logging output,
// sees failed loads and exceptions as structured events.
//
// The suite is built by the zabsim binary, not by importing scenarios:
// reports must not depend on scenarios, and the CLI is what users run.
//
// Environment:
//
//	ZABSIM_BROWSER=1        run, and fail if chromium is missing
//	ZABSIM_CHROMIUM=PATH    the browser (default /usr/bin/chromium)
//	ZABSIM_BIN=PATH         a built zabsim (default: go build into a temp dir)
//	ZABSIM_BROWSER_OUT=DIR  keep the suite and screenshots in DIR (default: a temp dir)
//	ZABSIM_BROWSER_SUITE=DIR check this existing suite instead of running one (a
//	                        missing run page is rendered into it with `zabsim report`)

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	defaultChromium = "/usr/bin/chromium"
	// cdpTimeout bounds one DevTools round trip, including a page load.
	cdpTimeout = 30 * time.Second
	// suiteTimeout bounds building zabsim plus running the suite; the suite
	// itself takes about 10 s on two cores.
	suiteTimeout     = 5 * time.Minute
	viewportWidthPX  = 1280
	viewportHeightPX = 900
	// A full-page screenshot is capped: Porcupine's timeline can be tens of
	// thousands of pixels wide, beyond what the compositor will rasterize.
	maxShotWidthPX  = 2560
	maxShotHeightPX = 6000
)

// TestBrowserSuiteReport builds a real suite with the zabsim CLI, serves it
// over HTTP on loopback, and loads the suite's index.html, one run's
// index.html and that run's Porcupine timeline.html in headless Chromium.
func TestBrowserSuiteReport(t *testing.T) {
	chromium := requireChromium(t)
	out := outputDir(t)
	bin := zabsimBinary(t)
	suiteDir := os.Getenv("ZABSIM_BROWSER_SUITE")
	if suiteDir == "" {
		suiteDir = filepath.Join(out, "suite")
		runSuite(t, bin, suiteDir)
	}

	srv := newStaticServer(t, suiteDir)
	b := startBrowser(t, chromium)

	suite := b.check(t, srv, "index.html", filepath.Join(out, "suite.png"))
	assertSuiteListsRuns(t, suiteDir, suite, srv.URL)

	run := pickRun(t, suiteDir)
	if _, err := os.Stat(filepath.Join(suiteDir, run, "index.html")); err != nil {
		// The suite page links every run; a run without its own page
		// leaves the reader with a bare directory. Render it so the run
		// page itself still gets checked below.
		t.Errorf("zabsim suite wrote no %s/index.html (run pages are not rendered by `suite`); rendering it with `zabsim report`", run)
		runCmd(t, bin, "report", filepath.Join(suiteDir, run))
	}
	runPage := b.check(t, srv, path.Join(filepath.ToSlash(run), "index.html"), filepath.Join(out, "run.png"))
	assertContains(t, "run page", runPage.text, "Reproduce")
	if runPage.images == 0 {
		t.Errorf("run page %s shows no plots", run)
	}
	timeline := b.check(t, srv, path.Join(filepath.ToSlash(run), "timeline.html"), filepath.Join(out, "timeline.png"))
	if timeline.svgs == 0 {
		t.Errorf("timeline.html of %s drew no SVG: Porcupine's script did not render", run)
	}
	srv.assertNoBadResponses(t)
	t.Logf("suite and screenshots in %s", out)
}

// TestBrowserFailingRun runs the failing linearizability run (a
// history too long for Porcupine's whole timeline) and loads its page: the
// plain-language account, the failing window drawn as a timeline whose bars
// link into the history excerpt, every anomaly op a link to its row, the
// servers' logs linked, and timeline.html a real Porcupine drawing of the
// window, not a stub.
func TestBrowserFailingRun(t *testing.T) {
	chromium := requireChromium(t)
	out := outputDir(t)
	bin := zabsimBinary(t)
	dir := filepath.Join(out, "failing-run")
	_ = os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--scenario", "bug-sync-no-quorum", "--seed", "1", "--bug", "sync-no-quorum", "--out", dir)
	outb, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("zabsim run: want exit 1 (a violation), got %v\n%s", err, outb)
	}
	srv := newStaticServer(t, dir)
	b := startBrowser(t, chromium)
	page := b.check(t, srv, "index.html", filepath.Join(out, "failing-run.png"))
	for _, want := range []string{"What went wrong", "stale-read", "Failing windows", "key k2", "have no linearization",
		"History around the anomalies", "Server logs", "logs/s1.log", "simulated"} {
		assertContains(t, "failing run page", page.text, want)
	}
	if page.svgs == 0 {
		t.Errorf("failing run page drew no window")
	}
	var toRows, toLogs int
	for _, l := range page.links {
		switch {
		case strings.Contains(l, "#op-"):
			toRows++
		case strings.HasSuffix(l, ".log"):
			toLogs++
		}
	}
	// Two cited ops, linked from the anomaly and from their bars.
	if toRows < 4 || toLogs != 3 {
		t.Errorf("failing run page links %d history rows (want >= 4) and %d server logs (want 3)", toRows, toLogs)
	}
	timeline := b.check(t, srv, "timeline.html", filepath.Join(out, "failing-run-timeline.png"))
	if timeline.svgs == 0 || strings.Contains(timeline.text, "skipped") {
		t.Errorf("timeline.html drew no Porcupine timeline of the failing window; text starts %.200q", timeline.text)
	}
	assertContains(t, "timeline of the failing window", timeline.text, "read(k2) -> 2581@v565")
	srv.assertNoBadResponses(t)
}

// assertSuiteListsRuns checks the suite page against suite.json: the run
// count, a link into every run's directory, and every run error spelled out
// (a run that errored has no checker verdict to explain it).
func assertSuiteListsRuns(t *testing.T, suiteDir string, page pageResult, base string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(suiteDir, "suite.json"))
	if err != nil {
		t.Fatalf("suite.json: %v", err)
	}
	var entries []struct {
		Dir   string `json:"dir"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatalf("suite.json: %v", err)
	}
	if len(entries) == 0 {
		t.Fatal("suite.json lists no runs")
	}
	assertContains(t, "suite page", page.text, fmt.Sprintf("%d runs:", len(entries)))
	for _, e := range entries {
		prefix := base + "/" + relHrefOf(e.Dir) + "/"
		if !slices.ContainsFunc(page.links, func(l string) bool { return strings.HasPrefix(l, prefix) }) {
			t.Errorf("suite page has no link into run %s", e.Dir)
		}
		if e.Error != "" {
			assertContains(t, "suite page, errored run "+e.Dir, page.text, firstLine(e.Error))
		}
	}
}

// relHrefOf is a slash path with each segment escaped, as a browser
// resolves an href.
func relHrefOf(dir string) string {
	parts := strings.Split(filepath.ToSlash(dir), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// TestBrowserDetectsBrokenPage proves the checks can fail: a page with a
// console error, an uncaught exception, a missing image and a dead link must
// produce one complaint of each kind, and a clean page none.
func TestBrowserDetectsBrokenPage(t *testing.T) {
	chromium := requireChromium(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok.png"), onePixelPNG(t))
	writeFile(t, filepath.Join(dir, "clean.html"), []byte(`<!DOCTYPE html><html><head><title>clean</title></head>
<body><p id="top">fine</p><img src="ok.png" alt="ok"><a href="clean.html">self</a><a href="#top">anchor</a>
<svg width="10" height="10"><a href="#top"><rect width="5" height="5"/></a></svg></body></html>`))
	writeFile(t, filepath.Join(dir, "broken.html"), []byte(`<!DOCTYPE html><html><head><title>broken</title></head>
<body><p>broken</p><img src="missing.png" alt="missing"><a href="nowhere.html">dead</a><a href="#no-such-row">dead anchor</a>
<svg width="10" height="10"><a href="gone.html"><rect width="5" height="5"/></a></svg>
<script>console.error("deliberate console error"); undefinedFunction();</script></body></html>`))
	srv := newStaticServer(t, dir)
	b := startBrowser(t, chromium)

	clean := b.load(t, srv, "clean.html", "")
	if len(clean.problems) != 0 {
		t.Errorf("clean page: unexpected problems:\n  %s", strings.Join(clean.problems, "\n  "))
	}
	broken := b.load(t, srv, "broken.html", "")
	t.Logf("broken page problems:\n  %s", strings.Join(broken.problems, "\n  "))
	// One complaint from each channel: console API, exception, DOM image
	// probe, network events, link fetch.
	wants := []string{"console.error: deliberate console error", "uncaught exception", "undefinedFunction",
		"image did not load or decode: " + srv.URL + "/missing.png", "HTTP 404 for " + srv.URL + "/missing.png", "link /nowhere.html → 404",
		"link to #no-such-row, which no element", "link /gone.html → 404"}
	for _, want := range wants {
		if !slices.ContainsFunc(broken.problems, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("broken page: no problem mentions %q; got:\n  %s", want, strings.Join(broken.problems, "\n  "))
		}
	}
	if got := srv.badResponses(); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "missing.png") }) {
		t.Errorf("server did not record the 404 for missing.png; bad responses: %v", got)
	}
}

// ---- preconditions -------------------------------------------------------

// requireChromium returns the browser's path or skips (or fails, when
// ZABSIM_BROWSER=1) as the file comment describes.
func requireChromium(t *testing.T) string {
	t.Helper()
	bin := cmpOr(os.Getenv("ZABSIM_CHROMIUM"), defaultChromium)
	_, statErr := os.Stat(bin)
	switch {
	case os.Getenv("ZABSIM_BROWSER") == "1":
		if statErr != nil {
			t.Fatalf("ZABSIM_BROWSER=1 but chromium is not usable at %s: %v (install it: sudo scripts/deps-browser.sh)", bin, statErr)
		}
	case !runRequested("Browser"):
		t.Skip("browser test: set ZABSIM_BROWSER=1 or run `make test-browser` (or go test -run Browser with chromium installed)")
	case statErr != nil:
		t.Skipf("browser test: chromium not found at %s (scripts/deps-browser.sh installs it; ZABSIM_BROWSER=1 makes this a failure)", bin)
	}
	return bin
}

// runRequested reports whether -test.run names word, i.e. a person asked
// for this test rather than running every test of the package.
func runRequested(word string) bool {
	f := flag.Lookup("test.run")
	return f != nil && strings.Contains(f.Value.String(), word)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// outputDir is ZABSIM_BROWSER_OUT (emptied of a previous suite) or a temp dir.
func outputDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ZABSIM_BROWSER_OUT")
	if dir == "" {
		return t.TempDir()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Only the suite is removed: a stale run directory would otherwise be
	// served next to the fresh suite page.
	if err := os.RemoveAll(filepath.Join(dir, "suite")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// zabsimBinary returns ZABSIM_BIN or builds cmd/zabsim into a temp dir.
func zabsimBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("ZABSIM_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := filepath.Join(t.TempDir(), "zabsim")
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/zabsim/zabsim/cmd/zabsim")
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build zabsim: %v\n%s", err, outb)
	}
	return bin
}

// runSuite runs the default suite over seeds 1-2 into dir. Exit 1 (a run
// failed a checker) still writes a complete report and is accepted: failing
// runs are exactly what the pages must show well.
func runSuite(t *testing.T, bin, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "suite", "--suite", "default", "--seeds", "1-2", "--parallel", "2", "--out", dir)
	outb, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("zabsim suite: %v\n%s", err, outb)
	}
	t.Logf("zabsim suite (exit %d): %s", cmd.ProcessState.ExitCode(), lastLines(outb, 3))
}

func runCmd(t *testing.T, bin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	if outb, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("zabsim %s: %v\n%s", strings.Join(args, " "), err, outb)
	}
}

// pickRun returns the first run directory (relative to the suite, sorted)
// that has a Porcupine timeline.
func pickRun(t *testing.T, suiteDir string) string {
	t.Helper()
	timelines, err := filepath.Glob(filepath.Join(suiteDir, "*", "seed-*", "timeline.html"))
	if err != nil || len(timelines) == 0 {
		t.Fatalf("no run in %s wrote timeline.html (err %v)", suiteDir, err)
	}
	slices.Sort(timelines)
	rel, err := filepath.Rel(suiteDir, filepath.Dir(timelines[0]))
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

func assertContains(t *testing.T, what, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Errorf("%s: text does not contain %q; page text starts: %.200q", what, want, text)
	}
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// onePixelPNG is a valid 1×1 PNG.
func onePixelPNG(t *testing.T) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---- the static server ----------------------------------------------------

// staticServer serves a directory the way a static host with directory
// listings off does (CI artifact viewers, object stores): a directory is
// its index.html or a 404. It records every response >= 400 to the browser.
type staticServer struct {
	*httptest.Server
	mu  sync.Mutex
	bad []string
}

func newStaticServer(t *testing.T, dir string) *staticServer {
	t.Helper()
	s := &staticServer{}
	files := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if isBareDir(dir, r.URL.Path) {
			http.Error(rec, "directory without index.html (listings are off)", http.StatusNotFound)
		} else {
			files.ServeHTTP(rec, r)
		}
		// The link checker's own fetches are reported by checkLinks; this
		// list is what the browser itself asked for.
		if rec.status >= 400 && !isFavicon(r.URL.Path) && r.Header.Get(linkCheckHeader) == "" {
			s.mu.Lock()
			s.bad = append(s.bad, fmt.Sprintf("%d %s", rec.status, r.URL.Path))
			s.mu.Unlock()
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func isBareDir(root, urlPath string) bool {
	p := filepath.Join(root, filepath.FromSlash(path.Clean("/"+urlPath)))
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		return false
	}
	_, err := os.Stat(filepath.Join(p, "index.html"))
	return err != nil
}

func (s *staticServer) badResponses() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bad)
}

func (s *staticServer) assertNoBadResponses(t *testing.T) {
	t.Helper()
	if bad := s.badResponses(); len(bad) > 0 {
		t.Errorf("server answered %d requests with an error:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// ---- the browser ------------------------------------------------------------

// browser is a headless Chromium driven over the DevTools protocol.
type browser struct {
	cmd    *exec.Cmd
	toChr  *os.File // our end of Chromium's fd 3
	msgs   chan cdpMessage
	stderr *tailBuffer
	nextID int64
	// pending holds events read while waiting for a reply.
	pending []cdpMessage
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func startBrowser(t *testing.T, chromium string) *browser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{toChr: cmdW, msgs: make(chan cdpMessage, 256), stderr: &tailBuffer{max: 8 << 10}}
	b.cmd = exec.Command(chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe",
		fmt.Sprintf("--window-size=%d,%d", viewportWidthPX, viewportHeightPX), "about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, respW} // fds 3 and 4 in the child
	b.cmd.Stderr = b.stderr
	// Its own process group, so cleanup can end the renderers with it, and
	// killed with the test binary, so a timed-out test leaves no browser.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	cmdR.Close()
	respW.Close()
	go readMessages(respR, b.msgs)
	t.Cleanup(b.close)
	if _, err := b.call("", "Browser.getVersion", nil); err != nil {
		t.Fatalf("chromium did not answer on the DevTools pipe: %v\nstderr tail:\n%s", err, b.stderr)
	}
	return b
}

// readMessages decodes NUL-terminated JSON from Chromium until the pipe
// closes, then closes msgs.
func readMessages(r io.ReadCloser, msgs chan<- cdpMessage) {
	defer close(msgs)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) == nil {
			msgs <- m
		}
	}
}

func (b *browser) close() {
	if b.cmd.Process == nil {
		return
	}
	// Ask politely, then end the whole process group we started.
	_, _ = b.call("", "Browser.close", nil)
	go func() {
		for range b.msgs { // unblock readMessages until the pipe closes
		}
	}()
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	b.toChr.Close()
}

// call sends one command and waits for its reply, queueing events that
// arrive meanwhile.
func (b *browser) call(session, method string, params any) (json.RawMessage, error) {
	b.nextID++
	id := b.nextID
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.toChr.Write(append(raw, 0)); err != nil {
		return nil, fmt.Errorf("%s: write: %w", method, err)
	}
	deadline := time.After(cdpTimeout)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				return nil, fmt.Errorf("%s: chromium closed the pipe", method)
			}
			if m.ID != id {
				b.pending = append(b.pending, m)
				continue
			}
			if m.Error != nil {
				return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
			}
			return m.Result, nil
		case <-deadline:
			return nil, fmt.Errorf("%s: no reply in %v", method, cdpTimeout)
		}
	}
}

// waitEvent waits for event method on session, queueing others.
func (b *browser) waitEvent(session, method string) error {
	if slices.ContainsFunc(b.pending, func(m cdpMessage) bool { return m.SessionID == session && m.Method == method }) {
		return nil
	}
	deadline := time.After(cdpTimeout)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				return errors.New("chromium closed the pipe")
			}
			b.pending = append(b.pending, m)
			if m.SessionID == session && m.Method == method {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("no %s in %v", method, cdpTimeout)
		}
	}
}

// takeEvents removes and returns the queued events of session.
func (b *browser) takeEvents(session string) []cdpMessage {
	var mine, rest []cdpMessage
	for _, m := range b.pending {
		if m.SessionID == session && m.Method != "" {
			mine = append(mine, m)
		} else {
			rest = append(rest, m)
		}
	}
	b.pending = rest
	return mine
}

func (b *browser) mustCall(t *testing.T, session, method string, params any, out any) {
	t.Helper()
	res, err := b.call(session, method, params)
	if err != nil {
		t.Fatalf("devtools: %v\nstderr tail:\n%s", err, b.stderr)
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			t.Fatalf("devtools: %s: decode reply: %v", method, err)
		}
	}
}

// ---- loading and judging one page -------------------------------------------

// pageResult is what loading one page found.
type pageResult struct {
	problems []string
	links    []string // every href/src, absolute
	text     string   // document.body.innerText
	images   int
	svgs     int
}

// check loads page, reports every problem as a test error, and saves a
// screenshot to shot.
func (b *browser) check(t *testing.T, srv *staticServer, page, shot string) pageResult {
	t.Helper()
	r := b.load(t, srv, page, shot)
	for _, p := range r.problems {
		t.Errorf("%s: %s", page, p)
	}
	t.Logf("%s: %d problems, %d images, %d svg, screenshot %s", page, len(r.problems), r.images, r.svgs, shot)
	return r
}

// load opens page in a fresh tab, waits for the load event and a settled
// frame, and collects problems from DevTools events, the DOM (undecoded
// images) and a fetch of every same-origin link.
func (b *browser) load(t *testing.T, srv *staticServer, page, shot string) pageResult {
	t.Helper()
	s, closeTab := b.openTab(t)
	defer closeTab()
	var r pageResult
	if err := b.navigate(t, s, srv.URL+"/"+page); err != nil {
		r.problems = append(r.problems, err.Error())
	} else {
		r = b.probe(t, srv, s)
		if shot != "" {
			b.screenshot(t, s, shot)
		}
	}
	r.problems = append(r.problems, eventProblems(b.takeEvents(s))...)
	return r
}

// openTab creates a tab with every event domain the checks read enabled,
// and returns its session and a function that closes it.
func (b *browser) openTab(t *testing.T) (session string, closeTab func()) {
	t.Helper()
	var target struct{ TargetID string }
	b.mustCall(t, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	b.mustCall(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	closeTab = func() { _, _ = b.call("", "Target.closeTarget", map[string]any{"targetId": target.TargetID}) }
	for _, domain := range []string{"Runtime", "Log", "Network", "Page"} {
		b.mustCall(t, attached.SessionID, domain+".enable", nil, nil)
	}
	b.mustCall(t, attached.SessionID, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": viewportWidthPX, "height": viewportHeightPX, "deviceScaleFactor": 1, "mobile": false}, nil)
	return attached.SessionID, closeTab
}

// navigate loads pageURL and waits for its load event and a settled frame.
func (b *browser) navigate(t *testing.T, session, pageURL string) error {
	t.Helper()
	var nav struct{ ErrorText string }
	b.mustCall(t, session, "Page.navigate", map[string]any{"url": pageURL}, &nav)
	if nav.ErrorText != "" {
		return errors.New("navigation failed: " + nav.ErrorText)
	}
	if err := b.waitEvent(session, "Page.loadEventFired"); err != nil {
		return fmt.Errorf("page did not finish loading: %w", err)
	}
	// Let scripts run their first frame and timers (Porcupine draws on load).
	b.evaluate(t, session, `new Promise(r => requestAnimationFrame(() => setTimeout(r, 300)))`, nil)
	return nil
}

// probe reads what the loaded page shows and checks what it references.
func (b *browser) probe(t *testing.T, srv *staticServer, session string) pageResult {
	t.Helper()
	var dom struct {
		Text      string   `json:"text"`
		Images    int      `json:"images"`
		SVGs      int      `json:"svgs"`
		Undecoded []string `json:"undecoded"`
		Links     []string `json:"links"`
		Dead      []string `json:"deadFragments"`
	}
	b.evaluate(t, session, domProbe, &dom)
	r := pageResult{links: dom.Links, text: dom.Text, images: dom.Images, svgs: dom.SVGs}
	for _, id := range dom.Dead {
		r.problems = append(r.problems, "link to #"+id+", which no element of the page has")
	}
	for _, src := range dom.Undecoded {
		r.problems = append(r.problems, "image did not load or decode: "+src)
	}
	r.problems = append(r.problems, checkLinks(srv, dom.Links)...)
	return r
}

// domProbe gathers what the page shows and references. Links are every
// href/src the document names, resolved by the browser to absolute URLs.
const domProbe = `(() => {
  // An SVG <a> has an SVGAnimatedString href: resolve its baseVal.
  const url = e => (e.href && e.href.baseVal !== undefined) ? new URL(e.href.baseVal, document.baseURI).href : (e.href || e.src);
  const refs = [...document.querySelectorAll('a[href], link[href], img[src], script[src], iframe[src], source[src]')].map(url);
  // A link to a fragment of this very page must name an element on it.
  const here = location.href.split('#')[0];
  const deadFragments = refs.filter(r => r.startsWith(here + '#'))
    .map(r => decodeURIComponent(r.slice(here.length + 1))).filter(id => !document.getElementById(id));
  const undecoded = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.currentSrc || i.src);
  return JSON.stringify({
    text: document.body ? document.body.innerText : "",
    images: document.images.length,
    svgs: document.querySelectorAll('svg').length,
    undecoded, links: refs, deadFragments,
  });
})()`

// evaluate runs expr (awaiting a promise) and decodes a JSON string result
// into out when out is non-nil.
func (b *browser) evaluate(t *testing.T, session, expr string, out any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *json.RawMessage `json:"exceptionDetails"`
	}
	b.mustCall(t, session, "Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		t.Fatalf("evaluate %.60q: %s", expr, *res.ExceptionDetails)
	}
	if out == nil {
		return
	}
	var s string
	if err := json.Unmarshal(res.Result.Value, &s); err != nil {
		t.Fatalf("evaluate: result is not a JSON string: %s", res.Result.Value)
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatalf("evaluate: decode %q: %v", s, err)
	}
}

// screenshot saves the first screenful as name and the whole page (within
// maxShotWidthPX × maxShotHeightPX) as name-full.png: the first is what a
// person sees on opening the page, the second shows everything below it.
func (b *browser) screenshot(t *testing.T, session, name string) {
	t.Helper()
	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	b.mustCall(t, session, "Page.getLayoutMetrics", nil, &metrics)
	t.Logf("%s: page is %.0f×%.0f CSS px", filepath.Base(name), metrics.CSSContentSize.Width, metrics.CSSContentSize.Height)
	b.capture(t, session, name, viewportWidthPX, viewportHeightPX)
	b.capture(t, session, strings.TrimSuffix(name, ".png")+"-full.png",
		min(float64(maxShotWidthPX), max(viewportWidthPX, metrics.CSSContentSize.Width)),
		min(float64(maxShotHeightPX), max(viewportHeightPX, metrics.CSSContentSize.Height)))
}

// capture writes the page's top-left widthPX × heightPX as a PNG.
func (b *browser) capture(t *testing.T, session, name string, widthPX, heightPX float64) {
	t.Helper()
	clip := map[string]any{"x": 0, "y": 0, "scale": 1, "width": widthPX, "height": heightPX}
	var shot struct{ Data string }
	b.mustCall(t, session, "Page.captureScreenshot", map[string]any{"format": "png", "clip": clip, "captureBeyondViewport": true}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	writeFile(t, name, png)
}

// checkLinks fetches every same-origin reference once and reports those
// that do not answer 200. Other origins are reported too: a report page
// must work offline, from a CI artifact.
func checkLinks(srv *staticServer, links []string) []string {
	var problems []string
	seen := map[string]bool{}
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil {
			problems = append(problems, fmt.Sprintf("unparsable link %q", l))
			continue
		}
		u.Fragment = ""
		switch {
		case u.Scheme == "data" || u.Scheme == "javascript" || u.Scheme == "about":
			continue
		case !strings.HasPrefix(u.String(), srv.URL+"/"):
			problems = append(problems, "reference outside the report (needs network): "+l)
			continue
		}
		if seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		if status, err := getStatus(srv.Client(), u.String()); err != nil || status != http.StatusOK {
			problems = append(problems, fmt.Sprintf("link %s → %d %v", strings.TrimPrefix(u.String(), srv.URL), status, errOrEmpty(err)))
		}
	}
	return problems
}

// linkCheckHeader marks checkLinks' requests so the server does not count
// them twice.
const linkCheckHeader = "X-Zabsim-Link-Check"

func getStatus(c *http.Client, u string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set(linkCheckHeader, "1")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// eventProblems describes the events that show something went wrong.
func eventProblems(events []cdpMessage) []string {
	// Network.loadingFailed names only the request; remember URLs by ID.
	urls := map[string]string{}
	var problems []string
	for _, ev := range events {
		var req struct {
			RequestID string `json:"requestId"`
			Request   struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		if ev.Method == "Network.requestWillBeSent" && json.Unmarshal(ev.Params, &req) == nil {
			urls[req.RequestID] = req.Request.URL
		}
		if judge := eventJudges[ev.Method]; judge != nil {
			if p := judge(ev.Params, urls); p != "" {
				problems = append(problems, p)
			}
		}
	}
	return problems
}

// eventJudges turn one DevTools event into a problem description, or "" if
// the event is harmless. urls maps request IDs to URLs.
var eventJudges = map[string]func(params json.RawMessage, urls map[string]string) string{
	"Runtime.exceptionThrown":  judgeException,
	"Runtime.consoleAPICalled": judgeConsoleCall,
	"Log.entryAdded":           judgeLogEntry,
	"Network.responseReceived": judgeResponse,
	"Network.loadingFailed":    judgeLoadingFailed,
}

func judgeException(params json.RawMessage, _ map[string]string) string {
	var p struct {
		ExceptionDetails struct {
			Text      string `json:"text"`
			URL       string `json:"url"`
			Line      int    `json:"lineNumber"`
			Exception *struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return "undecodable exception event: " + err.Error()
	}
	d := p.ExceptionDetails
	msg := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		msg += " " + firstLine(d.Exception.Description)
	}
	return fmt.Sprintf("uncaught exception at %s:%d: %s", path.Base(d.URL), d.Line+1, msg)
}

// judgeConsoleCall flags console.error and failed console.assert; log, info
// and warn are the page's business.
func judgeConsoleCall(params json.RawMessage, _ map[string]string) string {
	var p struct {
		Type string `json:"type"`
		Args []struct {
			Value       any    `json:"value"`
			Description string `json:"description"`
		} `json:"args"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return "undecodable console event: " + err.Error()
	}
	if p.Type != "error" && p.Type != "assert" {
		return ""
	}
	parts := make([]string, 0, len(p.Args))
	for _, a := range p.Args {
		parts = append(parts, cmpOr(a.Description, fmt.Sprint(a.Value)))
	}
	return "console." + p.Type + ": " + strings.Join(parts, " ")
}

// judgeLogEntry flags the browser's own error-level console messages: failed
// resource loads, blocked content, parser errors.
func judgeLogEntry(params json.RawMessage, _ map[string]string) string {
	var p struct {
		Entry struct {
			Level, Source, Text, URL string
		} `json:"entry"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return "undecodable log event: " + err.Error()
	}
	if p.Entry.Level != "error" || isFavicon(p.Entry.URL) {
		return ""
	}
	return fmt.Sprintf("console %s error: %s %s", p.Entry.Source, p.Entry.Text, p.Entry.URL)
}

func judgeResponse(params json.RawMessage, _ map[string]string) string {
	var p struct {
		Response struct {
			URL    string `json:"url"`
			Status int    `json:"status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return "undecodable response event: " + err.Error()
	}
	if p.Response.Status < 400 || isFavicon(p.Response.URL) {
		return ""
	}
	return fmt.Sprintf("HTTP %d for %s", p.Response.Status, p.Response.URL)
}

func judgeLoadingFailed(params json.RawMessage, urls map[string]string) string {
	var p struct {
		RequestID string `json:"requestId"`
		ErrorText string `json:"errorText"`
		Canceled  bool   `json:"canceled"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return "undecodable loadingFailed event: " + err.Error()
	}
	if p.Canceled || isFavicon(urls[p.RequestID]) {
		return ""
	}
	return fmt.Sprintf("resource failed to load: %s %s", urls[p.RequestID], p.ErrorText)
}

// isFavicon reports whether u is the icon the browser asks for on its own;
// the pages do not reference one, so its 404 is not a page's fault.
func isFavicon(u string) bool { return strings.HasSuffix(u, "/favicon.ico") }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// tailBuffer keeps the last max bytes written (Chromium's stderr is chatty
// about D-Bus; only its tail helps when startup fails).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = bytes.Clone(b.buf[over:])
	}
	return len(p), nil
}

// String returns the tail without the D-Bus complaints every headless
// start makes in a container.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keep []string
	for _, line := range strings.Split(string(b.buf), "\n") {
		if !strings.Contains(line, "dbus/") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

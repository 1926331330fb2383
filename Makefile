# zabsim — see README.md. Every target is reproducible on a fresh machine.
GO        ?= go
PKGS      := ./...
# Packages whose code runs inside a simulated world: race-checked in `make test`.
SIM_PKGS  := ./proc/... ./sim/... ./server/... ./client/... ./history/... ./model/... ./workloads/... ./study/... ./studies/... ./nemesis/... ./checker/...
BIN       := bin/zabsim
# What `zabsim --version` and every summary.json report: the git revision (a tag when there is one).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS   := -X github.com/zabsim/zabsim/rundir.version=$(VERSION)

.PHONY: all build run test test-race lint bench soak fuzz deps-live test-live test-clients test-browser bugs crosscheck clean mutants

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/zabsim

## run: the main job — the default scenario suite in the simulator, into a new directory of the
## results store (store/suites/default/TIMESTAMP; store/latest links the newest).
run: build
	./$(BIN) suite --suite default --seeds 1-3

## test: everything CI needs (vet, format, architecture rules, unit + property + determinism tests;
## the simulated packages again under -race with -tags invariants: the expensive assertions of server/zab and sim on).
test: lint
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -race -short -tags invariants $(SIM_PKGS)

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi
	$(GO) vet $(PKGS)
	@if [ -x ../shared/tools/archcheck ]; then ../shared/tools/archcheck; fi

## bench: micro-benchmarks, then simulated seconds per wall second for a 5-node ensemble with 10 clients.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./sim/... ./server/... ./checker/...
	./$(BIN) bench --sim

## soak: long sweeps — every package's soak tests (7,500-run randomized ensemble sweep, Zab's
## 12,000-seed harness, 200 seeds per workload, every bug switch hunted from 5 offsets with 1,000
## switch-off seeds per hunting scenario) and the default suite over 1,000 seeds with no bug switch.
soak: build
	ZABSIM_SOAK=1 $(GO) test -count=1 -timeout 5h $(PKGS)
	./$(BIN) suite --suite default --seeds 1-1000 --reports failures

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeRequest -fuzztime 60s ./server/wire
	$(GO) test -run '^$$' -fuzz FuzzDigestMD5 -fuzztime 30s ./server/sasl
	$(GO) test -run '^$$' -fuzz FuzzParseDirectives -fuzztime 30s ./server/sasl
	$(GO) test -run '^$$' -fuzz FuzzParseJAAS -fuzztime 30s ./server/sasl

## deps-live: Debian's zookeeper (Apache ZooKeeper 3.8) and faketime for the live tier.
deps-live:
	./scripts/deps-live.sh

## test-live: tests against real processes on 127.0.0.1, including real Apache ZooKeeper: for both
## targets (3-node zabsim and 3-node ZooKeeper ensembles) a 30 s register workload under partitions and
## kills, a lock workload under pauses and 3 voters + 2 observers under a partition and a kill, judged by
## the simulator's checkers; the cluster supervisor's
## faults; the differential test and cross-check; AdminServer and metrics. CI runs it after `make test`.
test-live: deps-live build
	ZABSIM_LIVE=1 ZABSIM_REQUIRE_ZK=1 ZABSIM_BIN=$(CURDIR)/$(BIN) \
	  $(GO) test -count=1 -timeout 30m -run 'Live|ZooKeeper|Differential|Cluster|CrossCheck|Admin' ./live/... ./liverun/... ./cmd/...

## test-clients: the client libraries' own suites against zabsim and Apache ZooKeeper 3.8, both
## tallies printed: go-zookeeper/zk v1.0.4's integration tests (ZK_VERSION=3.8.0), and kazoo 2.8's
## suite when KAZOO_SRC names its sources (github.com/python-zk/kazoo at tag 2.8.0). Logs in out/test-clients.
test-clients: build
	./scripts/deps-live.sh --clients
	ZABSIM_BIN=$(CURDIR)/$(BIN) ./scripts/test-clients.sh

## crosscheck: 10,000 seeded ops sent to zabsim and to Apache ZooKeeper 3.8, every reply diffed.
crosscheck: deps-live build
	./$(BIN) crosscheck --ops 10000 --seed 7

## test-browser: a real suite's report pages (suite index, a run page, Porcupine's timeline) load in
## headless Chromium (Debian's chromium) with no console error, failed load or dead link.
## Screenshots land in out/browser.
test-browser: build
	./scripts/deps-browser.sh
	ZABSIM_BROWSER=1 ZABSIM_BIN=$(CURDIR)/$(BIN) ZABSIM_BROWSER_OUT=$(CURDIR)/out/browser \
	  $(GO) test -count=1 -v -run 'Browser' ./reports

## mutants: the harness's own mutation score — every server mutant in mutants/ (a plausible mistake as a
## patch) is built and judged by the default suite over seeds 1-20 (MUTANT_SUITE, MUTANT_SEEDS to change).
mutants:
	./scripts/mutants.sh

clean:
	rm -rf bin out

## bugs: the bug catalogue — hunt every bug switch from 5 seed offsets, sweep its scenarios with every switch off; out/bugs/bugs.{json,md}.
bugs: build
	./$(BIN) hunt --bug all --report out/bugs --offsets 5 --clean-seeds 50 --parallel 2

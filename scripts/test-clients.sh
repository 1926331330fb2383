#!/usr/bin/env bash
# test-clients.sh — the client libraries' own test suites against zabsim and
# against Apache ZooKeeper 3.8 (Debian's package zookeeper), each suite
# starting its servers the way it starts ZooKeeper, with both tallies printed.
#
#   go-zookeeper/zk v1.0.4: its integration tests (from the Go module cache),
#     ZK_VERSION=3.8.0 so its reconfiguration tests run. Its harness runs
#     $ZOOKEEPER_BIN_PATH/zkServer.sh start-foreground CFG with
#     SERVER_JVMFLAGS=-D... in the environment: for zabsim a two-line
#     zkServer.sh in its place execs `zabsim server CFG` (which reads
#     SERVER_JVMFLAGS as the JVM would); for ZooKeeper, Debian's own script.
#   kazoo 2.8: its test suite from its sources (public repository python-zk/kazoo,
#     tag 2.8.0), whose path KAZOO_SRC names; skipped, saying so, when unset.
#     Its harness runs `java -cp ... org.apache.zookeeper.server.quorum.QuorumPeerMain zoo.cfg`:
#     for zabsim a `java` in front of PATH takes its place and runs
#     `zabsim server` with the same -D flags and zoo.cfg (kazoo's test code and
#     the configs it writes stay unchanged).
#
# Environment: ZABSIM_BIN (default bin/zabsim), OUT (default out/test-clients),
# GOZK_RUN (a -run pattern for go-zookeeper's tests, default all),
# KAZOO_SRC, KAZOO_TESTS (pytest arguments, default kazoo/tests),
# TARGETS (default "zookeeper zabsim").
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ZABSIM_BIN:-$root/bin/zabsim}
out=${OUT:-$root/out/test-clients}
targets=${TARGETS:-zookeeper zabsim}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/zabsim-clients.XXXXXX")
trap 'rm -rf "$work"' EXIT

[ -x "$bin" ] || { echo "test-clients: $bin not found (run make build)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# ---- the launchers that take ZooKeeper's place ------------------------------
shim=$work/zabsim-bin
mkdir -p "$shim"
cat >"$shim/zkServer.sh" <<SH
#!/bin/sh
# go-zookeeper's harness: zkServer.sh start-foreground CFG, SERVER_JVMFLAGS in the environment.
[ "\$1" = start-foreground ] || { echo "zkServer.sh (zabsim): only start-foreground is supported" >&2; exit 2; }
exec "$bin" server "\$2"
SH
cat >"$shim/java" <<SH
#!/bin/sh
# kazoo's harness: java [-D...] [-cp CP] [JVM flags] MAINCLASS zoo.cfg  ->  zabsim server -D... zoo.cfg
props=""
cfg=""
while [ \$# -gt 0 ]; do
  case "\$1" in
    -cp|-classpath) shift ;;
    -D*) props="\$props \$1" ;;
    -*) ;;
    org.apache.zookeeper.server.quorum.QuorumPeerMain|org.apache.zookeeper.server.ZooKeeperServerMain) shift; cfg=\$1 ;;
  esac
  shift
done
[ -n "\$cfg" ] || { echo "java (zabsim): no ZooKeeper main class and config in the arguments" >&2; exit 2; }
# shellcheck disable=SC2086 # the -D words carry no spaces
exec "$bin" server \$props "\$cfg"
SH
chmod +x "$shim/zkServer.sh" "$shim/java"

summary=()

# ---- go-zookeeper/zk v1.0.4 --------------------------------------------------
gozk_mod=$(cd "$root" && go mod download -json github.com/go-zookeeper/zk@v1.0.4 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$gozk_mod" ] || [ ! -d "$gozk_mod" ]; then
  echo "test-clients: cannot find github.com/go-zookeeper/zk@v1.0.4 in the module cache" >&2
  exit 2
fi
gozk=$work/gozk
cp -r "$gozk_mod" "$gozk"
chmod -R u+w "$gozk"
# Each test runs in its own `go test` process: a test whose servers do not
# come up panics in go-zookeeper's harness, which would end the whole run.
tests=$(cd "$gozk" && GOFLAGS=-mod=mod go test -list "${GOZK_RUN:-.}" . | grep '^Test')
for target in $targets; do
  case $target in
    zabsim) zkbin=$shim ;;
    zookeeper) zkbin=/usr/share/zookeeper/bin
      [ -x "$zkbin/zkServer.sh" ] || { echo "test-clients: $zkbin/zkServer.sh missing (run scripts/deps-live.sh)" >&2; exit 2; } ;;
    *) echo "test-clients: unknown target $target" >&2; exit 2 ;;
  esac
  log=$out/gozk-$target.log
  : >"$log"
  echo "== go-zookeeper v1.0.4 tests against $target, ZK_VERSION=3.8.0 (log: $log)"
  pass=0 fail=0 skip=0 failed=()
  for t in $tests; do
    (cd "$gozk" && ZOOKEEPER_BIN_PATH=$zkbin ZK_VERSION=3.8.0 GOFLAGS=-mod=mod \
       go test -count=1 -timeout 600s -v -run "^${t}\$" . >>"$log" 2>&1)
    if grep -q "^--- PASS: $t " "$log"; then pass=$((pass + 1))
    elif grep -q "^--- SKIP: $t " "$log"; then skip=$((skip + 1))
    else fail=$((fail + 1)); failed+=("$t"); fi
  done
  line="go-zookeeper v1.0.4 vs $target: pass $pass, fail $fail, skip $skip"
  echo "   $line"
  [ ${#failed[@]} -gt 0 ] && echo "   failed: ${failed[*]}"
  summary+=("$line${failed[*]:+ (failed: ${failed[*]})}")
done

# ---- kazoo 2.8 ---------------------------------------------------------------
if [ -z "${KAZOO_SRC:-}" ]; then
  line="kazoo 2.8: not run — set KAZOO_SRC to a checkout of github.com/python-zk/kazoo at tag 2.8.0"
  echo "== $line"
  summary+=("$line")
elif [ ! -f "$KAZOO_SRC/kazoo/tests/test_client.py" ]; then
  echo "test-clients: KAZOO_SRC=$KAZOO_SRC does not hold kazoo's sources (kazoo/tests/test_client.py missing)" >&2
  exit 2
else
  py=/usr/bin/python3
  if ! "$py" -c 'import pytest, mock, objgraph, gevent, eventlet, puresasl' 2>/dev/null; then
    echo "test-clients: kazoo's suite needs python3-pytest python3-mock python3-objgraph python3-pytest-timeout python3-gevent python3-eventlet python3-pure-sasl (scripts/deps-live.sh --clients)" >&2
    exit 2
  fi
  for target in $targets; do
    log=$out/kazoo-$target.log
    echo "== kazoo 2.8 test suite against $target (log: $log)"
    path=$PATH
    [ "$target" = zabsim ] && path=$shim:$PATH
    # shellcheck disable=SC2086 # KAZOO_TESTS is a list of pytest arguments
    (cd "$KAZOO_SRC" && PATH=$path ZOOKEEPER_VERSION=3.8.0 ZOOKEEPER_CLASSPATH=/usr/share/java/zookeeper.jar \
       ZOOKEEPER_PORT_OFFSET=$((20000 + RANDOM % 20000)) PYTHONPATH=$KAZOO_SRC \
       timeout 3600 "$py" -m pytest -p no:cacheprovider -q -rA --timeout 180 ${KAZOO_TESTS:-kazoo/tests} >"$log" 2>&1)
    counts=$(grep -E '^=+ .*(passed|failed|error|skipped).* in [0-9.]+s' "$log" | tail -1 | sed 's/^=* *//; s/ *=*$//')
    line="kazoo 2.8 vs $target: ${counts:-no pytest summary (see the log)}"
    echo "   $line"
    summary+=("$line")
    grep '^PASSED ' "$log" | sed 's/^PASSED //' | sort >"$out/kazoo-$target.passed"
  done
  if [ -f "$out/kazoo-zookeeper.passed" ] && [ -f "$out/kazoo-zabsim.passed" ]; then
    comm -23 "$out/kazoo-zookeeper.passed" "$out/kazoo-zabsim.passed" >"$out/kazoo-zabsim-regressions"
    n=$(wc -l <"$out/kazoo-zabsim-regressions")
    summary+=("kazoo 2.8: $n test(s) pass on ZooKeeper and not on zabsim (list: $out/kazoo-zabsim-regressions)")
    sed 's/^/     /' "$out/kazoo-zabsim-regressions"
  fi
fi

echo
echo "== tallies"
printf '%s\n' "${summary[@]}"

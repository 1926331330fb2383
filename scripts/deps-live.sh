#!/usr/bin/env bash
# deps-live.sh — install what zabsim's live tier needs on a fresh Debian
# machine (run as root): Apache ZooKeeper 3.8 from Debian (package zookeeper)
# faketime (clock nemeses), libjetty9-java (ZooKeeper's AdminServer, for the
# admin-endpoint comparison tests), and python3-kazoo with python3-pure-sasl
# (kazoo 2.8, the Python client, with its DIGEST-MD5 support: the SASL
# comparison test TestLiveSASLZooKeeper runs it against both servers). Idempotent: installed packages are skipped and
# `apt-get update` runs at most once, only when something is missing.
#
# With --clients it also installs what kazoo 2.8's own test suite needs
# (make test-clients): pytest and its timeout plugin, mock, objgraph, gevent
# and eventlet.
set -euo pipefail

pkgs=(zookeeper faketime libjetty9-java python3-kazoo python3-pure-sasl)
if [ "${1:-}" = --clients ]; then
  pkgs+=(python3-pytest python3-pytest-timeout python3-mock python3-objgraph python3-gevent python3-eventlet)
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--clients]" >&2
  exit 2
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${pkgs[@]}"; do
  if installed "$p"; then echo "deps-live: $p already installed"; else missing+=("$p"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps-live: missing ${missing[*]}; run as root to install" >&2
    exit 1
  fi
  echo "deps-live: installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

ver() { dpkg-query -W -f='${Version}' "$1"; }
echo
echo "zookeeper package: $(ver zookeeper)"
echo "faketime package:  $(ver faketime)"
echo "kazoo package:     $(ver python3-kazoo) (pure-sasl $(ver python3-pure-sasl); use /usr/bin/python3)"
echo "java:              $(java -version 2>&1 | head -1)"
jar=/usr/share/java/zookeeper.jar
if [ -f "$jar" ]; then
  # The jar's manifest Class-Path names its dependencies (netty, jute, slf4j, ...).
  zkver=$(java -cp "$jar" org.apache.zookeeper.version.VersionInfoMain 2>/dev/null || true)
  echo "ZooKeeper:         ${zkver:-unknown}"
fi
cat <<INFO

Where things are:
  jars:      $jar (its manifest pulls in /usr/share/java/{zookeeper-jute,netty-*,slf4j-api,...}.jar)
  scripts:   /usr/share/zookeeper/bin/{zkServer.sh,zkCli.sh,zkCleanup.sh}
  config:    /etc/zookeeper/conf/{zoo.cfg,log4j.properties,environment}
  classpath: /etc/zookeeper/conf:$jar

Run a server directly, without the Debian service:
  standalone: java -cp /etc/zookeeper/conf:$jar org.apache.zookeeper.server.ZooKeeperServerMain DIR/zoo.cfg
  ensemble:   java -cp /etc/zookeeper/conf:$jar org.apache.zookeeper.server.quorum.QuorumPeerMain DIR/zoo.cfg
  or: scripts/zk-standalone.sh DIR PORT

zabsim against it:
  make test-live                                  (live tests + the differential test vs ZooKeeper)
  bin/zabsim bench --target both --clients 16 --duration 10s
  bin/zabsim server --config DIR/zoo.cfg          (zabsim as a drop-in for the ZooKeeper server)
INFO

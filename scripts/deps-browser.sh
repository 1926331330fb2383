#!/usr/bin/env bash
# deps-browser.sh — install what `make test-browser` needs on a fresh Debian
# machine (run as root): Debian's chromium, driven headless by
# scenarios/browsertest to load the report pages, plus one font family so
# screenshots show real glyphs. Idempotent: installed packages are skipped and
# `apt-get update` runs at most once, only when something is missing.
set -euo pipefail

# fonts-dejavu-core is what chromium's own Recommends would pull in anyway; we
# name it because --no-install-recommends would otherwise leave a minimal
# image with no fonts at all.
pkgs=(chromium fonts-dejavu-core)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${pkgs[@]}"; do
  if installed "$p"; then echo "deps-browser: $p already installed"; else missing+=("$p"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps-browser: missing ${missing[*]}; run as root to install" >&2
    exit 1
  fi
  echo "deps-browser: installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

bin=/usr/bin/chromium
if [ ! -x "$bin" ]; then
  echo "deps-browser: $bin missing after install" >&2
  exit 1
fi
echo "chromium package: $(dpkg-query -W -f='${Version}' chromium)"
# --version starts no renderer, so it works without a display or sandbox.
echo "chromium:         $("$bin" --version 2>/dev/null || echo unknown)"

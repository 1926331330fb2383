#!/usr/bin/env bash
# mutants.sh — the harness's own mutation score. Each mutants/*.patch is a
# small, plausible server mistake (a description line, then a diff). For each,
# a scratch copy of the tree gets the patch, zabsim is built from it, and a
# suite runs against it — the harness, not the unit tests: a mutant is killed
# when the suite reports a violation (exit 1), survives when every run passes.
#
#   MUTANT_SUITE    suite to run (default: default)
#   MUTANT_SEEDS    seeds (default: 1-20)
#   MUTANT_PARALLEL worlds at once (default: 2)
#   MUTANTS         space-separated mutant names to run (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${MUTANT_SUITE:-default}
seeds=${MUTANT_SEEDS:-1-20}
par=${MUTANT_PARALLEL:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree"
git ls-files -z | xargs -0 cp --parents -t "$work/tree"

total=0 killed=0
printf '%-34s %-9s %s\n' mutant verdict "first failure"
for patch in mutants/*.patch; do
  name=$(basename "$patch" .patch)
  if [ -n "${MUTANTS:-}" ] && [[ " $MUTANTS " != *" $name "* ]]; then continue; fi
  total=$((total + 1))
  (cd "$work/tree" && patch -s -p1 < "$OLDPWD/$patch")
  if ! (cd "$work/tree" && go build -o "$work/zabsim" ./cmd/zabsim) 2> "$work/build.log"; then
    (cd "$work/tree" && patch -s -R -p1 < "$OLDPWD/$patch")
    printf '%-34s %-9s %s\n' "$name" "ERROR" "does not build: $(head -1 "$work/build.log")"
    continue
  fi
  (cd "$work/tree" && patch -s -R -p1 < "$OLDPWD/$patch")
  set +e
  "$work/zabsim" suite --suite "$suite" --seeds "$seeds" --parallel "$par" --reports failures \
    --out "$work/out-$name" > "$work/$name.log" 2>&1
  code=$?
  set -e
  first=$(grep -m1 -o 'FAIL .*' "$work/$name.log" || true)
  case $code in
    1) killed=$((killed + 1)); printf '%-34s %-9s %s\n' "$name" killed "$first" ;;
    0) printf '%-34s %-9s %s\n' "$name" SURVIVED "" ;;
    *) printf '%-34s %-9s %s\n' "$name" "ERROR" "suite exit $code: $(tail -1 "$work/$name.log")" ;;
  esac
done
echo
echo "mutation score: $killed of $total mutants killed by suite $suite, seeds $seeds"

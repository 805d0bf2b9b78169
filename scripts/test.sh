#!/usr/bin/env bash
# `make test`: every check and test, one phase after another, each timed. A
# table of the phases and their times ends the run, whether it passed or not,
# so a slow CI run shows where its time went.
#
# The install test uses the packages the bundle phase built.
set -uo pipefail
cd "$(dirname "$0")/.."

phases=(
  "setup|make --no-print-directory setup"
  "lint|make --no-print-directory lint"
  "lint-workflows|make --no-print-directory lint-workflows"
  "licenses-check|make --no-print-directory licenses-check"
  "test-ui|make --no-print-directory test-ui"
  "test-rust|make --no-print-directory test-rust"
  "test-fuzz|make --no-print-directory test-fuzz"
  "test-keychain|make --no-print-directory test-keychain"
  "e2e|make --no-print-directory e2e"
  "bundle|make --no-print-directory bundle"
  "install-test|flock /tmp/vica-e2e.lock ./scripts/install-test.sh"
)

results=()
started=$(date +%s)
summary() {
  echo
  echo "phase            seconds  result"
  for r in "${results[@]}"; do
    IFS='|' read -r name secs status <<<"$r"
    printf '%-16s %7s  %s\n' "$name" "$secs" "$status"
  done
  printf '%-16s %7s\n' "total" "$(($(date +%s) - started))"
}

for p in "${phases[@]}"; do
  name=${p%%|*}
  cmd=${p#*|}
  echo "==> $name"
  t0=$(date +%s)
  if bash -c "$cmd"; then
    results+=("$name|$(($(date +%s) - t0))|ok")
  else
    results+=("$name|$(($(date +%s) - t0))|FAILED")
    summary
    exit 1
  fi
done
summary

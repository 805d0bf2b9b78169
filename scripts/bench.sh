#!/usr/bin/env bash
# Every benchmark figure in one table, with its target and PASS/FAIL.
#
#   scripts/bench.sh           # full sizes (Google ingest of 10,000 and 100,000 events)
#   scripts/bench.sh --quick   # 10,000 events only (a smoke run, about a minute once built)
#
# Runs the figure benches (crates/core/benches/week.rs, crates/sync/benches/sync.rs)
# in release mode; each appends its figures to a file named by VICA_BENCH_FIGURES.
# Their own tables (with medians and p95) are in bench-output.log under target/.
# The criterion suites (`cargo bench -p vica-core --bench criterion`,
# `cargo bench -p vica-sync --bench criterion`) are separate: they compare a
# change with the last run, not with a target. Copy the table and the machine
# line into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--quick" ]]; then
    export VICA_BENCH_SIZES=10000
fi
figures="$(mktemp)"
log="target/bench-output.log"
mkdir -p target
trap 'rm -f "$figures"' EXIT
export VICA_BENCH_FIGURES="$figures"

: >"$log"
cargo bench -p vica-core --bench week 2>&1 | tee -a "$log" >/dev/null
cargo bench -p vica-sync --bench sync 2>&1 | tee -a "$log" >/dev/null

cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || true)"
echo "Machine: $(uname -sr), $(nproc) CPUs${cpu:+ ($cpu)}, $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB RAM"}'), $(rustc --version)"
echo
echo "| measure | value | unit | target | result |"
echo "|---|---:|---|---|---|"
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$figures"
fails="$(awk -F'\t' '$5 == "FAIL"' "$figures" | wc -l)"
echo
echo "$(wc -l <"$figures") figures, $fails below target (full output: $log)"

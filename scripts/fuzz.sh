#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for N seconds each (default 20: the
# short run of `make test`). A longer run, e.g. ten minutes per target:
#
#   scripts/fuzz.sh 600
#
# Installs cargo-fuzz if it is missing. Uses the nightly toolchain when it is
# installed and stable otherwise; both build with `-s none` (coverage
# instrumentation without a sanitizer: the Rust code has no unsafe, and the
# bundled SQLite is not instrumented anyway). Set VICA_FUZZ_SANITIZER=address
# on nightly for AddressSanitizer. Seeds are in fuzz/seeds/<target>; the
# growing corpus in fuzz/corpus/<target> and crashes in fuzz/artifacts/ are
# not committed. A crash fails the script and prints how to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-20}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
fi
sanitizer="${VICA_FUZZ_SANITIZER:-none}"

targets="$(cargo "${toolchain[@]}" fuzz list)"
cargo "${toolchain[@]}" fuzz build -s "$sanitizer"
for target in $targets; do
    mkdir -p "corpus/$target"
    seeds=()
    [[ -d "seeds/$target" ]] && seeds=("seeds/$target")
    echo "== fuzz $target for ${seconds}s"
    cargo "${toolchain[@]}" fuzz run -s "$sanitizer" "$target" "corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 | grep -E 'Done|stat::number_of_executed_units|ERROR|panicked|SUMMARY|Test unit written' || true
    # `run` exits non-zero on a crash; grep above hides the status, so check for artifacts.
    if compgen -G "artifacts/$target/crash-*" >/dev/null || compgen -G "artifacts/$target/oom-*" >/dev/null; then
        echo "fuzz target $target found a failure: see fuzz/artifacts/$target (reproduce: cd fuzz && cargo ${toolchain[*]} fuzz run $target <file>)" >&2
        exit 1
    fi
done

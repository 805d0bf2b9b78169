#!/usr/bin/env bash
# Idle memory of the app with a year of data beside a bare Tauri 2 window
# built with the same tauri, plugins, webview setting and release profile
# (benches/bare-window), measured in one run under one Xvfb and one D-Bus
# session, interleaved, both as shipped (no GPU compositing) and with
# WebKit's default (VICA_GPU_COMPOSITING=1):
#   scripts/bench-memory.sh [ROUNDS]   (default 3; the figures go to docs/benchmarks.md)
# The app's data: a local ICS calendar holding a year of a busy week (daily
# standups, weekly 1:1s and planning, one-off meetings), imported whole
# through `vica` (history_since a year back), then opened by the release app
# built with the embedded UI. Each binary is started, left idle 10 s after
# its window is up, and the RSS and PSS of its process tree (the app and its
# WebKit processes) are read from /proc/<pid>/smaps_rollup.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-3}"
for tool in xvfb-run dbus-run-session xdotool python3 npm; do
  command -v "$tool" >/dev/null || { echo "bench-memory: missing $tool (scripts/setup.sh installs it)" >&2; exit 2; }
done

echo "bench-memory: building the UI, the app, the CLI and the bare window (release)" >&2
(cd ui && npm run build >/dev/null)
cargo build --release -p vica-app -p vica-cli --features vica-app/custom-protocol >&2
cargo build --release --manifest-path benches/bare-window/Cargo.toml --target-dir target >&2

exec dbus-run-session -- xvfb-run -a -s "-screen 0 1400x900x24" \
  python3 scripts/bench_memory.py --rounds "$rounds" \
  --app target/release/vica-app --cli target/release/vica --bare target/release/vica-bare-window

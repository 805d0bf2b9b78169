#!/usr/bin/env bash
# Real-window end-to-end tests: builds the app with the UI inside, then drives
# it through tauri-driver and WebKitWebDriver under a virtual X server.
# Screenshots go to e2e/output/. Exits non-zero when a test fails.
#
# Needs (Debian): webkit2gtk-driver, xvfb, dbus, python3, node/npm, cargo.
# Extra arguments go to node's test runner, e.g. --test-name-pattern=Sunday.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CARGO=${CARGO:-cargo}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

missing=()
for tool in WebKitWebDriver xvfb-run dbus-run-session gnome-keyring-daemon curl python3 npm xdotool; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "e2e: missing ${missing[*]} (apt-get install webkit2gtk-driver xvfb dbus gnome-keyring curl python3 nodejs npm xdotool)" >&2
  exit 2
fi

if ! command -v tauri-driver >/dev/null; then
  echo "e2e: installing tauri-driver"
  "$CARGO" install tauri-driver --locked
fi

echo "e2e: building the UI and the app"
(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
# The UI is embedded only with custom-protocol; the CLI gives the core's own
# figures; vica-fakes serves fake providers to the accounts steps. The build
# is `make test-rust`'s (the binaries come with the integration tests), so
# after it nothing is compiled again; run alone, it builds the same.
"$CARGO" test --workspace --features vica-app/custom-protocol --no-run
# Private copies: another `cargo build -p vica-app` in the shared target dir
# (without custom-protocol, so loading a dev server) must not swap the app
# under a running test.
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target="$root/$target" ;; esac
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cp "$target/debug/vica-app" "$target/debug/vica" "$target/debug/vica-fakes" "$bin/"

echo "e2e: installing the test runner"
# --ignore-scripts: webdriverio's optional browser-driver downloads are not needed here.
(cd e2e && npm ci --no-audit --no-fund --ignore-scripts)

rm -rf e2e/output
mkdir -p e2e/output
export VICA_APP="$bin/vica-app" VICA_CLI="$bin/vica" VICA_FAKES="$bin/vica-fakes"

echo "e2e: running the tests (screenshots in e2e/output/)"
cd e2e
# The app's, the drivers' and D-Bus's chatter goes to a log, shown when something fails.
status=0
# --test-force-exit: an app process the driver left behind must not keep the
# runner (and CI) waiting once every test has finished; the timeout is a backstop.
timeout --kill-after=30 1500 dbus-run-session -- xvfb-run -a -s "-screen 0 1400x900x24" \
  node --test --test-force-exit --test-concurrency=1 --test-reporter=spec "$@" tests/app.test.mjs tests/window.test.mjs tests/perf.test.mjs tests/workhours.test.mjs 2>output/stderr.log || status=$?
# Nothing of the run may outlive it.
pkill -KILL -f "$VICA_APP" 2>/dev/null || true
if ((status != 0)); then
  echo "e2e: FAILED ($status). The end of e2e/output/stderr.log:" >&2
  tail -n 40 output/stderr.log >&2
fi
exit "$status"

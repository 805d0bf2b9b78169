#!/usr/bin/env bash
# The keychain integration tests against a real Secret Service.
#
# On Linux this starts a private D-Bus session with gnome-keyring, unlocked
# with a throwaway password, in temporary XDG dirs: the developer's own
# keyring is never touched, and no desktop session is needed (CI runs it).
# It runs crates/sync/tests/keychain.rs with its #[ignore]d tests included.
# On macOS and Windows the same tests use the login keychain / Credential
# Manager directly: cargo test -p vica-sync --test keychain -- --include-ignored
set -euo pipefail
cd "$(dirname "$0")/.."

# --workspace and the UI embedded (not -p vica-sync): the same feature set
# as `make test-rust`, so what it built is reused instead of rebuilt.
tests=(cargo test --workspace --features vica-app/custom-protocol --test keychain)

if [[ "$(uname -s)" != Linux ]]; then
    exec "${tests[@]}" -- --include-ignored --test-threads=1
fi

for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null; then
        echo "keychain-tests: $tool is missing; install dbus and gnome-keyring (scripts/setup.sh does)" >&2
        exit 1
    fi
done

# Compile outside the session, so the keyring only lives while the tests run.
"${tests[@]}" --no-run

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/runtime" "$tmp/data" "$tmp/config"
export XDG_RUNTIME_DIR="$tmp/runtime" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"

dbus-run-session -- bash -c '
    set -euo pipefail
    # A fresh "login" keyring, created and unlocked with this password.
    eval "$(printf %s vica-keychain-tests | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    # Wait until the daemon owns the Secret Service name on this bus.
    for _ in $(seq 50); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
            | grep -q "boolean true"; then
            break
        fi
        sleep 0.1
    done
    "$@" -- --include-ignored --test-threads=1
' keychain-tests "${tests[@]}"

#!/usr/bin/env bash
# Installs what building and testing Vica needs on Debian/Ubuntu: system
# libraries for Tauri (WebKitGTK), Xvfb and WebKitWebDriver for the real-window
# tests, gnome-keyring for the Secret Service tests, and the UI's npm packages.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev xvfb webkit2gtk-driver gnome-keyring dbus-x11 libsecret-1-dev rpm
  python3 curl xdotool
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed: see https://rustup.rs (then run this again)." >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "Node.js 20 or newer with npm is needed for the UI: see https://nodejs.org (then run this again)." >&2
  exit 1
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> installing UI packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

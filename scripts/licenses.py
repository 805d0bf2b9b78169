#!/usr/bin/env python3
"""Lists the third-party packages bundled into the Vica app and their licenses.

Rust: every crate the `vica-app` binary links (normal dependencies, followed
transitively through `cargo metadata`, for every target OS), without the
workspace's own crates. UI: the npm packages compiled into ui/dist (the UI's
production dependencies, plus Svelte's runtime and the packages it imports
at run time), from ui/package-lock.json.

    scripts/licenses.py           writes src-tauri/third-party-licenses.json
    scripts/licenses.py --check   fails when that file is not current

The About panel shows the file (src-tauri/src/about.rs embeds it).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src-tauri" / "third-party-licenses.json"
APP_CRATE = "vica-app"
# Svelte compiles the components away, but its runtime is bundled; these are
# the packages that runtime imports (node_modules/svelte/src/internal/client).
UI_RUNTIME = ["svelte", "clsx", "esm-env"]


def crates():
    # metadata resolves every platform's dependencies (the macOS and Windows
    # ones too), which a Linux build never downloads: fetch them first (a
    # no-op once they are in cargo's cache).
    subprocess.run(["cargo", "fetch", "--locked"], cwd=ROOT, check=True, capture_output=True)
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--offline"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    meta = json.loads(out)
    packages = {p["id"]: p for p in meta["packages"]}
    members = set(meta["workspace_members"])
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(i for i in members if packages[i]["name"] == APP_CRATE)
    seen, todo = set(), [root]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            # Only what is linked into the binary: no build scripts' or tests' dependencies.
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    result = []
    for pid in seen - members:
        p = packages[pid]
        result.append(
            {
                "name": p["name"],
                "version": p["version"],
                "license": p.get("license") or license_file(p),
                "source": "crate",
            }
        )
    return result


def license_file(package):
    if package.get("license_file"):
        return f"see {Path(package['license_file']).name} in the crate"
    return "unknown"


def npm_packages():
    lock = json.loads((ROOT / "ui" / "package-lock.json").read_text())
    entries = lock["packages"]
    result = []
    for path, p in entries.items():
        if not path.startswith("node_modules/"):
            continue
        name = path.rsplit("node_modules/", 1)[1]
        if p.get("dev") and name not in UI_RUNTIME:
            continue
        result.append(
            {
                "name": name,
                "version": p["version"],
                "license": p.get("license") or "unknown",
                "source": "npm",
            }
        )
    return result


def render():
    packages = sorted(crates() + npm_packages(), key=lambda p: (p["source"], p["name"].lower(), p["version"]))
    doc = {
        "generated_by": "scripts/licenses.py (do not edit by hand)",
        "packages": packages,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(
                f"{OUTPUT.relative_to(ROOT)} is not current (dependencies changed): run scripts/licenses.py",
                file=sys.stderr,
            )
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is current")
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

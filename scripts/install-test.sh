#!/usr/bin/env bash
# Installs the .deb built by `make bundle` as a user would, runs the installed
# app, removes it again, and checks each step:
#
#   1. the .rpm holds the same files as the .deb (rpm -qpl, dpkg-deb -c);
#   2. `apt-get install ./….deb` works and the package's declared
#      dependencies cover every library the binary links;
#   3. the installed /usr/bin/vica-app, launched through tauri-driver under
#      Xvfb with a fresh HOME, shows the demo week (e2e/tests/installed.test.mjs,
#      screenshots e2e/output/installed-*.png), keeps its database in the
#      per-user data dir and writes nothing outside the user's own dirs;
#   4. `apt-get remove --purge` leaves no file of the package behind.
#
# Needs root (apt-get, dpkg) and everything scripts/e2e.sh needs. It kills
# app processes and installs a system package: run it as
#   flock /tmp/vica-e2e.lock ./scripts/install-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
CARGO=${CARGO:-cargo}
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target="$root/$target" ;; esac

step() { echo "install-test: $*"; }
fail() {
  echo "install-test: FAILED: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (apt-get install, dpkg)"
deb=$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)
rpm=$(ls -t "$target"/release/bundle/rpm/*.rpm 2>/dev/null | head -n 1 || true)
[ -n "$deb" ] && [ -n "$rpm" ] || fail "no .deb or .rpm in $target/release/bundle: run make bundle"
pkg=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
step "testing $(basename "$deb") and $(basename "$rpm") (package $pkg $version)"

work=$(mktemp -d /tmp/vica-install-test.XXXXXX)
installed=0
cleanup() {
  if ((installed)); then
    DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq "$pkg" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The same files in both packages (directories aside: rpm lists only what it owns).
step "the .rpm and the .deb hold the same files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||; s|^|/|' | sort >"$work/deb-files"
dpkg-deb -c "$deb" | awk '$1 ~ /^d/ { print $6 }' | sed 's|^\./||; s|^|/|; s|/$||' | sort >"$work/deb-dirs"
rpm -qpl "$rpm" | sort | comm -23 - "$work/deb-dirs" >"$work/rpm-files"
if ! diff -u "$work/deb-files" "$work/rpm-files"; then
  fail "the .deb (-) and the .rpm (+) differ"
fi
echo "  $(wc -l <"$work/deb-files") files in each"

# 2. Install, as a user would, from a clean state.
if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ]; then
  step "removing an earlier $pkg first"
  DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq "$pkg" >/dev/null
fi
step "apt-get install $deb"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || {
  cat "$work/apt.log" >&2
  fail "apt-get install"
}
dpkg -L "$pkg" | sort >"$work/installed"
bin=$(grep -m 1 -E '^/usr/bin/[^/]+$' "$work/installed" || true)
[ -x "$bin" ] || fail "the package installs no program in /usr/bin"
echo "  $(wc -l <"$work/installed") paths; the program is $bin"

step "its declared dependencies cover every library it links"
ldd "$bin" >"$work/ldd"
if grep "not found" "$work/ldd" >&2; then
  fail "libraries missing"
fi
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "$pkg" 2>/dev/null | grep -v '^ ' | sed 's/[<>]//g; s/:.*//' | sort -u >"$work/closure"
missing_deps=()
for lib in $(readelf -d "$bin" | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }'); do
  path=$(ldconfig -p | awk -v lib="$lib" '$1 == lib && !found { print $NF; found = 1 }')
  [ -n "$path" ] || fail "$lib is not in the linker cache"
  owner=""
  for candidate in "$path" "$(realpath "$path")" "${path#/usr}"; do
    owner=$(dpkg -S "$candidate" 2>/dev/null | awk -F: 'NR == 1 { print $1 }') && [ -n "$owner" ] && break
  done
  [ -n "$owner" ] || fail "no package owns $path ($lib)"
  grep -qx "$owner" "$work/closure" || missing_deps+=("$lib (from $owner)")
done
((${#missing_deps[@]} == 0)) || fail "linked but not in the package's dependencies: ${missing_deps[*]}"
echo "  $(readelf -d "$bin" | awk '/NEEDED/' | wc -l) linked libraries, all from declared dependencies"

# 3. Run the installed app with a fresh HOME; look for files written outside it.
step "running the installed app (e2e/tests/installed.test.mjs)"
"$CARGO" build -q -p vica-cli
(cd e2e && { [ -d node_modules ] || npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; })
mkdir -p "$work/home" "$work/tmp" e2e/output
rm -f e2e/output/installed-*
touch "$work/marker"
sleep 1
status=0
(
  cd e2e
  HOME="$work/home" TMPDIR="$work/tmp" VICA_APP="$bin" VICA_CLI="$target/debug/vica" \
    TAURI_DRIVER="$(command -v tauri-driver)" VICA_INSTALLED_ROOT="$work/run-root" \
    timeout --kill-after=30 600 dbus-run-session -- xvfb-run -a -s "-screen 0 1400x900x24" \
    node --test --test-force-exit --test-concurrency=1 --test-reporter=spec tests/installed.test.mjs \
    2>output/installed-stderr.log
) || status=$?
# Only the installed program's processes: nothing else is touched.
for pid in $(pgrep -x "$(basename "$bin")" || true); do
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$bin" ] && kill -KILL "$pid" 2>/dev/null || true
done
if ((status != 0)); then
  tail -n 40 e2e/output/installed-stderr.log >&2
  fail "the installed app's tests ($status)"
fi

step "it wrote nothing outside the user's own dirs"
# System dirs: nothing new at all (apt's, the logs' and Xvfb's keymaps aside).
find /usr /etc /opt /srv /var -xdev -newer "$work/marker" \
  -not -path '/var/log/*' -not -path '/var/lib/apt/*' -not -path '/var/lib/dpkg/*' \
  -not -path '/var/cache/*' -not -path '/var/tmp/*' -not -path '/var/lib/systemd/*' \
  -not -path '/var/lib/xkb' -not -path '/var/lib/xkb/*' \
  2>/dev/null >"$work/stray" || true
# Shared dirs other work may write to: nothing of Vica's.
find /root /home /tmp /var/tmp -xdev -newer "$work/marker" \
  \( -iname '*vica*' -o -name 'app.vica.desktop' \) -not -path "$work" -not -path "$work/*" \
  -not -path "$root/*" 2>/dev/null >>"$work/stray" || true
if [ -s "$work/stray" ]; then
  cat "$work/stray" >&2
  fail "files written outside the user's data, config and cache dirs"
fi
echo "  none; inside the fresh HOME it wrote:"
grep -v mesa_shader_cache/ e2e/output/installed-files.txt | sed 's/^/    /'
echo "    (and $(grep -c mesa_shader_cache/ e2e/output/installed-files.txt) files of Mesa's shader cache in xdg-cache)"

# 4. Remove it: nothing of the package may stay.
step "apt-get remove --purge $pkg"
DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq "$pkg" >/dev/null
installed=0
if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" == *" installed" ]]; then
  fail "$pkg is still installed"
fi
left=()
while read -r path; do
  [ -e "$path" ] || [ -L "$path" ] || continue
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    # A directory stays only while another package owns it too.
    dpkg -S "$path" >/dev/null 2>&1 || left+=("$path/")
  else
    left+=("$path")
  fi
done <"$work/installed"
((${#left[@]} == 0)) || fail "left behind: ${left[*]}"
echo "  no file of $pkg is left"

step "sizes"
{
  echo "deb $(stat -c %s "$deb") $(basename "$deb")"
  echo "rpm $(stat -c %s "$rpm") $(basename "$rpm")"
  echo "binary $(stat -c %s "$target/release/vica-app") target/release/vica-app"
} | tee e2e/output/installed-sizes.txt
step "passed (screenshots: e2e/output/installed-*.png)"

#!/usr/bin/env bash
# ICS ingest benchmark: generates a vdir of 10,000 .ics files (one event
# each, 2% weekly series) spread over the sync window, then times whole
# `vica` processes (release build) in a fresh data dir:
#   add        `vica account add ics DIR`
#   sync 1     first sync (reads, expands and stores everything)
#   sync 2     nothing changed (every file stat'ed, none read, nothing written)
#   sync 3     one file changed (that file read, its one occurrence written)
#   week       `vica week` for the current week, first run and warm (median of 5)
# and, in the same run on the same vdir, khal 0.14.1 (installed with pip
# into a venv under target/bench-khal-venv on first use): `khal list` over
# the same window, first (it indexes the vdir into its own SQLite cache),
# again with nothing changed, and after the same one-file change.
# Usage: scripts/bench-ics.sh [EVENTS]   (VICA_BENCH_KEEP=1 keeps the temp dir;
# VICA_BENCH_NO_KHAL=1 leaves khal out)
set -euo pipefail

events="${1:-10000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

cargo build --release -p vica-cli >&2
vica="$root/target/release/vica"

khal=""
if [[ "${VICA_BENCH_NO_KHAL:-}" != 1 ]]; then
  venv="$root/target/bench-khal-venv"
  if ! "$venv/bin/khal" --version 2>/dev/null | grep -q '0\.14\.1'; then
    echo "installing khal 0.14.1 into $venv" >&2
    if python3 -m venv "$venv" >&2; then
      "$venv/bin/pip" install --quiet 'khal==0.14.1' >&2
    else
      # No venv module (Debian without python3-venv): a plain target folder.
      rm -rf "$venv" && mkdir -p "$venv/bin" "$venv/lib"
      python3 -m pip install --quiet --target "$venv/lib" 'khal==0.14.1' >&2
      printf '#!/bin/sh\nPYTHONPATH="%s" exec python3 -m khal "$@"\n' "$venv/lib" > "$venv/bin/khal"
      chmod +x "$venv/bin/khal"
    fi
  fi
  khal="$venv/bin/khal"
fi

work="$(mktemp -d)"
if [[ "${VICA_BENCH_KEEP:-}" != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
fi
vdir="$work/calendar"
data="$work/data"
mkdir -p "$vdir"

python3 - "$vdir" "$events" <<'PY'
import datetime as dt, os, sys
vdir, n = sys.argv[1], int(sys.argv[2])
now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
start = now - dt.timedelta(weeks=26)
span_hours = 30 * 7 * 24
with open(os.path.join(vdir, "displayname"), "w") as f:
    f.write("Bench vdir\n")
for i in range(n):
    at = start + dt.timedelta(hours=(i * 7919) % span_hours)
    at = at.replace(hour=8 + i % 10)
    stamp = at.strftime("%Y%m%dT%H%M%S")
    rule = "RRULE:FREQ=WEEKLY;COUNT=10\r\n" if i % 50 == 0 else ""
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//vdirsyncer//bench//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:bench-{i}@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{stamp}\r\nDURATION:PT{30 + 15 * (i % 4)}M\r\n{rule}"
        f"SUMMARY:Bench event {i}\r\nLOCATION:Room {i % 40}\r\n"
        "DESCRIPTION:Generated for scripts/bench-ics.sh\\, one per file.\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with open(os.path.join(vdir, f"bench-{i}.ics"), "w", newline="") as f:
        f.write(body)
PY

# khal on the same vdir: its cache in the temp dir, the sync window's range.
cat > "$work/khal.conf" <<CONF
[calendars]
[[bench]]
path = $vdir
type = calendar

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
default_timezone = Europe/Berlin
local_timezone = Europe/Berlin

[sqlite]
path = $work/khal.db
CONF
from=$(date -u -d '26 weeks ago' +%Y-%m-%d)
to=$(date -u -d '4 weeks' +%Y-%m-%d)
k() { "$khal" --config "$work/khal.conf" "$@"; }

ms() { # run a command, print its wall time in ms
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; return 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

v() { "$vica" --data-dir "$data" "$@"; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)

add=$(ms v account add ics "$vdir")
sync1=$(ms v sync)
stored=$(v status 2>/dev/null | grep -Eo '[0-9]+ events' | head -1 || true)
sync2=$(ms v sync)
khal1="-" khal2="-" khal3="-"
if [[ -n "$khal" ]]; then
  khal1=$(ms k list "$from" "$to")
  khal2=$(ms k list "$from" "$to")
fi
sleep 1
sed -i 's/SUMMARY:Bench event 1$/SUMMARY:Bench event 1 (changed)/; s/SUMMARY:Bench event 1\r$/SUMMARY:Bench event 1 (changed)\r/' "$vdir/bench-1.ics"
sync3=$(ms v sync)
if [[ -n "$khal" ]]; then
  khal3=$(ms k list "$from" "$to")
fi
week_first=$(ms v week)
runs=()
for _ in 1 2 3 4 5; do runs+=("$(ms v week)"); done
week_warm=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)
json_runs=()
for _ in 1 2 3 4 5; do json_runs+=("$(ms v week --json)"); done
json_warm=$(printf '%s\n' "${json_runs[@]}" | sort -n | sed -n 3p)
du_vdir=$(du -sh "$vdir" | cut -f1)
du_db=$(du -sh "$data" | cut -f1)

echo "vdir: $events files ($du_vdir), ${stored:-? events} stored; database dir $du_db"
echo
echo "load average before and after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | vica ms | khal 0.14.1 ms (\`khal list\` over the window) |"
echo "|---|---:|---:|"
echo "| first (read, expand, store / index into its cache) | $sync1 | $khal1 |"
echo "| nothing changed | $sync2 | $khal2 |"
echo "| one file changed | $sync3 | $khal3 |"
echo
echo "| run | ms |"
echo "|---|---:|"
echo "| vica account add ics DIR | $add |"
echo "| vica week (first after sync) | $week_first |"
echo "| vica week (warm, median of 5) | $week_warm |"
echo "| vica week --json (warm, median of 5) | $json_warm |"

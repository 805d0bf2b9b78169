"""The measuring half of scripts/bench-memory.sh (run it through that script:
it builds the binaries and provides Xvfb and the D-Bus session)."""

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

IDLE_SECONDS = int(os.environ.get("VICA_BENCH_IDLE", "10"))


def year_of_events(path, today):
    """A year of a busy calendar up to four weeks ahead, as one .ics file."""
    start = today - dt.timedelta(weeks=52)
    monday = start - dt.timedelta(days=start.weekday())
    until = (today + dt.timedelta(weeks=4)).strftime("%Y%m%dT000000Z")
    stamp = "20260101T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Vica//bench-memory//EN"]

    def event(uid, summary, begin, minutes, rule=None):
        end = begin + dt.timedelta(minutes=minutes)
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{uid}@bench.vica",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{begin.strftime('%Y%m%dT%H%M%SZ')}",
                f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
                f"SUMMARY:{summary}",
            ]
        )
        if rule:
            lines.append(f"RRULE:{rule};UNTIL={until}")
        lines.append("END:VEVENT")

    at = lambda day, hour, minute=0: dt.datetime.combine(day, dt.time(hour, minute))
    event("standup", "Daily standup", at(monday, 9, 30), 15, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    event("oneonone", "1:1 with Sam", at(monday + dt.timedelta(days=3), 14), 30, "FREQ=WEEKLY")
    event("planning", "Sprint planning", at(monday, 10), 60, "FREQ=WEEKLY;INTERVAL=2")
    event("focus", "Focus: deep work", at(monday + dt.timedelta(days=1), 13), 120, "FREQ=WEEKLY;BYDAY=TU,TH")
    event("review", "Monthly review", at(monday + dt.timedelta(days=4), 15), 60, "FREQ=MONTHLY;BYDAY=1FR")
    # Eight one-off meetings a week.
    n = 0
    day = monday
    while day <= today + dt.timedelta(weeks=4):
        for slot in range(8):
            d = day + dt.timedelta(days=slot % 5)
            event(f"once{n}", f"Meeting {n % 97}: topic {n % 13}", at(d, 11 + slot % 5, 30), 45)
            n += 1
        day += dt.timedelta(weeks=1)
    lines.append("END:VCALENDAR")
    with open(path, "w", newline="\r\n") as f:
        f.write("\n".join(lines) + "\n")
    return n + 5


def processes():
    """pid -> (ppid, name)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
            name = text[text.index("(") + 1 : text.rindex(")")]
            ppid = int(text[text.rindex(")") + 2 :].split()[1])
            out[int(entry)] = (ppid, name)
        except (OSError, ValueError):
            pass
    return out


def rollup(pid, field):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(root):
    all_ = processes()
    pids = [root]
    for pid in pids:
        pids.extend(p for p, (ppid, _) in all_.items() if ppid == pid)
    return [(p, all_.get(p, (0, "?"))[1]) for p in pids]


def window_up(title, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], capture_output=True)
        if found.returncode == 0 and found.stdout.strip():
            return
        time.sleep(0.2)
    raise SystemExit(f"bench-memory: no window titled {title!r} within {timeout} s")


def measure(cmd, title, env):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        window_up(title)
        time.sleep(IDLE_SECONDS)
        if proc.poll() is not None:
            raise SystemExit(f"bench-memory: {cmd[0]} exited with {proc.returncode}")
        procs = tree(proc.pid)
        rss = sum(rollup(p, "Rss") for p, _ in procs) / 1024
        pss = sum(rollup(p, "Pss") for p, _ in procs) / 1024
        each = [f"{n} {rollup(p, 'Pss') / 1024:.0f}" for p, n in procs]
        return rss, pss, each
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--app", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--bare", required=True)
    args = ap.parse_args()

    root = tempfile.mkdtemp(prefix="vica-bench-memory-")
    try:
        env = dict(os.environ)
        for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            env[name] = os.path.join(root, name.lower())
            os.makedirs(env[name])
        data = os.path.join(root, "data")
        env["VICA_DATA_DIR"] = data
        today = dt.date.today()
        ics = os.path.join(root, "year.ics")
        events = year_of_events(ics, today)
        since = (today - dt.timedelta(weeks=52)).isoformat()
        vica = lambda *a: subprocess.run([args.cli, "--data-dir", data, *a], env=env, check=True, stdout=subprocess.DEVNULL)
        vica("config", "set", "history_since", since)
        vica("account", "add", "ics", ics)
        vica("sync")
        held = subprocess.run(
            [sys.executable, "-c", "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM events').fetchone()[0])", os.path.join(data, "vica.db")],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        print(f"data: a local ICS calendar of {events} events and series, {held} occurrences in the cache, back to {since}")

        # Each binary in both renderings: as shipped (no GPU compositing on
        # Linux, src-tauri/src/webview.rs; the bare window does the same) and
        # with WebKit's default (VICA_GPU_COMPOSITING=1), interleaved.
        modes = (("shipped", env), ("gpu", {**env, "VICA_GPU_COMPOSITING": "1"}))
        runs = {(mode, kind): [] for mode, _ in modes for kind in ("app", "bare")}
        for r in range(args.rounds):
            for mode, mode_env in modes:
                for kind, cmd, title in (("app", [args.app], "Vica"), ("bare", [args.bare], "Bare window")):
                    rss, pss, procs = measure(cmd, title, mode_env)
                    runs[(mode, kind)].append((rss, pss))
                    print(f"round {r + 1}, {mode}, {kind}: RSS {rss:.0f} MiB, PSS {pss:.0f} MiB (PSS of each: {', '.join(procs)})", flush=True)

        med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in runs.items()}
        ratio = lambda a, b, i: med[a][i] / med[b][i]
        print()
        print(f"| idle, {IDLE_SECONDS} s after the window is up, median of {args.rounds} | app RSS | app PSS | bare RSS | bare PSS | app ÷ bare, RSS | app ÷ bare, PSS |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for mode, label in (("shipped", "as shipped: no GPU compositing, both (target ≤ 1.3× PSS)"), ("gpu", "WebKit's default, GPU compositing, both (`VICA_GPU_COMPOSITING=1`)")):
            a, b = (mode, "app"), (mode, "bare")
            print(f"| {label} | {med[a][0]:.0f} | {med[a][1]:.0f} | {med[b][0]:.0f} | {med[b][1]:.0f} | {ratio(a, b, 0):.2f}× | {ratio(a, b, 1):.2f}× |")
        if med[("shipped", "app")][1] > 0.9 * med[("gpu", "app")][1]:
            print("bench-memory: the app held about as much without GPU compositing as with it: is its webview setting (src-tauri/src/webview.rs) applied?", file=sys.stderr)
        a, b = ("shipped", "app"), ("gpu", "bare")
        print(f"| the app as shipped, the bare window with WebKit's default | {med[a][0]:.0f} | {med[a][1]:.0f} | {med[b][0]:.0f} | {med[b][1]:.0f} | {ratio(a, b, 0):.2f}× | {ratio(a, b, 1):.2f}× |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

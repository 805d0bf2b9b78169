// Start-up time and idle memory of the real app under Xvfb, for
// docs/benchmarks.md. Figures, not pass/fail: the test fails only when the
// app does not come up. Writes e2e/output/perf.json and prints the figures.
//
// - Start to first rendered week: from asking tauri-driver for a session
//   (which launches the app) until the week's day columns are on screen with
//   loading settled, on a data dir that already holds the demo (a second and
//   later start, as a user has). Three starts; the median is reported.
//   "Cold" here is a new process; the OS file cache is warm.
// - Idle memory: 5 s after the first week showed, the resident set (RSS) and
//   the proportional set (PSS, shared pages split between processes) of the
//   app and every process below it (WebKit's web and network processes).
// - Week switch: inside the page, from a click on "Next week" / "Previous
//   week" until the new week is in the DOM and laid out (the app's work: IPC,
//   core, Svelte, style, layout; target one frame, 16.7 ms; the app's User
//   Timing marks split out the IPC and Svelte's update), until the frame
//   that shows it is painted (Xvfb paints in software), and until the frame
//   after that begins (which also waits for work done in between), 20
//   switches (ten back through the demo's history, ten forward); and how
//   far the day columns moved on screen across a switch (0 px: nothing
//   jumps).

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { APP, Harness, OUTPUT } from "../lib/harness.mjs";

const h = new Harness();

/** pid -> { ppid, name, cmd } for every process we may read. */
function processes() {
  const all = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "";
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      all.set(Number(entry), { ppid, name, cmd });
    } catch {
      // Gone meanwhile.
    }
  }
  return all;
}

/** kB of a field in /proc/<pid>/smaps_rollup (Rss, Pss), or 0. */
function rollup(pid, field) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The app's processes: the newest one running APP and everything below it. */
function appTree() {
  const all = processes();
  const apps = [...all.entries()].filter(([, p]) => p.cmd.startsWith(APP)).map(([pid]) => pid);
  assert.ok(apps.length > 0, `no process runs ${APP}`);
  const root = Math.max(...apps);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, p] of all) if (p.ppid === tree[i]) tree.push(pid);
  }
  return tree.map((pid) => ({ pid, name: all.get(pid)?.name ?? "?" }));
}

async function weekOnScreen() {
  const b = h.browser;
  await b.$("section.days").waitForExist({ timeout: 30_000 });
  await b.$('main[aria-busy="false"]').waitForExist({ timeout: 30_000 });
}

/**
 * Runs in the page: `n` switches forward then back. Each is timed from the
 * click to the new week in the DOM with its layout done (`work`: the IPC, the
 * core's week, Svelte's update, style and layout; a MutationObserver sees the
 * change as it lands, then a layout is forced; `layout` is that forced style
 * and layout alone), on to the frame that shows it painted (`painted`: plus
 * painting and compositing, which Xvfb does in software) and to the start
 * of the frame after (`nextFrame`). Also the largest shift of the day
 * columns' top edge.
 */
function switchWeeks(n) {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const daysTop = () => document.querySelector("section.days")?.getBoundingClientRect().top ?? NaN;
  const settled = (before) =>
    new Promise((resolve) => {
      const done = () => {
        const days = document.querySelector("section.days");
        return days && days.getAttribute("data-week") !== before && !document.querySelector('main[aria-busy="true"]');
      };
      const observer = new MutationObserver(() => {
        if (!done()) return;
        observer.disconnect();
        resolve();
      });
      // Only the attributes that say a switch has landed (which slot is
      // shown, its week, loading settled): recording every node Svelte
      // touches would add the observer's own work to the figure.
      observer.observe(document.querySelector("main") ?? document.body, {
        subtree: true,
        attributes: true,
        attributeFilter: ["data-week", "aria-busy", "class"],
      });
    });
  return (async () => {
    const work = [];
    const layout = [];
    const painted = [];
    const nextFrame = [];
    let ahead = 0;
    const ipc = [];
    const svelte = [];
    const mark = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? NaN;
    let shift = 0;
    for (let i = 0; i < n; i++) {
      // Back through the demo's history first (weeks full of events), then forward again.
      const label = i < n / 2 ? "Previous week" : "Next week";
      const before = document.querySelector("section.days")?.getAttribute("data-week");
      const top = daysTop();
      const landed = settled(before);
      const t0 = performance.now();
      document.querySelector(`button[aria-label="${label}"]`)?.click();
      await landed;
      const t1 = performance.now();
      void document.body.offsetHeight;
      const t2 = performance.now();
      work.push(t2 - t0);
      layout.push(t2 - t1);
      // The app's own marks (ui/src/features/week/weekNav.svelte.ts): the IPC round trip, and Svelte's update.
      ipc.push(mark("vica:week-answered") - mark("vica:week-asked"));
      // Served from the weeks the app read ahead (no round trip).
      if (performance.getEntriesByName("vica:week-ahead").length > 0) ahead++;
      svelte.push(mark("vica:week-shown") - mark("vica:week-answered"));
      // The frame that shows the new week: its animation-frame callbacks
      // run, then it is painted, then a task queued from them runs.
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      painted.push(performance.now() - t0);
      // And the frame after (what this figure was until 2026-12): it also
      // waits for whatever ran in between, such as laying out a week read ahead.
      await frame();
      nextFrame.push(performance.now() - t0);
      shift = Math.max(shift, Math.abs(daysTop() - top));
      // The next click starts from an idle page.
      await new Promise((r) => setTimeout(r, 50));
    }
    return { work, layout, painted, nextFrame, ipc, svelte, shift, ahead };
  })();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const round = (x) => Math.round(x * 10) / 10;

/** The figures of one `switchWeeks` run. */
function summarize({ work, layout, painted, nextFrame, ipc, svelte, shift, ahead }) {
  return {
    switches: work.length,
    read_ahead: ahead,
    work_median_ms: round(median(work)),
    work_p95_ms: round(p95(work)),
    ipc_median_ms: round(median(ipc)),
    svelte_median_ms: round(median(svelte)),
    style_layout_median_ms: round(median(layout)),
    painted_median_ms: round(median(painted)),
    painted_p95_ms: round(p95(painted)),
    next_frame_median_ms: round(median(nextFrame)),
    max_column_shift_px: round(shift),
  };
}

function describeSwitches(s) {
  return (
    `${s.switches} switches (${s.read_ahead} served from the weeks read ahead) click to laid out ${s.work_median_ms} ms median ` +
    `(p95 ${s.work_p95_ms} ms; IPC ${s.ipc_median_ms} ms, Svelte ${s.svelte_median_ms} ms, style and layout ${s.style_layout_median_ms} ms), ` +
    `to painted ${s.painted_median_ms} ms (p95 ${s.painted_p95_ms} ms), to the frame after ${s.next_frame_median_ms} ms; day columns moved at most ${s.max_column_shift_px} px`
  );
}

/**
 * Ends app processes an earlier suite of this run left behind (they run
 * this run's private copy of the app): the single-instance plugin would
 * hand every new start over to them, and no window would open.
 */
async function endLeftoverApps() {
  const leftovers = () => [...processes().entries()].filter(([, p]) => p.cmd.startsWith(APP)).map(([pid]) => pid);
  for (const pid of leftovers()) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  const until = Date.now() + 10_000;
  while (leftovers().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  for (const pid of leftovers()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

describe("performance of the real app", () => {
  before(async () => {
    await endLeftoverApps();
    await h.start();
    // First run: the demo arrives through the app's own sync.
    await h.open();
    await h.close();
  });
  after(async () => {
    await h.stop();
  });

  it("measures start to first rendered week and idle memory", async () => {
    const starts = [];
    let memory = null;
    let weekSwitch = null;
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      await h.open({ week: false });
      await weekOnScreen();
      starts.push(Math.round(performance.now() - t0));
      if (run === 0) {
        await new Promise((r) => setTimeout(r, 5000));
        const tree = appTree();
        const procs = tree.map(({ pid, name }) => ({
          pid,
          name,
          rss_kb: rollup(pid, "Rss"),
          pss_kb: rollup(pid, "Pss"),
        }));
        memory = {
          processes: procs,
          rss_mb: Math.round(procs.reduce((s, p) => s + p.rss_kb, 0) / 1024),
          pss_mb: Math.round(procs.reduce((s, p) => s + p.pss_kb, 0) / 1024),
        };
        await h.browser.execute(() => window.scrollTo(0, 0));
        // The first 20 switches after start, then 20 more once the page's
        // code has warmed up (WebKit's JIT), as in a review that goes on.
        const first = summarize(await h.browser.execute(switchWeeks, 20));
        const warm = summarize(await h.browser.execute(switchWeeks, 20));
        weekSwitch = { ...first, warm };
      }
      await h.close();
    }
    const figures = {
      measured_at: new Date().toISOString(),
      display: "Xvfb 1400x900x24",
      start_to_first_week_ms: { runs: starts, median: median(starts) },
      idle_memory: memory,
      week_switch: weekSwitch,
    };
    writeFileSync(join(OUTPUT, "perf.json"), JSON.stringify(figures, null, 2) + "\n");
    console.log(
      `perf: start to first rendered week ${median(starts)} ms (runs ${starts.join(", ")} ms); ` +
        `idle memory of ${memory.processes.length} processes (${memory.processes.map((p) => p.name).join(", ")}): ` +
        `RSS ${memory.rss_mb} MB, PSS ${memory.pss_mb} MB; ` +
        `week switch: first ${describeSwitches(weekSwitch)}; then ${describeSwitches(weekSwitch.warm)}`,
    );
    assert.ok(existsSync(join(OUTPUT, "perf.json")));
    assert.ok(memory.processes.length >= 2, "the app and at least one WebKit process");
    assert.ok(memory.rss_mb > 0);
    assert.equal(weekSwitch.switches, 20);
    assert.ok(weekSwitch.warm.read_ahead > 0, "switches are served from the weeks read ahead");
    assert.ok(Number.isFinite(weekSwitch.ipc_median_ms) && Number.isFinite(weekSwitch.svelte_median_ms), "the app's User Timing marks");
  });
});

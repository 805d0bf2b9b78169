// The app as a user gets it: scripts/install-test.sh installs the .deb and
// runs this file with VICA_APP=/usr/bin/vica-app, HOME and TMPDIR in a fresh
// folder, under Xvfb and a private D-Bus session. No VICA_DATA_DIR: the app
// picks its own per-user data dir. The week it shows is checked against the
// core's figures (the `vica` CLI over the same data dir); screenshots go to
// e2e/output/installed-*.png.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { APP, Harness, OUTPUT, formatDuration } from "../lib/harness.mjs";

const h = new Harness({ defaultDataDir: true });

/** Every file under `dir`, relative to it. */
function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path).map((f) => join(entry.name, f)));
    else out.push(entry.name);
  }
  return out;
}

/** The week on screen once the first run is through: the welcome screen's demo, or the week at once. */
async function reachWeek(b) {
  await b.waitUntil(
    async () => (await b.$("section.days").isExisting()) || (await b.$("main.welcome").isExisting()),
    { timeout: 30_000, timeoutMsg: "neither the welcome screen nor a week showed" },
  );
  if (await b.$("main.welcome").isExisting()) {
    await h.screenshot("installed-welcome");
    await b.$("main.welcome button.choice.primary").click();
  }
  await b.$("section.days").waitForExist({ timeout: 30_000 });
  await h.synced();
  await b.$('main[aria-busy="false"]').waitForExist();
}

describe("the installed .deb", () => {
  before(async () => {
    assert.ok(APP.startsWith("/usr/"), `VICA_APP should be the installed binary, not ${APP}`);
    await h.start();
  });
  after(async () => {
    // install-test.sh looks for files written outside this folder afterwards.
    if (process.env.VICA_INSTALLED_ROOT) writeFileSync(process.env.VICA_INSTALLED_ROOT, h.root);
    await h.stop({ keepData: Boolean(process.env.VICA_INSTALLED_ROOT) });
  });

  it("shows the demo week, as the core computes it", async () => {
    const b = await h.open({ week: false });
    await reachWeek(b);
    const key = await b.$("section.days").getAttribute("data-week");
    const core = h.week(key);
    assert.equal(await b.$("h1").getProperty("textContent"), core.label);
    const figure = (id) => b.$(`.week-slot.shown [data-figure="${id}"] .value`).getText();
    assert.equal(await figure("event-count"), String(core.totals.event_count));
    assert.equal(await figure("tasks-completed"), String(core.totals.tasks_completed));
    assert.equal(await figure("event-minutes"), formatDuration(core.totals.event_minutes));
    assert.ok(core.totals.event_count > 0, "the demo week has events");
    await h.screenshot("installed-week");
  });

  it("keeps its database in the per-user data dir", () => {
    assert.equal(h.dataDir, join(h.root, "xdg-data", "vica"));
    assert.ok(existsSync(join(h.dataDir, "vica.db")), `no database in ${h.dataDir}`);
    // Everything the run wrote under its root is in the user's XDG data,
    // config or cache dir; install-test.sh checks the rest of the system.
    const stray = files(h.root).filter((f) => !/^xdg-(data|config|cache)\//.test(f));
    assert.deepEqual(stray, [], "files outside the XDG dirs");
    const written = files(h.root).map((f) => `${f} (${statSync(join(h.root, f)).size} B)`);
    writeFileSync(join(OUTPUT, "installed-files.txt"), `${written.join("\n")}\n`);
  });

  it("About shows the version and the data folder", async () => {
    const b = h.browser;
    await b.execute(() => window.scrollTo(0, 0));
    await b.$("button.settings-button").click();
    // The settings dialog opens once its settings are loaded: click About only then.
    await b.$("dialog.settings[open]").waitForDisplayed();
    const aboutButton = b.$("dialog.settings .about-button");
    await aboutButton.waitForClickable();
    await aboutButton.click();
    const about = b.$("dialog.about[open]");
    await about.waitForDisplayed();
    await about.$("[data-version]").waitForExist();
    const version = await about.$("[data-version]").getAttribute("data-version");
    const cli = spawnSync("dpkg-query", ["-W", "-f=${Version}", "vica"], { encoding: "utf8" });
    assert.equal(version, cli.stdout.trim(), "the About version is the package's");
    assert.equal(await about.$('[data-testid="data-dir"]').getText(), h.dataDir);
    assert.ok((await about.$$(".groups .group").length) > 3, "license groups are listed");
    await h.screenshot("installed-about");
    await about.$("button.primary").click();
    await b.$("dialog.settings").$("button=Cancel").click();
  });

  it("a second launch hands over to the running window and exits", async () => {
    const env = {
      ...process.env,
      XDG_DATA_HOME: join(h.root, "xdg-data"),
      XDG_CONFIG_HOME: join(h.root, "xdg-config"),
      XDG_CACHE_HOME: join(h.root, "xdg-cache"),
    };
    delete env.VICA_DATA_DIR;
    const second = spawnSync(APP, [], { env, timeout: 30_000, encoding: "utf8" });
    assert.equal(second.error, undefined, `the second launch did not exit: ${second.error}`);
    assert.equal(second.status, 0, second.stderr);
    // The first window still answers.
    assert.ok(await h.browser.$("section.days").isExisting());
  });

  // Window size and position (tauri-plugin-window-state) are saved when the
  // window closes normally; ending a WebDriver session kills the app instead,
  // so what is remembered is not checked here, only that a restart works.
  it("starts again once closed (the single-instance lock is released)", async () => {
    await h.close();
    const b = await h.open({ week: false });
    await b.$("section.days").waitForExist({ timeout: 30_000 });
    await h.screenshot("installed-restarted");
  });
});


/**
 * Bad input: the window says what is wrong (the startup error panel) instead
 * of crashing or staying blank. Each case starts the installed app on a data
 * dir prepared by `prepare(dir)`.
 */
describe("the installed app on bad input", () => {
  /** @param {(dir: string) => void} prepare */
  async function startupPanel(name, prepare) {
    const bad = new Harness();
    await bad.start();
    mkdirSync(bad.dataDir, { recursive: true });
    let mounted = false;
    try {
      mounted = prepare(bad.dataDir) === "mounted";
      const b = await bad.open({ week: false });
      const panel = b.$('section.panel[role="alert"]');
      await panel.waitForExist({ timeout: 30_000 });
      const text = await panel.getText();
      await bad.screenshot(`installed-${name}`);
      return text;
    } finally {
      await bad.close().catch(() => {});
      if (mounted) execFileSync("umount", [bad.dataDir]);
      await bad.stop();
    }
  }

  it("an unwritable data dir (a read-only mount; root ignores file modes)", async () => {
    const text = await startupPanel("unwritable", (dir) => {
      execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir]);
      return "mounted";
    });
    assert.match(text, /can’t open its data/);
    assert.match(text, /read-only|readonly|cannot|unable/i);
  });

  it("a database from a newer Vica (after a downgrade)", async () => {
    const text = await startupPanel("newer-database", (dir) => {
      execFileSync("python3", [
        "-c",
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 999'); c.commit()",
        join(dir, "vica.db"),
      ]);
    });
    assert.match(text, /newer/i);
    assert.match(text, /999/);
  });
});

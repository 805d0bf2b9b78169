// What the real-window tests stand on: the built app, tauri-driver in front of
// WebKitWebDriver, a fresh data dir, the `vica` CLI over the same data (the
// core's own figures) and screenshots in e2e/output/.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, "../..");
const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, "target");

/** The app binary, built with the UI inside (`--features custom-protocol`). */
export const APP = process.env.VICA_APP ?? join(target, "debug", "vica-app");
/** The CLI over the same core. */
export const CLI = process.env.VICA_CLI ?? join(target, "debug", "vica");
/** The fake providers as a process (`crates/fakes/src/bin/vica-fakes.rs`). */
export const FAKES = process.env.VICA_FAKES ?? join(target, "debug", "vica-fakes");
export const OUTPUT = join(repo, "e2e", "output");

function which(name) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  return null;
}

const TAURI_DRIVER =
  process.env.TAURI_DRIVER ?? which("tauri-driver") ?? join(process.env.HOME ?? "", ".cargo", "bin", "tauri-driver");

/** A TCP port nobody is listening on right now. */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitForPort(port, child, ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    const open = await new Promise((done) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        done(true);
      });
      socket.once("error", () => done(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on port ${port} within ${ms} ms`);
}

/** The D-Bus name tauri-plugin-single-instance holds for the running app. */
const SINGLE_INSTANCE_NAME = "app.vica.desktop.SingleInstance";

/** Waits (up to 15 s) until no running app holds the single-instance name on the session bus. */
async function singleInstanceReleased(ms = 15_000) {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS || !which("dbus-send")) return;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    let held = false;
    try {
      const out = execFileSync(
        "dbus-send",
        ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
          "org.freedesktop.DBus.NameHasOwner", `string:${SINGLE_INSTANCE_NAME}`],
        { encoding: "utf8" },
      );
      held = out.includes("boolean true");
    } catch {
      return;
    }
    if (!held) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * One test run: a fresh data dir, tauri-driver started with VICA_DATA_DIR
 * pointing at it, and app sessions opened and closed on demand.
 */
export class Harness {
  /** Everything this run writes: the data dir and the webview's own storage. */
  root = "";
  dataDir = "";
  /** @type {import("webdriverio").Browser | null} */
  browser = null;
  #driver = null;
  #port = 0;
  /** The Secret Service of this run (gnome-keyring), when asked for. */
  #keyring = null;
  #defaultDataDir = false;
  /** The file of answers to the app's native dialogs (see `answerDialogs`). */
  #dialogs = "";

  /**
   * @param {{ defaultDataDir?: boolean }} [options] `defaultDataDir`: no
   *   VICA_DATA_DIR, so the app picks its own per-user data dir
   *   ($XDG_DATA_HOME/vica), as an installed app does.
   */
  constructor({ defaultDataDir = false } = {}) {
    this.#defaultDataDir = defaultDataDir;
  }

  /**
   * Answers the next native dialogs the app shows, in order: `folder <path>`,
   * `replace` or `cancel`. WebDriver cannot reach a GTK dialog, so a debug
   * build of the app reads these instead of showing one (src-tauri/src/dialogs.rs).
   */
  answerDialogs(...answers) {
    writeFileSync(this.#dialogs, answers.join("\n"));
    rmSync(`${this.#dialogs}.asked`, { force: true });
  }

  /**
   * Asks the app's windows to close as a window manager's close button does
   * (there is no window manager under Xvfb): WM_DELETE_WINDOW to each window
   * titled "Vica" (`wm-close.py`, windows found with xdotool).
   */
  closeLikeTheWindowManager() {
    const ids = execFileSync("xdotool", ["search", "--name", "^Vica$"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    if (ids.length === 0) throw new Error("no window titled Vica");
    execFileSync("python3", [join(here, "wm-close.py"), ...ids]);
  }

  /** The dialogs the app asked for since the last `answerDialogs`, as it named them. */
  askedDialogs() {
    const asked = `${this.#dialogs}.asked`;
    return existsSync(asked) ? readFileSync(asked, "utf8").split("\n").filter(Boolean) : [];
  }

  /**
   * Starts tauri-driver (and, with it, each app session) with `env` on top
   * of the run's environment; `keyring` starts a private, unlocked
   * gnome-keyring first, so the app can keep tokens (connecting accounts).
   */
  async start({ env: extra = {}, keyring = false } = {}) {
    for (const [what, path] of [
      ["the app (cargo build -p vica-app --features custom-protocol)", APP],
      ["the CLI (cargo build -p vica-cli)", CLI],
      ["tauri-driver (cargo install tauri-driver --locked)", TAURI_DRIVER],
    ]) {
      if (!existsSync(path)) throw new Error(`missing ${what}: ${path}`);
    }
    mkdirSync(OUTPUT, { recursive: true });
    this.root = mkdtempSync(join(tmpdir(), "vica-e2e-"));
    this.dataDir = join(this.root, "data");
    const xdg = (name) => {
      const dir = join(this.root, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    this.#port = await freePort();
    const nativePort = await freePort();
    // The app inherits this environment through tauri-driver and WebKitWebDriver.
    // Its own XDG dirs keep WebKit's localStorage (the theme) out of the user's and other runs'.
    this.#dialogs = join(this.root, "dialogs");
    const env = {
      ...process.env,
      VICA_DATA_DIR: this.dataDir,
      // The app's native dialogs, answered by the test (debug builds only: src-tauri/src/dialogs.rs).
      VICA_E2E_DIALOGS: this.#dialogs,
      XDG_DATA_HOME: xdg("xdg-data"),
      XDG_CACHE_HOME: xdg("xdg-cache"),
      XDG_CONFIG_HOME: xdg("xdg-config"),
    };
    if (this.#defaultDataDir) {
      delete env.VICA_DATA_DIR;
      this.dataDir = join(env.XDG_DATA_HOME, "vica");
    }
    Object.assign(env, extra);
    if (keyring) await this.#startKeyring(env, xdg("xdg-runtime"));
    this.#driver = spawn(TAURI_DRIVER, ["--port", String(this.#port), "--native-port", String(nativePort)], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    // tauri-driver starts WebKitWebDriver itself; both must listen before a session can start.
    await waitForPort(this.#port, this.#driver);
    await waitForPort(nativePort, this.#driver);
  }

  /**
   * Starts the app and waits for its first week; with `{ week: false }` it
   * returns as soon as the session is up (the caller waits for what it expects).
   */
  async open({ week = true, firstRun = "demo" } = {}) {
    this.browser = await remote({
      hostname: "127.0.0.1",
      port: this.#port,
      // Failures surface as exceptions; the expected "no such alert" is not worth a log line.
      logLevel: "silent",
      connectionRetryCount: 2,
      connectionRetryTimeout: 120_000,
      waitforTimeout: 15_000,
      capabilities: {
        browserName: "wry",
        "tauri:options": { application: APP },
        // tauri-driver speaks WebDriver Classic only.
        "wdio:enforceWebDriverClassic": true,
      },
    });
    if (!week) return this.browser;
    // A fresh data dir starts on the welcome screen: the suite's steps run on the demo.
    // One query at a time: elements made up front would query WebKitWebDriver
    // concurrently, which can stall it.
    const shown = async (selector) => this.browser.$(selector).isExisting();
    await this.browser.waitUntil(async () => (await shown("section.days")) || (await shown("main.welcome")), {
      timeout: 30_000,
      timeoutMsg: "neither the week nor the welcome screen showed",
    });
    if (await shown("main.welcome")) {
      if (firstRun === "welcome") return this.browser;
      await this.browser.$("button*=Try with demo data").click();
    }
    await this.browser.$("section.days").waitForExist({ timeout: 30_000 });
    // The app syncs on start (the demo on a fresh data dir); the steps start from its result.
    await this.synced();
    return this.browser;
  }

  /**
   * Waits until no sync runs and one has succeeded (after `since`, an RFC 3339
   * instant, when given); returns the time of that sync.
   */
  async synced(since = "") {
    let at = "";
    await this.browser.waitUntil(
      async () => {
        const sync = this.browser.$('.sync[data-sync-state="idle"]');
        if (!(await sync.isExisting())) return false;
        at = (await sync.getAttribute("data-synced-at")) ?? "";
        return at !== "" && (since === "" || Date.parse(at) > Date.parse(since));
      },
      { timeout: 60_000, timeoutMsg: `no sync finished${since ? ` after ${since}` : ""}` },
    );
    return at;
  }

  /** Ends the session, which quits the app. */
  async close() {
    if (!this.browser) return;
    const browser = this.browser;
    this.browser = null;
    await browser.deleteSession();
    // The app holds a D-Bus name while it runs (single instance): a launch
    // before it is released would only hand over to the closing app and exit.
    await singleInstanceReleased();
  }

  async stop({ keepData = false } = {}) {
    try {
      await this.close();
    } catch {
      // The driver is going away anyway.
    }
    if (this.#keyring && this.#keyring.exitCode === null) this.#keyring.kill("SIGTERM");
    if (this.#driver && this.#driver.exitCode === null) {
      this.#driver.kill("SIGTERM");
      await new Promise((r) => {
        const timer = setTimeout(() => {
          this.#driver?.kill("SIGKILL");
          r();
        }, 5000);
        this.#driver?.once("exit", () => {
          clearTimeout(timer);
          r();
        });
      });
    }
    // The app's WebKit processes may still be writing their shader cache as
    // they quit: retry a little, and leave a stubborn temp dir behind rather
    // than fail a test over cleaning up.
    if (this.root && !keepData) {
      try {
        rmSync(this.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
      } catch (err) {
        console.warn(`harness: left ${this.root} behind: ${err.message}`);
      }
    }
  }

  /**
   * A private gnome-keyring on the run's D-Bus session (scripts/e2e.sh runs
   * under dbus-run-session), unlocked with a throwaway password, its files in
   * the run's own XDG dirs: the user's keyring is never touched. It replaces
   * one the desktop portal may have activated on the bus, whose keyring is locked.
   */
  async #startKeyring(env, runtimeDir) {
    const keyringEnv = { ...env, XDG_RUNTIME_DIR: runtimeDir };
    this.#keyring = spawn("gnome-keyring-daemon", ["--replace", "--foreground", "--unlock", "--components=secrets"], {
      env: keyringEnv,
      stdio: ["pipe", "ignore", "inherit"],
    });
    this.#keyring.stdin.end("vica-e2e-keyring");
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (this.#keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited with ${this.#keyring.exitCode}`);
      try {
        const out = execFileSync(
          "dbus-send",
          ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
          { encoding: "utf8", env: keyringEnv },
        );
        if (out.includes("boolean true")) return;
      } catch {
        // Not on the bus yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("gnome-keyring did not own org.freedesktop.secrets within 10 s");
  }

  /** The core's week model, from `vica week --json` on the same data. */
  week(key) {
    const out = execFileSync(CLI, ["--data-dir", this.dataDir, "week", "--week", key, "--json"], {
      encoding: "utf8",
    });
    return JSON.parse(out);
  }

  /** Every source with its account and last sync, from `vica status` on the same data. */
  status() {
    return execFileSync(CLI, ["--data-dir", this.dataDir, "status"], { encoding: "utf8" });
  }

  /** Writes a timed event straight into the cache, as a sync would have left it. */
  insertEvent({ title, start, end, providerId }) {
    const script = `
import sqlite3, sys
db, title, start, end, provider_id = sys.argv[1:6]
con = sqlite3.connect(db, timeout=10)
row = con.execute(
    "SELECT id FROM sources WHERE kind = 'calendar' AND included = 1 AND gone = 0 ORDER BY id LIMIT 1"
).fetchone()
if row is None:
    sys.exit("no included calendar in " + db)
con.execute(
    "INSERT INTO events (source_id, provider_id, title, location, all_day, start_utc, end_utc, status, my_response)"
    " VALUES (?, ?, ?, ?, 0, ?, ?, 'confirmed', 'accepted')",
    (row[0], provider_id, title, title, int(start), int(end)),
)
con.commit()
`;
    execFileSync("python3", [
      "-c",
      script,
      join(this.dataDir, "vica.db"),
      title,
      String(Math.floor(start.getTime() / 1000)),
      String(Math.floor(end.getTime() / 1000)),
      providerId,
    ]);
  }

  async screenshot(name) {
    if (!this.browser) return;
    // Two frames, so what the DOM says has been painted (WebKit paints lazily under Xvfb).
    await this.browser
      .executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())))
      .catch(() => {});
    // WebKitWebDriver takes the screenshot after the page's next paint; the
    // app paints without GPU compositing (src-tauri/src/webview.rs), where a
    // page with nothing left to paint never paints again and the screenshot
    // would wait for ever. So a 1 px mark, invisible, changes until it is taken.
    await this.browser.execute(() => {
      const mark = document.createElement("div");
      mark.id = "e2e-paint";
      mark.setAttribute("aria-hidden", "true");
      mark.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;opacity:0.01";
      document.documentElement.append(mark);
      let odd = false;
      window.__e2ePaint = setInterval(() => {
        odd = !odd;
        mark.style.background = odd ? "#000" : "#fff";
      }, 50);
    });
    try {
      await this.browser.saveScreenshot(join(OUTPUT, `${name}.png`));
    } finally {
      await this.browser
        .execute(() => {
          clearInterval(window.__e2ePaint);
          document.getElementById("e2e-paint")?.remove();
        })
        .catch(() => {});
    }
  }
}

/** The UI's duration format (ui/src/lib/format.ts), written again so a bug there shows here. */
export function formatDuration(minutes) {
  const total = Math.round(Math.abs(minutes));
  const hours = Math.floor(total / 60);
  const mins = total % 60;
  if (hours === 0) return `${mins} min`;
  if (mins === 0) return `${hours} h`;
  return `${hours} h ${mins} min`;
}

/**
 * Starts fake providers (`vica-fakes <args>`) and resolves, once they
 * listen, to the environment that points the app at them and a `stop()`.
 */
export function startFakes(args) {
  if (!existsSync(FAKES)) throw new Error(`missing the fakes (cargo build -p vica-fakes): ${FAKES}`);
  const child = spawn(FAKES, args, { stdio: ["pipe", "pipe", "inherit"] });
  const stop = () => {
    child.stdin.end();
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  return new Promise((resolve, reject) => {
    const env = {};
    let buffer = "";
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`vica-fakes ${args.join(" ")} was not ready within 20 s`));
    }, 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vica-fakes ${args.join(" ")} exited with ${code}`));
    });
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === "ready") {
          clearTimeout(timer);
          resolve({ env, stop });
          return;
        }
        const eq = line.indexOf("=");
        if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
      }
    });
  });
}

/**
 * A suite with the app on its own fresh data dir: `h` is started and the app
 * opened (on the demo) before the first step, and stopped after the last,
 * keeping the data dir when a step failed (or `VICA_E2E_KEEP` is set).
 * `body` gets `step(name, fn)`, which runs a test that leaves
 * `FAILED-<name>.png` behind when it fails. `setUp` replaces the start and
 * open (a suite that needs fakes, a keyring or the first-run screen);
 * `tearDown` runs after the app is stopped.
 */
export function appSuite(title, h, body, { timeout = 180_000, setUp, tearDown } = {}) {
  describe(title, () => {
    let failed = false;
    before(async () => {
      if (setUp) {
        await setUp();
      } else {
        await h.start();
        await h.open();
      }
    });
    after(async () => {
      const keepData = failed || Boolean(process.env.VICA_E2E_KEEP);
      await h.stop({ keepData });
      await tearDown?.();
      if (keepData) console.log(`# data kept in ${h.root}`);
    });
    body((name, fn) =>
      it(name, { timeout }, async (t) => {
        try {
          await fn(t);
        } catch (err) {
          failed = true;
          await h.screenshot(`FAILED-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`).catch(() => {});
          throw err;
        }
      }),
    );
  });
}

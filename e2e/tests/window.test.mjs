// The window between two starts of the app: Ctrl+Q quits like the close
// button (the reflection being typed is saved first), and the next start opens
// the window at the size it had (tauri-plugin-window-state).

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { APP, Harness, appSuite } from "../lib/harness.mjs";

const h = new Harness();
const TYPED = "Typed a moment before Ctrl+Q";

/** Whether a process of this run's app binary is still running. */
function appRunning() {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").startsWith(APP)) return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

appSuite("The window between starts", h, (step) => {
  step("Ctrl+Q saves the reflection being typed, quits, and the next start restores the window's size", async () => {
    let b = h.browser;
    const first = await b.getWindowSize();
    const wanted = { width: first.width - 260, height: first.height - 140 };
    await b.setWindowSize(wanted.width, wanted.height);
    await b.waitUntil(
      async () => {
        const now = await b.getWindowSize();
        return now.width === wanted.width && now.height === wanted.height;
      },
      { timeoutMsg: `the window did not take ${wanted.width}×${wanted.height}` },
    );

    // Typed, then Ctrl+Q before the autosave's debounce: the quit waits for the save.
    const notes = b.$('textarea[name="notes"]');
    await notes.scrollIntoView({ block: "center" });
    await notes.setValue(TYPED);
    // The window may be gone before the driver answers the key press.
    await b.keys(["Control", "q"]).catch(() => {});
    await b.waitUntil(async () => !appRunning(), {
      timeout: 15_000,
      timeoutMsg: "the app was still running after Ctrl+Q",
    });
    await h.close().catch(() => {});

    b = await h.open();
    const restored = await b.getWindowSize();
    assert.deepEqual(restored, wanted, "the window opened at the size it had when the app quit");
    assert.notDeepEqual(restored, first);
    assert.equal(await b.$('textarea[name="notes"]').getValue(), TYPED);
    await b.execute(() => window.scrollTo(0, 0));
    await h.screenshot("40-window-size-restored");
  });
});

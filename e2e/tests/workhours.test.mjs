// Working hours as a setting: set in the Settings dialog (refused as the core
// refuses them), saved, and the week's longest free block then looked for in
// them, as the core's own model says (`vica week --json` over the same data dir).

import assert from "node:assert/strict";
import { Harness, appSuite, formatDuration } from "../lib/harness.mjs";

const h = new Harness();
const MON_TO_FRI = ["monday", "tuesday", "wednesday", "thursday", "friday"];
const MON_TO_THU = ["monday", "tuesday", "wednesday", "thursday"];

/** The week key on screen, once loading has settled. */
async function shownWeek() {
  await h.browser.$('main[aria-busy="false"]').waitForExist();
  return h.browser.$("section.days").getAttribute("data-week");
}

/** "2026-11-23" → "Mon 23 Nov", as the UI writes it. */
function weekdayDate(date) {
  const d = new Date(`${date}T00:00:00Z`);
  const wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  return `${wd} ${d.getUTCDate()} ${mon}`;
}

/**
 * Sets a time field as the user's picker would. WebKitWebDriver cannot type
 * into the date-and-time fields of `<input type="time">`, so the value is set
 * and the `input` event the picker fires is sent.
 */
async function setTime(name, value) {
  await h.browser.execute(
    (n, v) => {
      const el = document.querySelector(`input[name="${n}"]`);
      if (!(el instanceof HTMLInputElement)) throw new Error(`no input ${n}`);
      el.value = v;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    },
    name,
    value,
  );
}

/** The day toggles as shown: [value, visible label, checked]. */
async function dayToggles() {
  return h.browser.$$('[data-working-hours] label.day').map(async (label) => {
    const box = label.$('input[type="checkbox"]');
    return [await box.getAttribute("value"), await label.getText(), await box.isSelected()];
  });
}

async function openSettings() {
  const b = h.browser;
  await b.execute(() => window.scrollTo(0, 0));
  await b.$('button[aria-label="Settings"]').click();
  await b.$("dialog[open]").waitForDisplayed();
  await b.$("[data-working-hours]").waitForExist();
}

/** The free-block card agrees with the core's week model; returns the core's block. */
async function checkFreeBlock(key, hint) {
  const b = h.browser;
  const card = b.$('.week-slot.shown [data-fact="free-block"]');
  await card.scrollIntoView({ block: "center" });
  await b.waitUntil(async () => (await card.$(".hint").getText()) === hint, {
    timeoutMsg: `the free-block card never said "${hint}"`,
  });
  const core = h.week(key);
  const free = core.insights.longest_free_block;
  assert.equal(await card.getAttribute("data-date"), free?.date ?? "");
  assert.equal(Number(await card.getAttribute("data-minutes")), free?.minutes ?? 0);
  if (free) {
    assert.equal(await card.$(".value").getText(), formatDuration(free.minutes));
    assert.equal(await card.$(".detail").getText(), `${weekdayDate(free.date)}, ${free.start}–${free.end}`);
  }
  return core;
}

appSuite(
  "Working hours",
  h,
  (step) => {
    step("sets working hours in Settings and the free block is looked for in them, as the core computes it", async () => {
      const b = h.browser;
      const key = await shownWeek();

      // The default: 09:00–17:00, Monday to Friday, said on the card.
      let core = await checkFreeBlock(key, "In working hours, 09:00–17:00, Mon–Fri");
      assert.deepEqual(core.insights.working_hours, { start: "09:00", end: "17:00", days: MON_TO_FRI });

      await openSettings();
      assert.equal(await b.$('input[name="working_start"]').getValue(), "09:00");
      assert.equal(await b.$('input[name="working_end"]').getValue(), "17:00");
      const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
      assert.deepEqual(
        await dayToggles(),
        days.map((d) => [d, d.charAt(0).toUpperCase() + d.slice(1, 3), MON_TO_FRI.includes(d)]),
        "seven labelled toggles from Monday, Monday to Friday on",
      );
      // The toggles follow the week start chosen in the dialog.
      await b.$('input[name="week_start"][value="sunday"]').click();
      assert.equal((await dayToggles())[0][0], "sunday");
      await b.$('input[name="week_start"][value="monday"]').click();
      assert.equal((await dayToggles())[0][0], "monday");

      // An end before the start: said under the fields, and refused by the core on save.
      await b.$("[data-working-hours]").scrollIntoView({ block: "center" });
      await setTime("working_start", "10:00");
      await setTime("working_end", "09:00");
      assert.equal(await b.$("#working-hours-hint").getText(), "The end time must be after the start time");
      assert.equal(await b.$('input[name="working_end"]').getAttribute("aria-invalid"), "true");
      await b.$('dialog button[type="submit"]').click();
      const error = b.$("dialog .error");
      await error.waitForDisplayed();
      assert.match(await error.getText(), /working hours: the end time must be after the start time/i);
      assert.ok(await b.$("dialog[open]").isExisting(), "not saved");
      await h.screenshot("70-settings-working-hours-refused");

      // The refusal goes once the user changes a field; no working day at
      // all is refused too.
      await setTime("working_end", "14:00");
      await error.waitForExist({ reverse: true, timeoutMsg: "the old refusal stayed after the field changed" });
      for (const d of MON_TO_FRI) await b.$(`[data-working-hours] input[value="${d}"]`).click();
      assert.equal(await b.$("#working-hours-hint").getText(), "Choose at least one working day");
      await b.$('dialog button[type="submit"]').click();
      await error.waitForDisplayed();
      await b.waitUntil(async () => /choose at least one working day/i.test(await error.getText()), {
        timeoutMsg: "the core's refusal of no working day was not shown",
      });

      // 10:00–14:00, Monday to Thursday.
      for (const d of MON_TO_THU) await b.$(`[data-working-hours] input[value="${d}"]`).click();
      assert.equal(await b.$("#working-hours-hint").getText(), "The week's longest free block is looked for in these hours.");
      await b.$('dialog button[type="submit"]').click();
      await b.$("dialog[open]").waitForExist({ reverse: true });

      core = await checkFreeBlock(key, "In working hours, 10:00–14:00, Mon–Thu");
      assert.deepEqual(core.insights.working_hours, { start: "10:00", end: "14:00", days: MON_TO_THU });
      const free = core.insights.longest_free_block;
      if (free) {
        assert.ok(free.start >= "10:00" && free.end <= "14:00", `${free.start}–${free.end} inside 10:00–14:00`);
        assert.ok(free.minutes <= 240);
        assert.notEqual(new Date(`${free.date}T00:00:00Z`).getUTCDay(), 5, "not on a Friday");
      }
      await h.screenshot("72-free-block-in-working-hours");

      // Kept: the dialog opens on the saved hours.
      await openSettings();
      assert.equal(await b.$('input[name="working_start"]').getValue(), "10:00");
      assert.equal(await b.$('input[name="working_end"]').getValue(), "14:00");
      assert.deepEqual(
        (await dayToggles()).filter(([, , on]) => on).map(([d]) => d),
        MON_TO_THU,
      );
      await b.$("[data-working-hours]").scrollIntoView({ block: "center" });
      await h.screenshot("71-settings-working-hours");
      await b.keys("Escape");
      await b.$("dialog[open]").waitForExist({ reverse: true });
    });
  },
  { timeout: 240_000 },
);

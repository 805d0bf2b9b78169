// @vitest-environment jsdom
// The month and quarter view: what the backend rolled up, stepping to the
// period before, and saving the note into the vault.

import { fireEvent, render, screen } from "@testing-library/svelte";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Period } from "../../ipc";

const ipc = vi.hoisted(() => ({ getPeriod: vi.fn(), exportPeriodToVault: vi.fn() }));
vi.mock("../../ipc", async (original) => ({ ...(await original<typeof import("../../ipc")>()), ...ipc }));

const { default: PeriodDialog } = await import("./PeriodDialog.svelte");

beforeAll(() => {
  HTMLDialogElement.prototype.showModal = function () {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function () {
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});

/** A month as the core sends it, with the months it names before and after. */
function month(key: string, label: string, previous: string, next: string): Period {
  const zero = { meetings: 0, focus: 0, personal: 0, other: 0, out_of_office_days: 0 };
  return {
    key,
    previous_key: previous,
    next_key: next,
    kind: "month",
    label,
    time_zone: "Europe/Berlin",
    first_day: `${key}-01`,
    last_day: `${key}-31`,
    totals: {
      event_minutes: 1500,
      event_count: 30,
      all_day_count: 0,
      tasks_completed: 12,
      per_source: [],
      per_project: [],
      busiest_day: null,
      categories: { ...zero, meetings: 900, focus: 600 },
    },
    weeks: [
      { key: "2026-W49", first_day: `${key}-01`, last_day: `${key}-06`, days: 6, event_minutes: 500, tasks_completed: 4 },
    ],
    busiest_days: [{ date: `${key}-08`, event_minutes: 420, categories: zero }],
    top_projects: [{ source_id: 7, name: "Launch", color: null, tasks_completed: 9 }],
    went_well: [{ week: "2026-W50", lines: ["shipped it", "calm mornings"] }],
  };
}

describe("PeriodDialog", () => {
  it("shows the roll-up, steps back a month and saves to the vault", async () => {
    ipc.getPeriod.mockImplementation(async (_kind: string, at: { key?: string; date?: string }) =>
      at.date === "2026-12-09"
        ? month("2026-12", "December 2026", "2026-11", "2027-01")
        : month("2026-11", "November 2026", "2026-10", "2026-12"),
    );
    ipc.exportPeriodToVault.mockResolvedValue({
      period: "2026-11",
      path: "/vault/Reviews/2026-11.md",
      outcome: "created",
      conflict: null,
      can_merge: false,
      warning: null,
    });
    const { container } = render(PeriodDialog, { kind: "month", date: "2026-12-09", onclose: vi.fn() });
    await screen.findByRole("heading", { name: "December 2026" });
    expect(ipc.getPeriod).toHaveBeenCalledWith("month", { date: "2026-12-09" });
    expect(container.querySelector('[data-week="2026-W49"]')?.textContent).toContain("6 of 7 days");
    expect(container.textContent).toContain("Launch: 9 tasks");
    expect(container.textContent).toContain("shipped it");
    expect(container.querySelector('[data-category="meetings"]')?.textContent).toContain("15 h");

    await fireEvent.click(screen.getByRole("button", { name: "Previous month" }));
    await screen.findByRole("heading", { name: "November 2026" });
    expect(ipc.getPeriod).toHaveBeenLastCalledWith("month", { key: "2026-11" });

    await fireEvent.click(screen.getByRole("button", { name: "Save to vault" }));
    const status = await screen.findByRole("status");
    expect(status.textContent).toContain("/vault/Reviews/2026-11.md");
    expect(ipc.exportPeriodToVault).toHaveBeenCalledWith("month", "2026-11", false);
  });

  it("says why a period could not be loaded", async () => {
    ipc.getPeriod.mockRejectedValue({ code: "invalid_period", message: "invalid quarter" });
    render(PeriodDialog, { kind: "quarter", date: "2026-11-18", onclose: vi.fn() });
    expect((await screen.findByRole("alert")).textContent).toBe("invalid quarter");
  });
});

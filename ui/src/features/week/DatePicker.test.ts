// @vitest-environment jsdom
// The date picker over the core's month grids: it opens on today in the week
// on screen, picks the week of a row (never counting weeks itself), follows
// the keyboard into the next month once the core has laid it out, and Home
// and End go to the ends of the row's week.

import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { MonthGrid } from "../../ipc";
import { monthGrid } from "../../test/fixtures";
import DatePicker from "./DatePicker.svelte";

function open(read: (date: string) => Promise<MonthGrid>) {
  const onpick = vi.fn();
  const onclose = vi.fn();
  render(DatePicker, { first: "2026-11-16", last: "2026-11-22", today: "2026-11-18", onpick, onclose, read });
  return { onpick, onclose };
}

const core = (asked: string[]) => async (date: string) => {
  asked.push(date);
  return monthGrid(date.slice(0, 7) as "2026-10" | "2026-11" | "2026-12");
};

const focused = () => document.activeElement?.getAttribute("data-date");

describe("DatePicker", () => {
  it("shows the core's month with today focused and picks the week of a row", async () => {
    const asked: string[] = [];
    const { onpick } = open(core(asked));
    await vi.waitFor(() => expect(focused()).toBe("2026-11-18"));
    expect(asked[0]).toBe("2026-11-01");
    expect(screen.getByRole("heading").textContent).toBe("November 2026");
    expect(screen.getAllByRole("columnheader")[0]?.getAttribute("abbr")).toBe("Monday");
    expect(document.querySelector("tr.shown button")?.getAttribute("data-date")).toBe("2026-11-16");

    await fireEvent.click(screen.getByRole("button", { name: "Sunday 1 November 2026" }));
    expect(onpick).toHaveBeenLastCalledWith("2026-W44");
    await fireEvent.click(screen.getByRole("button", { name: "Today" }));
    expect(onpick).toHaveBeenLastCalledWith(undefined);
  });

  it("follows the keyboard across months and to the ends of a week", async () => {
    const asked: string[] = [];
    open(core(asked));
    await vi.waitFor(() => expect(focused()).toBe("2026-11-18"));
    // The months on either side are asked for ahead.
    await vi.waitFor(() => expect(asked).toEqual(expect.arrayContaining(["2026-10-01", "2026-12-01"])));
    const grid = screen.getByRole("grid");
    await fireEvent.keyDown(grid, { key: "End" });
    await vi.waitFor(() => expect(focused()).toBe("2026-11-22"));
    await fireEvent.keyDown(grid, { key: "Home" });
    await vi.waitFor(() => expect(focused()).toBe("2026-11-16"));
    for (let i = 0; i < 3; i++) await fireEvent.keyDown(screen.getByRole("grid"), { key: "ArrowDown" });
    await vi.waitFor(() => expect(focused()).toBe("2026-12-07"));
    expect(screen.getByRole("heading").textContent).toBe("December 2026");
  });

  it("says when the core cannot lay a month out", async () => {
    open(async () => {
      throw { code: "store", message: "The store is locked" };
    });
    expect((await screen.findByRole("alert")).textContent).toContain("The store is locked");
  });
});

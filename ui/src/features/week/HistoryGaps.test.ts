// @vitest-environment jsdom
// Notes on days whose history could not be read: each shown with its
// message and the projects concerned, as text; nothing without a gap.

import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { HistoryGap } from "../../ipc";
import HistoryGaps from "./HistoryGaps.svelte";

const gap: HistoryGap = {
  account_id: 3,
  provider: "Todoist",
  sources: ["Home", "<b>Work</b>"],
  first_day: "2026-03-02",
  last_day: "2026-03-04",
  message:
    "Recurring tasks completed from Mon 2 to Wed 4 Mar may be missing: Todoist no longer had that activity when Vica synced.",
};

describe("HistoryGaps", () => {
  it("shows each gap's message and the projects concerned, as text", () => {
    const { container } = render(HistoryGaps, { gaps: [gap, { ...gap, account_id: 4, sources: [] }] });
    const items = container.querySelectorAll(".history-gap");
    expect(items).toHaveLength(2);
    const [first, second] = [items.item(0), items.item(1)];
    expect(first?.querySelector(".message")?.textContent).toBe(gap.message);
    expect(first?.querySelector(".sources")?.textContent).toBe("Todoist: Home, <b>Work</b>");
    expect(first?.querySelector("b")).toBeNull();
    expect(first?.getAttribute("data-first-day")).toBe("2026-03-02");
    expect(second?.querySelector(".sources")).toBeNull();
    expect(container.querySelector("ul")?.getAttribute("aria-label")).toBe("Completions that may be missing");
  });

  it("renders nothing without a gap", () => {
    const { container } = render(HistoryGaps, { gaps: [] });
    expect(container.querySelector(".history-gaps")).toBeNull();
  });
});

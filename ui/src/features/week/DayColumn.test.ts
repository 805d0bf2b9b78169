// @vitest-environment jsdom
// A day column as the week view mounts it: provider text as text, marks and
// metadata, an empty day, selection, and items out of the tab order when the
// column belongs to a week laid out off screen.

import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { day, event, task } from "../../test/fixtures";
import DayColumn from "./DayColumn.svelte";

const MARKUP = "<img src=x onerror=alert(1)>";

describe("DayColumn", () => {
  it("shows provider text as literal text, never as markup", () => {
    const { container } = render(DayColumn, {
      day: day({
        events: [event({ title: MARKUP, location: "<b>Room 1</b>" })],
        tasks: [task({ content: "<script>alert(2)</script>", labels: ["<i>x</i>"] })],
      }),
    });
    expect(container.querySelector(".event-title")?.textContent).toBe(MARKUP);
    expect(container.querySelector(".location")?.textContent).toBe("<b>Room 1</b>");
    expect(container.querySelector(".task-title")?.textContent).toBe("<script>alert(2)</script>");
    expect(container.querySelector(".label")?.textContent).toBe("<i>x</i>");
    expect(container.querySelectorAll("img, b, script, i")).toHaveLength(0);
  });

  it("shows an event's time, marks and calendar, and a task's project and labels", () => {
    render(DayColumn, {
      day: day({
        event_minutes: 90,
        events: [event({ recurring: true, is_organizer: true })],
        tasks: [task({ labels: ["errand", "quick"] })],
      }),
    });
    const item = screen.getByRole("button", { name: /Planning/ });
    expect(item.querySelector(".time")?.textContent).toMatch(/^09:00\s*–\s*10:30/);
    expect(screen.getByRole("img", { name: "Recurring" })).toBeTruthy();
    expect(screen.getByRole("img", { name: "You organize this" })).toBeTruthy();
    expect(item.querySelector(".meta")?.textContent).toContain("Work");
    const done = screen.getByRole("button", { name: /Renew the library card/ });
    expect([...done.querySelectorAll(".label")].map((l) => l.textContent)).toEqual(["errand", "quick"]);
    expect(done.querySelector(".project")?.textContent).toBe("Home");
    expect(screen.getByRole("heading", { level: 2 }).textContent).toContain("Mon");
  });

  it("says an empty day has nothing scheduled, with no lists", () => {
    const { container } = render(DayColumn, { day: day() });
    expect(screen.getByText("Nothing scheduled")).toBeTruthy();
    expect(container.querySelectorAll("ul, button")).toHaveLength(0);
  });

  it("keeps a colour that is not a colour out of the style", () => {
    const { container } = render(DayColumn, { day: day({ events: [event({ color: "red;background:url(javascript:x)" })] }) });
    const li = container.querySelector<HTMLElement>("li.event");
    expect(li?.getAttribute("style") ?? "").not.toContain("javascript");
  });

  it("hands the chosen item to onselect with its day", async () => {
    const onselect = vi.fn();
    const e = event();
    render(DayColumn, { day: day({ events: [e], tasks: [task()] }), onselect });
    await fireEvent.click(screen.getByRole("button", { name: /Planning/ }));
    expect(onselect).toHaveBeenCalledWith({ kind: "event", item: e, date: "2026-11-16" });
    await fireEvent.click(screen.getByRole("button", { name: /Renew the library card/ }));
    expect(onselect).toHaveBeenLastCalledWith(expect.objectContaining({ kind: "task", date: "2026-11-16" }));
  });

  it("takes its items out of the tab order while off screen, and puts them back", async () => {
    const d = day({ all_day: [event({ id: 2, all_day: true, title: "Holiday" })], events: [event()], tasks: [task()] });
    const { container, rerender } = render(DayColumn, { day: d, offscreen: true });
    const items = () => [...container.querySelectorAll<HTMLElement>("button.item")];
    expect(items()).toHaveLength(3);
    expect(items().map((b) => b.tabIndex)).toEqual([-1, -1, -1]);
    await rerender({ day: d, offscreen: false });
    expect(items().map((b) => b.tabIndex)).toEqual([0, 0, 0]);
    expect(items().every((b) => !b.hasAttribute("tabindex"))).toBe(true);
  });
});

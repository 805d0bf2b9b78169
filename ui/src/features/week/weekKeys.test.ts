// @vitest-environment jsdom
// The week view's shortcuts as the window sends them: keys pressed on the
// page move weeks; with a modifier, held down, already handled, or typed into
// a field or a dialog they do not.

import { afterEach, describe, expect, it } from "vitest";
import { weekShortcut, type WeekMove } from "./weekKeys";

/** Presses `key` on `target` and returns the move it asks for. */
function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): WeekMove | null {
  let move: WeekMove | null | undefined;
  const listen = (event: Event) => (move = weekShortcut(event as KeyboardEvent));
  window.addEventListener("keydown", listen);
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  window.removeEventListener("keydown", listen);
  if (move === undefined) throw new Error("the key never reached the window");
  return move;
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("weekShortcut", () => {
  it("maps ← → and T, either case, on the page", () => {
    const button = document.body.appendChild(document.createElement("button"));
    expect(press(document.body, "ArrowLeft")).toBe("previous");
    expect(press(button, "ArrowRight")).toBe("next");
    expect(press(document.body, "t")).toBe("this_week");
    expect(press(document.body, "T")).toBe("this_week");
    expect(press(document.body, "ArrowUp")).toBeNull();
    expect(press(document.body, "n")).toBeNull();
  });

  it("leaves keys with a modifier, held down or already handled alone", () => {
    expect(press(document.body, "ArrowLeft", { altKey: true })).toBeNull();
    expect(press(document.body, "ArrowRight", { ctrlKey: true })).toBeNull();
    expect(press(document.body, "t", { metaKey: true })).toBeNull();
    expect(press(document.body, "ArrowRight", { repeat: true })).toBeNull();
    // Shift alone is how a capital T is typed.
    expect(press(document.body, "T", { shiftKey: true })).toBe("this_week");

    const handled = document.body.appendChild(document.createElement("div"));
    handled.addEventListener("keydown", (e) => e.preventDefault());
    expect(press(handled, "ArrowLeft")).toBeNull();
  });

  it("leaves keys typed into fields and dialogs to them", () => {
    document.body.innerHTML = `
      <input id="field" />
      <textarea id="notes"></textarea>
      <select id="choice"><option>a</option></select>
      <div contenteditable="true"><span id="editable">x</span></div>
      <dialog open><button id="in-dialog">Close</button></dialog>
      <div role="dialog"><button id="in-popup">May</button></div>
      <section class="days"><button id="item" data-item="e1">Planning</button></section>`;
    for (const id of ["field", "notes", "choice", "editable", "in-dialog", "in-popup"]) {
      expect(press(document.getElementById(id)!, "ArrowLeft"), id).toBeNull();
    }
    expect(press(document.getElementById("item")!, "ArrowLeft")).toBe("previous");
  });
});

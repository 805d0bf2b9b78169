import { describe, expect, it } from "vitest";
import type { ExportResult } from "../ipc/types";
import { exportMessage, isClockTime, warningLine, weekdayName } from "./export";

const result = (over: Partial<ExportResult>): ExportResult => ({
  week: "2026-W47",
  path: "/notes/2026-W47.md",
  outcome: "created",
  conflict: null,
  can_merge: false,
  warning: null,
  ...over,
});

describe("export messages", () => {
  it("say what happened and where", () => {
    expect(exportMessage(result({}))).toBe("Saved 2026-W47 to /notes/2026-W47.md");
    expect(exportMessage(result({ outcome: "updated" }))).toBe("Updated 2026-W47 in /notes/2026-W47.md");
    expect(exportMessage(result({ outcome: "unchanged" }))).toContain("nothing to change");
    expect(exportMessage(result({ outcome: "overwritten" }))).toContain("Replaced /notes/2026-W47.md");
    expect(exportMessage(result({ outcome: "conflict", conflict: "it has no markers" }))).toBe(
      "/notes/2026-W47.md was left alone: it has no markers",
    );
  });

  it("place a template failure at its line and column", () => {
    const w = { template: "/home/me/.config/vica/export.md.j2", line: 3, column: 12, message: "syntax error", text: "" };
    expect(warningLine(w)).toBe(
      "Your template export.md.j2 failed at line 3, column 12 (syntax error); the default template was used.",
    );
    expect(warningLine({ ...w, column: null })).toContain("at line 3 (");
    expect(warningLine({ ...w, line: null, column: null })).toContain("at an unknown place");
  });
});

describe("reminder fields", () => {
  it("accept only HH:MM times", () => {
    expect(isClockTime("16:30")).toBe(true);
    expect(isClockTime("00:00")).toBe(true);
    expect(isClockTime("23:59")).toBe(true);
    expect(isClockTime("24:00")).toBe(false);
    expect(isClockTime("4:30")).toBe(false);
    expect(isClockTime("16:30:00")).toBe(false);
  });

  it("name weekdays", () => {
    expect(weekdayName("friday")).toBe("Friday");
  });
});

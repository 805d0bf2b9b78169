import { describe, expect, it } from "vitest";
import { addDays, addMonths, monthOf } from "./dates";

describe("dates", () => {
  it("moves by days across months, years and DST changes", () => {
    expect(addDays("2026-11-30", 1)).toBe("2026-12-01");
    expect(addDays("2027-01-01", -1)).toBe("2026-12-31");
    expect(addDays("2026-03-29", 1)).toBe("2026-03-30");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2026-11-18", -21)).toBe("2026-10-28");
  });

  it("clamps to the end of shorter months", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2026-12-15", 1)).toBe("2027-01-15");
    expect(addMonths("2026-01-15", -1)).toBe("2025-12-15");
    expect(addMonths("2026-11-20", -12)).toBe("2025-11-20");
  });

  it("names a date's month by its first day", () => {
    expect(monthOf("2026-11-20")).toBe("2026-11-01");
  });
});

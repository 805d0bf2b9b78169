import { describe, expect, it } from "vitest";
import { loadTheme, parseTheme } from "./theme";
import { availableZones, groupZones } from "./timezones";

describe("theme", () => {
  it("reads only known themes", () => {
    expect(parseTheme("dark")).toBe("dark");
    expect(parseTheme("light")).toBe("light");
    expect(parseTheme("purple")).toBe("system");
    expect(parseTheme(null)).toBe("system");
  });

  it("falls back to system when storage fails", () => {
    expect(loadTheme(null)).toBe("system");
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
    };
    expect(loadTheme(broken)).toBe("system");
    expect(loadTheme({ getItem: () => "light" })).toBe("light");
  });
});

describe("time zones", () => {
  it("lists the webview's zones with UTC, or a fallback", () => {
    expect(availableZones(() => ["Europe/Paris", "Asia/Tokyo"])).toEqual(["Asia/Tokyo", "Europe/Paris", "UTC"]);
    const fallback = availableZones(() => {
      throw new Error("unsupported");
    });
    expect(fallback).toContain("Europe/Berlin");
    expect(fallback).toContain("UTC");
  });

  it("groups zones by region with readable names", () => {
    const groups = groupZones(["America/New_York", "UTC", "America/Argentina/Buenos_Aires", "Europe/Berlin"]);
    expect(groups.map((g) => g.region)).toEqual(["America", "Europe", "Other"]);
    expect(groups[0]?.zones).toEqual([
      { value: "America/Argentina/Buenos_Aires", label: "Argentina / Buenos Aires" },
      { value: "America/New_York", label: "New York" },
    ]);
  });

  it("always offers the saved zone", () => {
    const groups = groupZones(["Europe/Berlin"], "Asia/Calcutta");
    expect(groups.flatMap((g) => g.zones.map((z) => z.value))).toEqual(["Asia/Calcutta", "Europe/Berlin"]);
  });
});

// WCAG AA for the design tokens: every text colour the UI puts on a surface
// meets 4.5:1 in both themes, and the focus ring meets 3:1 (non-text
// contrast). The tokens are read from app.css itself, so a colour changed
// there is checked here.

import { describe, expect, it } from "vitest";
import css from "../app.css?raw";

type Tokens = Record<string, string>;

/** The `--name: #hex;` declarations of the first rule whose selector is `selector`. */
function tokens(selector: string): Tokens {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no rule ${selector} in app.css`);
  const body = css.slice(start, css.indexOf("}", start));
  const out: Tokens = {};
  for (const [, name, hex] of body.matchAll(/--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) {
    if (name && hex) out[name] = hex.toLowerCase();
  }
  return out;
}

/** The colour of token `name`; a missing token fails the test. */
function color(theme: Tokens, name: string): string {
  const hex = theme[name];
  if (!hex) throw new Error(`--${name} is not a #rrggbb colour in app.css`);
  return hex;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The WCAG 2 contrast ratio of two colours. */
export function contrast(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const light = tokens(":root");
const dark = tokens(':root[data-theme="dark"]');
const systemDark = tokens(':root:not([data-theme="light"])');

// Text colours and the surfaces they are used on.
const TEXT_PAIRS: [string, string][] = [
  ["text", "bg"],
  ["text", "surface"],
  ["text", "surface-sunken"],
  ["text-muted", "bg"],
  ["text-muted", "surface"],
  ["text-muted", "surface-sunken"],
  ["text-faint", "surface"],
  ["text-faint", "surface-sunken"],
  ["accent", "surface"],
  ["accent", "accent-soft"],
  ["accent-text", "accent"],
  ["success", "surface"],
  ["danger", "surface"],
  ["danger", "danger-soft"],
];

describe("contrast", () => {
  it("computes the WCAG ratio", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
    expect(contrast("#ffffff", "#ffffff")).toBe(1);
  });

  for (const [name, theme] of [
    ["light", light],
    ["dark", dark],
  ] as const) {
    it(`the ${name} theme's text colours meet AA (4.5:1) on their surfaces`, () => {
      const ratio = ([fg, bg]: [string, string]) => contrast(color(theme, fg), color(theme, bg));
      const failures = TEXT_PAIRS.filter((pair) => ratio(pair) < 4.5).map(
        (pair) => `--${pair[0]} on --${pair[1]}: ${ratio(pair).toFixed(2)}`,
      );
      expect(failures).toEqual([]);
    });

    it(`the ${name} theme's focus ring stands out (3:1) from every surface`, () => {
      for (const bg of ["bg", "surface", "surface-sunken"]) {
        expect(contrast(color(theme, "focus"), color(theme, bg))).toBeGreaterThanOrEqual(3);
      }
    });
  }

  it("the system's dark theme is the same as the chosen dark theme", () => {
    expect(systemDark).toEqual(dark);
  });
});

// The colour theme: a UI preference kept in localStorage, applied as
// `data-theme` on <html> (app.css holds the colours). "system" follows the OS.

export type Theme = "system" | "light" | "dark";

export const THEMES: readonly Theme[] = ["system", "light", "dark"];

const STORAGE_KEY = "vica.theme";

export function parseTheme(value: string | null | undefined): Theme {
  return THEMES.find((t) => t === value) ?? "system";
}

/** The stored theme; "system" when none is stored or storage is unavailable. */
export function loadTheme(storage: Pick<Storage, "getItem"> | null = safeStorage()): Theme {
  try {
    return parseTheme(storage?.getItem(STORAGE_KEY));
  } catch {
    return "system";
  }
}

/** Stores and applies `theme`. */
export function saveTheme(theme: Theme, storage: Pick<Storage, "setItem"> | null = safeStorage()): void {
  try {
    storage?.setItem(STORAGE_KEY, theme);
  } catch {
    // A preference that cannot be stored still applies for this session.
  }
  applyTheme(theme);
}

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", theme);
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

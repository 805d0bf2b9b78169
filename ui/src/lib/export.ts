// Words for what an export did, shown in a toast. Pure, so they are tested.

import type { ExportResult, TemplateWarning } from "../ipc/types";

/** Something to tell the user in a toast. */
export interface Notice {
  kind: "done" | "error";
  text: string;
  /** A broken user template, with its line and column. */
  warning: string | null;
}

/** A message for the toast after an export: what happened and to which file. */
export function exportMessage(result: ExportResult): string {
  switch (result.outcome) {
    case "created":
      return `Saved ${result.week} to ${result.path}`;
    case "updated":
      return `Updated ${result.week} in ${result.path}`;
    case "unchanged":
      return `${result.path} already holds ${result.week}; nothing to change`;
    case "overwritten":
      return `Replaced ${result.path} with ${result.week}`;
    case "conflict":
      return `${result.path} was left alone: ${result.conflict ?? "it was edited outside Vica"}`;
  }
}

/** "export.md.j2 line 3, column 12: syntax error: …" for a failing user template. */
export function warningLine(w: TemplateWarning): string {
  const file = w.template.split(/[\\/]/).pop() || w.template;
  let at = "";
  if (w.line !== null) at = w.column !== null ? ` line ${w.line}, column ${w.column}` : ` line ${w.line}`;
  return `Your template ${file} failed at${at || " an unknown place"} (${w.message}); the default template was used.`;
}

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/** "Friday". */
export function weekdayName(day: string): string {
  return day.charAt(0).toUpperCase() + day.slice(1);
}

/** Whether a time typed by the user is "HH:MM" (24 h), as the reminder setting requires. */
export function isClockTime(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

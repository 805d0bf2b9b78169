// The UI's one door to the backend: the only module that imports @tauri-apps/api.
// Every function is typed, and every failure is an `IpcError` ({ code, message }).

import { invoke } from "@tauri-apps/api/core";
import type { AppInfo, IpcError, Week, WeekKey } from "./types";

export type * from "./types";

/** Turns whatever a rejected call produced into an `IpcError`. */
export function toIpcError(err: unknown): IpcError {
  if (
    typeof err === "object" &&
    err !== null &&
    typeof (err as IpcError).code === "string" &&
    typeof (err as IpcError).message === "string"
  ) {
    return { code: (err as IpcError).code, message: (err as IpcError).message };
  }
  // Tauri rejects with a string when the call itself fails (unknown command, bad arguments).
  return { code: "internal", message: typeof err === "string" ? err : String(err) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw toIpcError(err);
  }
}

/** The week `week` ("2026-W47"), or the current week when absent. */
export function getWeek(week?: WeekKey): Promise<Week> {
  return call<Week>("get_week", { week: week ?? null });
}

/** Why the store could not be opened at startup, or null when all is well. */
export function startupError(): Promise<IpcError | null> {
  return call<IpcError | null>("startup_error");
}

/** The app's version and data directory. */
export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

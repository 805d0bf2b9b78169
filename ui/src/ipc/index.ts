// The UI's one door to the backend: the only module that imports @tauri-apps/api.
// Every function is typed, and every failure is an `IpcError` ({ code, message }).

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type {
  About,
  AccountsOverview,
  AccountView,
  AppInfo,
  Assignment,
  CopyResult,
  DisconnectResult,
  ExportResult,
  HistoryStatus,
  IpcError,
  IsoDate,
  MonthGrid,
  Period,
  PeriodExportResult,
  PeriodKind,
  Provider,
  Reflection,
  ReviewHistory,
  RowsFormat,
  RowsResult,
  Settings,
  SyncEvent,
  SyncOutcome,
  SyncStatus,
  Week,
  WeekKey,
  WorkingHoursSetting,
} from "./types";

export type * from "./types";
export { WEEKDAYS_FROM } from "./types";

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

/** The month that holds `date` ("2026-11-16"; this month when absent) as the date picker shows it. */
export function monthGrid(date?: IsoDate): Promise<MonthGrid> {
  return call<MonthGrid>("month_grid", { date: date ?? null });
}

/** Why saving would refuse these working hours, in the core's words; null when they are fine. */
export function workingHoursProblem(hours: WorkingHoursSetting): Promise<string | null> {
  return call<string | null>("working_hours_problem", { hours });
}

/** Replaces the reflection written for `week`. */
export function saveReflection(week: WeekKey, reflection: Reflection): Promise<void> {
  return call<void>("save_reflection", { week, reflection });
}

/** The user's settings (defaults for anything never set). */
export function getSettings(): Promise<Settings> {
  return call<Settings>("get_settings");
}

/**
 * The month ("2026-12") or quarter ("2026-Q4") `at.key` rolled up, or the one
 * holding the day `at.date`; the current one when neither is given.
 */
export function getPeriod(kind: PeriodKind, at: { key?: string; date?: IsoDate } = {}): Promise<Period> {
  return call<Period>("get_period", { kind, key: at.key ?? null, date: at.date ?? null });
}

/**
 * Writes the month or quarter into the vault (`Reviews/2026-Q4.md` by
 * default); rejects with `invalid_setting` when no vault is set. A note changed
 * outside Vica's markers comes back as a conflict unless `force`.
 */
export function exportPeriodToVault(kind: PeriodKind, key: string, force: boolean): Promise<PeriodExportResult> {
  return call<PeriodExportResult>("export_period_to_vault", { kind, key, force });
}

/** Validates and saves every setting; an invalid one rejects with code `invalid_setting`. */
export function saveSettings(settings: Settings): Promise<void> {
  return call<void>("save_settings", { settings });
}

/** Why the store could not be opened at startup, or null when all is well. */
export function startupError(): Promise<IpcError | null> {
  return call<IpcError | null>("startup_error");
}

/** The app's version and data directory. */
export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

/** Starts a sync of every account in the background; does nothing while one runs. */
export function syncNow(): Promise<void> {
  return call<void>("sync_now");
}

/** Whether a sync runs, how the last one ended, and every source. */
export function syncStatus(): Promise<SyncStatus> {
  return call<SyncStatus>("sync_status");
}

/** Stops the history import after its current page (the next sync resumes it); whether one ran. */
export function cancelHistoryImport(): Promise<boolean> {
  return call<boolean>("cancel_history_import");
}

/** How far back each source's history import has reached. */
export function historyStatus(): Promise<HistoryStatus[]> {
  return call<HistoryStatus[]>("history_status");
}

/** Includes a source in the review (and in sync) or leaves it out. */
export function setSourceIncluded(sourceId: number, included: boolean): Promise<void> {
  return call<void>("set_source_included", { sourceId, included });
}

/** Puts the week on the clipboard as Markdown (the user's template, else the default). */
export function exportCopy(week: WeekKey): Promise<CopyResult> {
  return call<CopyResult>("export_copy", { week });
}

/**
 * Asks where to save the week (a native dialog) and writes it there; null when
 * the user cancels. A file in conflict is left alone: see `exportSaveAgain`.
 */
export function exportSaveAs(week: WeekKey): Promise<ExportResult | null> {
  return call<ExportResult | null>("export_save_as", { week });
}

/**
 * Writes the week again to the file chosen for it in Save as…; with `force`,
 * whole, once the user said yes in a system dialog (null when they did not).
 */
export function exportSaveAgain(week: WeekKey, force: boolean): Promise<ExportResult | null> {
  return call<ExportResult | null>("export_save_again", { week, force });
}

/**
 * Writes the week into the vault folder set in the settings; with `force`,
 * whole, once the user said yes in a system dialog (null when they did not).
 */
export function exportToVault(week: WeekKey, force: boolean): Promise<ExportResult | null> {
  return call<ExportResult | null>("export_to_vault", { week, force });
}

/** Asks where to save the week's rows as CSV or JSON (a native dialog) and writes them; null when cancelled. */
export function exportRows(week: WeekKey, format: RowsFormat): Promise<RowsResult | null> {
  return call<RowsResult | null>("export_rows", { week, format });
}

/** Counts a recurring series as `choice` (a category or "excluded"), or by the rules again when null. */
export function setSeriesChoice(sourceId: number, seriesId: string, choice: Assignment | null): Promise<void> {
  return call<void>("set_series_choice", { sourceId, seriesId, choice });
}

/**
 * Asks for the vault folder in the system's folder dialog; the settings as
 * they are after it (unchanged when the user cancels). The window never names
 * the folder: saveSettings keeps the one chosen here.
 */
export function chooseVault(): Promise<Settings> {
  return call<Settings>("choose_vault");
}

/** Forgets the vault folder; the settings after it. */
export function clearVault(): Promise<Settings> {
  return call<Settings>("clear_vault");
}

/** The last weeks up to this one, which have a reflection, and the streak. */
export function reviewHistory(): Promise<ReviewHistory> {
  return call<ReviewHistory>("review_history");
}

/** Opens an item's http(s) link at its provider in the browser; anything else rejects with `invalid_link`. */
export function openLink(url: string): Promise<void> {
  return call<void>("open_link", { url });
}

/** Every account with its state, whether the demo is on, and which providers can be connected. */
export function listAccounts(): Promise<AccountsOverview> {
  return call<AccountsOverview>("list_accounts");
}

/** The first run's "Try with demo data": the demo syncs through the real sync path. */
export function chooseDemo(): Promise<void> {
  return call<void>("choose_demo");
}

/** Deletes the demo accounts and their data; resolves to whether any account is left. */
export function leaveDemo(): Promise<boolean> {
  return call<boolean>("leave_demo");
}

/**
 * Signs in to `provider` in the system browser and waits for it (up to five
 * minutes); rejects with code `not_configured` when no OAuth client is set,
 * `cancelled` after `cancelConnect`.
 */
export function connectAccount(provider: Provider): Promise<AccountView> {
  return call<AccountView>("connect_account", { provider });
}

/** Cancels the sign-in under way; false when there was none. */
export function cancelConnect(): Promise<boolean> {
  return call<boolean>("cancel_connect");
}

/** Connects Todoist with a personal API token (checked with Todoist, kept in the keychain). */
export function connectTodoistToken(token: string): Promise<AccountView> {
  return call<AccountView>("connect_todoist_token", { token });
}

/** Disconnects an account, keeping its cached events and tasks or deleting them. */
export function disconnectAccount(accountId: number, keepData: boolean): Promise<DisconnectResult> {
  return call<DisconnectResult>("disconnect_account", { accountId, keepData });
}

/** Adds an ICS calendar: an .ics file, a folder of them, or an https/webcal address. */
export function addIcsCalendar(location: string): Promise<AccountView> {
  return call<AccountView>("add_ics_calendar", { location });
}

/** Opens the OAuth setup guide (docs/oauth-setup.md) in the system browser. */
export function openSetupGuide(): Promise<void> {
  return call<void>("open_setup_guide");
}

/** The app's version, identity, data folder and the licenses of what it bundles. */
export function about(): Promise<About> {
  return call<About>("about");
}

/** Opens the data folder in the system's file manager. */
export function openDataDir(): Promise<void> {
  return call<void>("open_data_dir");
}

/**
 * Calls `onprogress` with each sync event and `onfinished` when a sync ends.
 * Resolves, once both are listening, to a function that stops them.
 */
export async function onSync(
  onprogress: (event: SyncEvent) => void,
  onfinished: (outcome: SyncOutcome) => void,
): Promise<() => void> {
  const stops = await Promise.all([
    listen<SyncEvent>("sync://progress", (e) => onprogress(e.payload)),
    listen<SyncOutcome>("sync://finished", (e) => onfinished(e.payload)),
  ]);
  return () => stops.forEach((stop) => stop());
}

/**
 * Closes the window as its close button does (so `onWindowClose` hooks run
 * and the window's size and place are saved); the app ends with it.
 */
export function quitApp(): Promise<void> {
  return getCurrentWindow().close();
}

/**
 * Runs `beforeClose` when the user closes the window, then closes it. The
 * window closes even if `beforeClose` fails or takes longer than `limitMs`.
 * Resolves to a function that removes the hook.
 */
export async function onWindowClose(beforeClose: () => Promise<void>, limitMs = 3000): Promise<() => void> {
  return getCurrentWindow().onCloseRequested(async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
    });
    try {
      await Promise.race([beforeClose(), limit]);
    } catch {
      // Closing matters more than whatever failed; the failure was already shown.
    } finally {
      clearTimeout(timer);
    }
  });
}

// The shapes the backend sends, mirrored by hand from the Rust types they
// serialize (field names as serde writes them). Keep in step with:
// crates/core/src/week.rs, crates/core/src/model.rs, crates/core/src/settings.rs,
// crates/sync/src/engine.rs, crates/core/src/export/history.rs,
// src-tauri/src/error.rs, src-tauri/src/commands.rs, src-tauri/src/export.rs
// and src-tauri/src/sync.rs.

/** A local calendar date, "2026-11-16". */
export type IsoDate = string;

/** An ISO week key, "2026-W47". */
export type WeekKey = string;

export type WeekStart = "monday" | "sunday";

export type Response = "accepted" | "declined" | "tentative" | "needs_action";

/** `vica_core::week::Week`. */
export interface Week {
  key: WeekKey;
  /** "Week 47 · 16–22 Nov 2026". */
  label: string;
  week_start: WeekStart;
  time_zone: string;
  first_day: IsoDate;
  last_day: IsoDate;
  days: Day[];
  totals: Totals;
  /** This week's totals minus last week's. */
  change: Change;
  previous: Totals;
  /** Hours per day by source and the longest free block in working hours. */
  insights: Insights;
  /** Open tasks due in the seven days after this week. */
  next_week_tasks: TaskItem[];
  reflection: Reflection;
}

/** `vica_core::week::Day`: one local day. */
export interface Day {
  date: IsoDate;
  /** "Mon". */
  weekday: string;
  all_day: EventItem[];
  events: EventItem[];
  tasks: TaskItem[];
  /** Minutes in counted events on this day, overlaps merged. */
  event_minutes: number;
  /** This day's counted minutes by category (adding up to event_minutes); out_of_office_days is 0 or 1. */
  categories: CategoryTotals;
}

/** `vica_core::week::EventItem`: an event as shown on one day. */
export interface EventItem {
  id: number;
  source_id: number;
  source: string;
  color: string | null;
  title: string;
  location: string | null;
  description: string | null;
  all_day: boolean;
  /** Local wall-clock times on this day ("09:00", end may be "24:00"); null for all-day events. */
  start_time: string | null;
  end_time: string | null;
  /** RFC 3339 instants (timed) or dates (all-day, end exclusive). */
  starts: string;
  ends: string;
  /** Length of the whole event in minutes (0 for all-day events). */
  minutes: number;
  /** Began on an earlier day. */
  continued: boolean;
  /** Goes on into a later day. */
  continues: boolean;
  response: Response | null;
  is_organizer: boolean;
  recurring: boolean;
  attendees: number;
  declined: boolean;
  link: string | null;
  /** Its category under the rules; null for day notes and excluded events. */
  category: Category | null;
  /** Whether its time counts in the totals. */
  counted: boolean;
  /** Why it does not count, when it does not. */
  not_counted: NotCounted | null;
  /** Out of office, working location or birthday: a day note, never hours. */
  annotation: Annotation | null;
  kind: EventKind;
  show_as: ShowAs;
  /** The recurring series it belongs to, for "count this series as …". */
  series_id: string | null;
  /** The user's choice for that series, if one is set. */
  series_choice: Assignment | null;
}

/** `vica_core::categories::Category`, highest priority first. */
export type Category = "meetings" | "focus" | "personal" | "other";

/** `vica_core::categories::Assignment`: a category, or never counted. */
export type Assignment = Category | "excluded";

/** `vica_core::categories::Annotation`. */
export type Annotation = "out_of_office" | "working_location" | "birthday";

/** `vica_core::categories::NotCounted`. */
export type NotCounted =
  | "declined"
  | "tentative"
  | "unanswered"
  | "free"
  | "all_day"
  | "multi_day"
  | "excluded"
  | "annotation";

/** `vica_core::model::EventKind`. */
export type EventKind = "default" | "out_of_office" | "focus_time" | "working_location" | "birthday" | "from_gmail";

/** `vica_core::model::ShowAs`. */
export type ShowAs = "busy" | "free" | "tentative" | "oof" | "working_elsewhere" | "unknown";

/** `vica_core::categories::CategoryTotals`: minutes per category and out-of-office days. */
export interface CategoryTotals {
  meetings: number;
  focus: number;
  personal: number;
  other: number;
  out_of_office_days: number;
}

/** `vica_core::categories::TitleRule`: titles containing `pattern` (any case) are excluded or re-categorized. */
export interface TitleRule {
  pattern: string;
  assign: Assignment;
}

/** `vica_core::categories::TimeRules`: which events count, and as what. */
export interface TimeRules {
  count_tentative: boolean;
  /** Unanswered invitations count, on the user's own calendar only. */
  count_unanswered: boolean;
  /** Events with nobody else in them are focus (else "other"). */
  solo_is_focus: boolean;
  /** Source ids whose events are personal time. */
  personal_sources: number[];
  title_rules: TitleRule[];
}

/** `src-tauri::export::RowsFormat`. */
export type RowsFormat = "csv" | "json";

/** `src-tauri::export::RowsResult`: a week's rows written to a file. */
export interface RowsResult {
  week: WeekKey;
  format: RowsFormat;
  path: string;
  rows: number;
}

/** `vica_core::week::TaskItem`. */
export interface TaskItem {
  id: number;
  source_id: number;
  project: string;
  color: string | null;
  content: string;
  description: string | null;
  section: string | null;
  labels: string[];
  priority: number;
  /** Local completion time ("17:45"), for completed tasks. */
  completed_time: string | null;
  due_date: IsoDate | null;
  link: string | null;
}

/** `vica_core::week::Totals`. */
export interface Totals {
  event_minutes: number;
  event_count: number;
  all_day_count: number;
  tasks_completed: number;
  per_source: SourceTotal[];
  per_project: ProjectTotal[];
  busiest_day: IsoDate | null;
  /** Counted minutes by category (adding up to event_minutes) and out-of-office days. */
  categories: CategoryTotals;
}

export interface SourceTotal {
  source_id: number;
  name: string;
  color: string | null;
  event_minutes: number;
  event_count: number;
}

export interface ProjectTotal {
  source_id: number;
  name: string;
  color: string | null;
  tasks_completed: number;
}

/** `vica_core::week::Change`: this week minus last week. */
export interface Change {
  event_minutes: number;
  event_count: number;
  tasks_completed: number;
  categories: CategoryTotals;
}

/** `vica_core::model::Reflection`. */
export interface Reflection {
  went_well: string;
  didnt_go_well: string;
  focus_next: string;
  notes: string;
}

/** `vica_core::settings::Settings`. */
export interface Settings {
  week_start: WeekStart;
  /** An IANA zone name ("Europe/Berlin"); null follows the system's zone. */
  time_zone: string | null;
  sync_interval_minutes: number;
  /** Show events the user declined (they never count in totals). */
  show_declined: boolean;
  /** How far back and ahead the first sync of a calendar reaches, in weeks. */
  sync_weeks_back: number;
  sync_weeks_ahead: number;
  /** The notes vault reviews are exported into, if any. */
  vault_dir: string | null;
  /** A week's file name in the vault: {year}, {week}, {start}, {end}. */
  vault_pattern: string;
  /** A weekly reminder to do the review; null when off. */
  reminder: Reminder | null;
  /** Which events count as time spent, and as what. */
  time_rules: TimeRules;
  /** The hours the week's longest free block is looked for in. */
  working_hours: WorkingHoursSetting;
}

/** A weekday as the settings spell it. */
export type Weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

/** `vica_core::settings::WorkingHoursSetting`: checked by the core on save. */
export interface WorkingHoursSetting {
  /** Local time, "HH:MM". */
  start: string;
  /** Local time, "HH:MM", after the start. */
  end: string;
  /** At least one; independent of the week start. */
  days: Weekday[];
}

/** `vica_core::settings::Reminder`. */
export interface Reminder {
  /** "monday" … "sunday". */
  weekday: string;
  /** Local time, "HH:MM". */
  time: string;
}

/** `vica_app::commands::AppInfo`. */
export interface AppInfo {
  version: string;
  data_dir: string | null;
}

/** `vica_core::model::Provider`. */
export type Provider = "google" | "microsoft" | "todoist" | "ics";

/** `vica_core::model::SourceKind`: calendars hold events, projects hold tasks. */
export type SourceKind = "calendar" | "project";

/** `vica_app::sync::SourceStatus`: one calendar or project in the Sources panel. */
export interface SourceStatus {
  source_id: number;
  account_id: number;
  account_label: string;
  provider: Provider;
  /** "Google Calendar". */
  provider_name: string;
  name: string;
  color: string | null;
  kind: SourceKind;
  included: boolean;
  /** The provider no longer has it; its cached items are kept. */
  gone: boolean;
  /** RFC 3339 instant of the last sync without error. */
  last_success_at: string | null;
  last_error: string | null;
  running: boolean;
}

/** `vica_app::sync::SyncOutcome`: how a whole sync ended (the `sync://finished` payload). */
export interface SyncOutcome {
  finished_at: string;
  /** Sources whose sync failed. */
  failed: number;
  /** A failure before any source could sync. */
  error: string | null;
  /** Every failure looks like the network. */
  offline: boolean;
}

/** `vica_app::sync::SyncStatus`. */
export interface SyncStatus {
  running: boolean;
  /** The last sync since the app started. */
  last: SyncOutcome | null;
  sources: SourceStatus[];
}

/** `vica_sync::SyncEvent`: what a sync reports as it goes (the `sync://progress` payload). */
export type SyncEvent =
  | { type: "source_started"; source_id: number; name: string }
  | { type: "page_written"; source_id: number; pages: number; items: number }
  | { type: "source_finished"; source_id: number; error: string | null };

/** `vica_app::export::TemplateWarning`: a user template failed; the default one was used. */
export interface TemplateWarning {
  template: string;
  /** 1-based, where the template engine could tell. */
  line: number | null;
  column: number | null;
  message: string;
  /** "…/export.md.j2:3:12: syntax error: …". */
  text: string;
}

/** `vica_app::export::Outcome`. */
export type ExportOutcome = "created" | "updated" | "unchanged" | "overwritten" | "conflict";

/** `vica_app::export::ExportResult`: one week's note written, or left alone. */
export interface ExportResult {
  week: WeekKey;
  path: string;
  outcome: ExportOutcome;
  /** Why a file in conflict was left alone. */
  conflict: string | null;
  /** Writing again without overwriting may work (the file changed meanwhile). */
  can_merge: boolean;
  warning: TemplateWarning | null;
}

/** `vica_app::export::CopyResult`. */
export interface CopyResult {
  week: WeekKey;
  chars: number;
  warning: TemplateWarning | null;
}

/** `vica_core::export::HistoryWeek`. */
export interface HistoryWeek {
  key: WeekKey;
  /** "Week 47 · 16–22 Nov 2026". */
  label: string;
  /** A reflection with some text was saved for this week. */
  written: boolean;
  edited_at: string | null;
  is_current: boolean;
}

/** `vica_core::export::ReviewHistory`. */
export interface ReviewHistory {
  current: WeekKey;
  /** The current week first, then the weeks before it. */
  weeks: HistoryWeek[];
  /** Consecutive weeks with a reflection up to this week or last week. */
  streak: number;
  written_total: number;
}

/** `vica_app::error::IpcError` codes. */
export type ErrorCode =
  | "invalid_week"
  | "invalid_setting"
  | "database"
  | "disk_full"
  | "read_only"
  | "busy"
  | "not_found"
  | "io"
  | "clipboard"
  | "internal";

/** `vica_app::error::IpcError`: what a failed command rejects with. */
export interface IpcError {
  code: ErrorCode | string;
  message: string;
}

/** `vica_app::accounts::AccountState`. */
export type AccountState = "connected" | "needs_reconnect" | "error";

/** `vica_app::accounts::AccountView`: one account on the Accounts screen (never a token). */
export interface AccountView {
  id: number;
  provider: Provider;
  /** "Google Calendar". */
  provider_name: string;
  label: string;
  is_demo: boolean;
  state: AccountState;
  /** The first source error, when `state` is "error". */
  error: string | null;
  /** Calendars and projects it has. */
  sources: number;
  created_at: string;
}

/** `vica_app::accounts::ProviderSetup`: whether a provider has an OAuth client. */
export interface ProviderSetup {
  provider: Provider;
  provider_name: string;
  configured: boolean;
  /** What is missing, when not configured. */
  detail: string | null;
}

/** `vica_app::accounts::AccountsOverview`. */
export interface AccountsOverview {
  accounts: AccountView[];
  /** Demo accounts are present. */
  demo: boolean;
  /** Google, Microsoft and Todoist. */
  providers: ProviderSetup[];
  /** Where client ids go (`<config dir>/oauth.toml`). */
  config_file: string | null;
  setup_doc_url: string;
}

/** `vica_app::accounts::DisconnectResult`. */
export interface DisconnectResult {
  label: string;
  provider_name: string;
  kept_data: boolean;
  /** Revoked at the provider; null when no tokens were stored. */
  revoked: boolean | null;
  revocation_note: string | null;
  /** Any account left (none: the welcome screen). */
  accounts_left: boolean;
}

/** `vica_app::about::Package`: one third-party package bundled in the app. */
export interface BundledPackage {
  name: string;
  version: string;
  /** SPDX expression, e.g. "MIT OR Apache-2.0". */
  license: string;
  /** A Rust crate in the binary or an npm package in the UI. */
  source: "crate" | "npm";
}

/** `vica_app::about::LicenseGroup`: the packages that share one license. */
export interface LicenseGroup {
  license: string;
  packages: BundledPackage[];
}

/** `vica_app::about::About`: what the About panel shows. */
export interface About {
  name: string;
  version: string;
  identifier: string;
  homepage: string | null;
  copyright: string | null;
  license: string | null;
  data_dir: string | null;
  /** Largest group first. */
  licenses: LicenseGroup[];
}

/** `vica_core::insights::Insights`. */
export interface Insights {
  /** One entry per day of the week, in order. */
  per_day: DaySources[];
  /** The longest stretch of working hours without an event; ties go to the earliest. */
  longest_free_block: FreeBlock | null;
  /** The hours looked in: "HH:MM" local times and the working days, Monday first. */
  working_hours: { start: string; end: string; days: Weekday[] };
}

/** A day's minutes in events by source; they add up to the day's `event_minutes`. */
export interface DaySources {
  date: IsoDate;
  sources: { source_id: number; minutes: number }[];
}

/** Free working time on one day, local "HH:MM" times. */
export interface FreeBlock {
  date: IsoDate;
  start: string;
  end: string;
  minutes: number;
}

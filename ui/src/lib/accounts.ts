// What the Accounts screen, the welcome screen and the sync interval field
// decide, kept apart from the components so it can be tested without a window.

import type { AccountView, AccountsOverview, IpcError, Provider } from "../ipc";

/** The accounts that connect with OAuth in the browser, in the order offered. */
export const OAUTH_PROVIDERS: { provider: Provider; name: string }[] = [
  { provider: "google", name: "Google" },
  { provider: "microsoft", name: "Microsoft" },
  { provider: "todoist", name: "Todoist" },
];

/** The first run's welcome shows while there is no account at all (not even the demo). */
export function showsWelcome(overview: Pick<AccountsOverview, "accounts">): boolean {
  return overview.accounts.length === 0;
}

/** An account's state in words, as its badge says it. */
export function stateLabel(account: Pick<AccountView, "state" | "is_demo">): string {
  if (account.is_demo) return "Demo data";
  switch (account.state) {
    case "connected":
      return "Connected";
    case "needs_reconnect":
      return "Needs reconnect";
    case "error":
      return "Sync error";
  }
}

/**
 * A line under the account: its sources and what to do about its state (and
 * why: what the sync said, or that the user disconnected it keeping its data).
 */
export function accountLine(
  account: Pick<AccountView, "state" | "is_demo" | "sources" | "error" | "reason" | "disconnected">,
): string {
  const sources = account.sources === 1 ? "1 source" : `${account.sources} sources`;
  if (account.is_demo) return `${sources} · served by Vica's fake providers`;
  switch (account.state) {
    case "connected":
      return sources;
    case "needs_reconnect":
      if (account.reason) return `${sources} · ${account.reason}. Its cached data is kept.`;
      if (account.disconnected)
        return `${sources} · disconnected; its cached data is kept. Connect it again to sync.`;
      return `${sources} · its access expired or was revoked; its cached data is kept. Connect it again to sync.`;
    case "error":
      return `${sources} · ${account.error ?? "the last sync failed"}`;
  }
}

/** Why a pasted Todoist API token cannot be right, or null when it may be. */
export function tokenProblem(raw: string): string | null {
  const token = raw.trim();
  if (token === "") return "Paste your Todoist API token first.";
  if (/\s/.test(token)) return "The token has spaces in it: copy it again from Todoist.";
  if (token.length < 8) return "That is too short to be a Todoist API token.";
  return null;
}

/** The sync interval field, checked: whole minutes from 1 to 1440 (a day). */
export function parseSyncInterval(raw: string | number): { minutes: number } | { error: string } {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) return { error: "The sync interval must be a whole number of minutes." };
  const minutes = Number(text);
  if (minutes < 1 || minutes > 24 * 60) return { error: "The sync interval must be between 1 and 1440 minutes (a day)." };
  return { minutes };
}

/** What a failed connect shows: a sentence, and whether to offer the setup guide. */
export function connectFailure(err: IpcError): { message: string; setup: boolean; quiet: boolean } {
  const message = err.message.charAt(0).toUpperCase() + err.message.slice(1);
  switch (err.code) {
    case "not_configured":
      return { message, setup: true, quiet: false };
    case "cancelled":
      // The user asked for it: no alarm, just say so.
      return { message: "Cancelled. Nothing was saved.", setup: false, quiet: true };
    default:
      return { message, setup: false, quiet: false };
  }
}

/** What the disconnect confirmation's choice means, said plainly. */
export function disconnectChoice(keep: boolean, label: string): string {
  return keep
    ? `Past weeks keep ${label}'s events and tasks; it stops syncing until you connect it again.`
    : `${label}'s events and tasks are deleted from this computer. Your reflections stay.`;
}

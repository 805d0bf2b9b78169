import { describe, expect, it } from "vitest";
import type { AccountView } from "../ipc";
import {
  accountLine,
  connectFailure,
  disconnectChoice,
  parseSyncInterval,
  showsWelcome,
  stateLabel,
  tokenProblem,
} from "./accounts";

function account(over: Partial<AccountView> = {}): AccountView {
  return {
    id: 1,
    provider: "todoist",
    provider_name: "Todoist",
    label: "me@example.com",
    is_demo: false,
    state: "connected",
    error: null,
    reason: null,
    disconnected: false,
    sources: 2,
    created_at: "2026-11-20T10:00:00Z",
    ...over,
  };
}

describe("first run", () => {
  it("welcomes only when there is no account, demo included", () => {
    expect(showsWelcome({ accounts: [] })).toBe(true);
    expect(showsWelcome({ accounts: [account({ is_demo: true })] })).toBe(false);
    expect(showsWelcome({ accounts: [account({ state: "needs_reconnect" })] })).toBe(false);
  });
});

describe("account state", () => {
  it("names each state and the demo", () => {
    expect(stateLabel(account())).toBe("Connected");
    expect(stateLabel(account({ state: "needs_reconnect" }))).toBe("Needs reconnect");
    expect(stateLabel(account({ state: "error" }))).toBe("Sync error");
    expect(stateLabel(account({ is_demo: true }))).toBe("Demo data");
  });

  it("says what to do and shows the sync error", () => {
    expect(accountLine(account({ sources: 1 }))).toBe("1 source");
    expect(accountLine(account({ state: "needs_reconnect" }))).toMatch(/^2 sources · .*cached data is kept.*Connect it again/);
    expect(accountLine(account({ state: "error", error: "Todoist answered 500: oops" }))).toBe(
      "2 sources · Todoist answered 500: oops",
    );
    expect(accountLine(account({ state: "error" }))).toBe("2 sources · the last sync failed");
  });

  it("tells an account disconnected with its data kept from one whose access ended", () => {
    // AccountView.disconnected, which the hand-written type lacked before it was generated.
    expect(accountLine(account({ state: "needs_reconnect", disconnected: true }))).toBe(
      "2 sources · disconnected; its cached data is kept. Connect it again to sync.",
    );
    const expired = accountLine(account({ state: "needs_reconnect" }));
    expect(expired).toMatch(/access expired or was revoked/);
    expect(expired).not.toMatch(/disconnected/);
  });

  it("says why an account needs reconnecting when the sync said", () => {
    const reason =
      "Google Calendar refused: this account's sign-in lacks a permission Vica needs (Request had insufficient authentication scopes.); reconnect the account and allow everything Vica asks for (read-only access to its calendars or tasks)";
    expect(accountLine(account({ state: "needs_reconnect", reason }))).toBe(
      `2 sources · ${reason}. Its cached data is kept.`,
    );
    // A reason is only for that state.
    expect(accountLine(account({ state: "connected", reason }))).toBe("2 sources");
  });
});

describe("Todoist token", () => {
  it("refuses empty, spaced and short tokens, trims the rest", () => {
    expect(tokenProblem("")).toMatch(/Paste/);
    expect(tokenProblem("   ")).toMatch(/Paste/);
    expect(tokenProblem("abc def ghi jkl")).toMatch(/spaces/);
    expect(tokenProblem("abc")).toMatch(/too short/);
    expect(tokenProblem("  0123456789abcdef0123456789abcdef01234567\n")).toBeNull();
  });
});

describe("sync interval", () => {
  it("accepts whole minutes from 1 to a day", () => {
    expect(parseSyncInterval("15")).toEqual({ minutes: 15 });
    expect(parseSyncInterval(" 1 ")).toEqual({ minutes: 1 });
    expect(parseSyncInterval(1440)).toEqual({ minutes: 1440 });
  });

  it("refuses anything else with a reason", () => {
    for (const bad of ["0", "1441", "", "abc", "2.5", "-5", "1e3"]) {
      const got = parseSyncInterval(bad);
      expect("error" in got, bad).toBe(true);
    }
    expect(parseSyncInterval("0")).toEqual({ error: expect.stringMatching(/between 1 and 1440/) });
    expect(parseSyncInterval("2.5")).toEqual({ error: expect.stringMatching(/whole number/) });
  });
});

describe("connect failures", () => {
  it("offers the setup guide when no client is configured", () => {
    const got = connectFailure({
      code: "not_configured",
      message: "Google Calendar is not set up for connecting accounts: no client id is set. docs/oauth-setup.md explains how",
    });
    expect(got.setup).toBe(true);
    expect(got.message).toMatch(/^Google Calendar is not set up/);
  });

  it("treats a cancel as quiet and other failures as errors", () => {
    expect(connectFailure({ code: "cancelled", message: "connecting was cancelled" })).toEqual({
      message: "Cancelled. Nothing was saved.",
      setup: false,
      quiet: true,
    });
    const denied = connectFailure({ code: "consent_denied", message: "google access was not granted" });
    expect(denied).toEqual({ message: "Google access was not granted", setup: false, quiet: false });
  });

  it("explains keeping and deleting cached data", () => {
    expect(disconnectChoice(true, "me@example.com")).toMatch(/keep me@example.com's events/);
    expect(disconnectChoice(false, "me@example.com")).toMatch(/deleted from this computer/);
  });
});

// The Accounts screen's model without a window: what each action sends to
// the backend, what it says afterwards, where the focus goes, and what it
// refuses (a token that cannot be right, a second send while one is under way).

import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AccountView, AccountsOverview } from "../../ipc";

const ipc = vi.hoisted(() => ({
  listAccounts: vi.fn(),
  connectAccount: vi.fn(),
  cancelConnect: vi.fn(),
  connectTodoistToken: vi.fn(),
  addIcsCalendar: vi.fn(),
  disconnectAccount: vi.fn(),
  leaveDemo: vi.fn(),
  openSetupGuide: vi.fn(),
}));
vi.mock("../../ipc", async (original) => ({ ...(await original<typeof import("../../ipc")>()), ...ipc }));

const { AccountsModel } = await import("./accounts.svelte");

function account(overrides: Partial<AccountView> = {}): AccountView {
  return {
    id: 1,
    provider: "google",
    provider_name: "Google Calendar",
    label: "alice@example.com",
    is_demo: false,
    state: "connected",
    error: null,
    reason: null,
    disconnected: false,
    sources: 2,
    created_at: "2026-11-01T09:00:00Z",
    ...overrides,
  };
}

function overview(accounts: AccountView[]): AccountsOverview {
  return { accounts, demo: accounts.some((a) => a.is_demo), providers: [], config_file: null, setup_doc_url: "" };
}

/** A model with its accounts read, and what it told the window. */
async function setup(accounts: AccountView[] = [account()]) {
  ipc.listAccounts.mockResolvedValue(overview(accounts));
  const focused: string[] = [];
  const changes: { left: number; removed: boolean }[] = [];
  const model = new AccountsModel({
    onchanged: (o, removed) => changes.push({ left: o.accounts.length, removed }),
    focus: (id) => focused.push(id),
  });
  await model.refresh();
  return { model, focused, changes };
}

beforeEach(() => {
  for (const f of Object.values(ipc)) f.mockReset();
});

describe("AccountsModel", () => {
  it("splits the demo's accounts from the user's", async () => {
    const { model } = await setup([
      account(),
      account({ id: 2, is_demo: true, provider: "todoist", provider_name: "Todoist" }),
    ]);
    expect(model.real.map((a) => a.id)).toEqual([1]);
    expect(model.demo.map((a) => a.id)).toEqual([2]);
  });

  it("keeps a failed read as an error without losing the list", async () => {
    const { model } = await setup();
    ipc.listAccounts.mockRejectedValue({ code: "store", message: "The store is locked" });
    expect(await model.refresh()).toBeNull();
    expect(model.loadError?.message).toBe("The store is locked");
    expect(model.real).toHaveLength(1);
  });

  it("refuses a token that cannot be right without asking Todoist", async () => {
    const { model, focused } = await setup();
    model.openToken();
    expect(model.token.open).toBe(true);
    expect(focused).toEqual(["todoist-token"]);
    model.token.value = "has spaces in it";
    await model.submitToken();
    expect(model.token.error).toMatch(/spaces/);
    expect(ipc.connectTodoistToken).not.toHaveBeenCalled();
  });

  it("connects a Todoist token: trimmed, the form closed and emptied, the list read again", async () => {
    const { model, focused, changes } = await setup();
    const todoist = account({ id: 5, provider: "todoist", provider_name: "Todoist", label: "Todoist" });
    ipc.connectTodoistToken.mockResolvedValue(todoist);
    model.openToken();
    model.token.value = "  0123456789abcdef  ";
    ipc.listAccounts.mockResolvedValue(overview([account(), todoist]));
    await model.submitToken();
    expect(ipc.connectTodoistToken).toHaveBeenCalledWith("0123456789abcdef");
    expect(model.token).toMatchObject({ open: false, value: "", error: null });
    expect(model.notice).toBe("Connected Todoist (Todoist). Syncing it now…");
    expect(changes).toEqual([{ left: 2, removed: false }]);
    expect(focused.at(-1)).toBe("accounts-notice");
    expect(model.busy).toBe(false);
  });

  it("says why Todoist refused a token, keeps what was typed, and sends once at a time", async () => {
    const { model, focused } = await setup();
    let refuse: (e: unknown) => void = () => {};
    ipc.connectTodoistToken.mockReturnValue(new Promise((_, reject) => (refuse = reject)));
    model.openToken();
    model.token.value = "0123456789abcdef";
    const first = model.submitToken();
    expect(model.busy).toBe(true);
    await model.submitToken();
    expect(ipc.connectTodoistToken).toHaveBeenCalledTimes(1);
    refuse({ code: "auth", message: "todoist did not accept this API token" });
    await first;
    expect(model.token.error).toBe("Todoist did not accept this API token");
    expect(model.token).toMatchObject({ open: true, value: "0123456789abcdef" });
    expect(focused.at(-1)).toBe("todoist-token");
    expect(model.busy).toBe(false);
  });

  it("asks for an ICS location before adding, then adds the one typed", async () => {
    const { model, focused } = await setup();
    model.openIcs();
    model.ics.value = "   ";
    await model.submitIcs();
    expect(model.ics.error).toMatch(/^Type the path of an \.ics file or folder/);
    expect(ipc.addIcsCalendar).not.toHaveBeenCalled();

    ipc.addIcsCalendar.mockResolvedValue(account({ id: 7, provider: "ics", label: "example.com · 3f2a" }));
    model.ics.value = " ~/Calendars/team.ics ";
    await model.submitIcs();
    expect(ipc.addIcsCalendar).toHaveBeenCalledWith("~/Calendars/team.ics");
    expect(model.notice).toBe("Added the calendar example.com · 3f2a. Syncing it now…");
    expect(model.ics.open).toBe(false);
    expect(focused.at(-1)).toBe("accounts-notice");
  });

  it("waits for the browser's sign-in, and a cancel says so quietly", async () => {
    const { model, focused, changes } = await setup();
    let reject: (e: unknown) => void = () => {};
    ipc.connectAccount.mockReturnValue(new Promise((_, r) => (reject = r)));
    ipc.cancelConnect.mockImplementation(async () => {
      reject({ code: "cancelled", message: "cancelled" });
      return true;
    });
    const connecting = model.connect("google", "Google");
    expect(model.waiting).toEqual({ provider: "google", name: "Google" });
    expect(focused).toEqual(["accounts-cancel"]);
    await model.cancel();
    await connecting;
    expect(model.waiting).toBeNull();
    expect(model.failure).toEqual({ message: "Cancelled. Nothing was saved.", setup: false, quiet: true });
    expect(focused.at(-1)).toBe("accounts-failure");
    expect(changes).toEqual([]);
  });

  it("offers the setup guide when a provider has no OAuth client", async () => {
    const { model } = await setup();
    ipc.connectAccount.mockRejectedValue({ code: "not_configured", message: "microsoft Outlook is not set up" });
    await model.connect("microsoft", "Microsoft");
    expect(model.failure).toEqual({ message: "Microsoft Outlook is not set up", setup: true, quiet: false });
  });

  it("reconnects Todoist through its token form, others through the browser, ICS not at all", async () => {
    const { model } = await setup();
    ipc.connectAccount.mockResolvedValue(account());
    model.reconnect(account({ provider: "todoist", provider_name: "Todoist", state: "needs_reconnect" }));
    expect(model.token.open).toBe(true);
    expect(ipc.connectAccount).not.toHaveBeenCalled();
    model.reconnect(account({ provider: "ics", state: "needs_reconnect" }));
    expect(ipc.connectAccount).not.toHaveBeenCalled();
    model.reconnect(account({ provider: "microsoft", provider_name: "Microsoft Outlook" }));
    expect(ipc.connectAccount).toHaveBeenCalledWith("microsoft");
  });

  it("disconnects with the data choice made, and says what the provider did", async () => {
    const { model, focused, changes } = await setup();
    model.keep = "delete";
    model.askDisconnect(account());
    expect(model.keep).toBe("keep");
    expect(focused.at(-1)).toBe("confirm-title");
    model.keep = "delete";
    ipc.disconnectAccount.mockResolvedValue({
      label: "alice@example.com",
      provider_name: "Google Calendar",
      kept_data: false,
      revoked: null,
      revocation_note: "the provider could not be reached to revoke access",
      accounts_left: false,
    });
    ipc.listAccounts.mockResolvedValue(overview([]));
    await model.confirmed();
    expect(ipc.disconnectAccount).toHaveBeenCalledWith(1, false);
    expect(model.notice).toBe(
      "Disconnected alice@example.com and deleted its data. The provider could not be reached to revoke access.",
    );
    expect(model.confirm).toBeNull();
    expect(changes).toEqual([{ left: 0, removed: true }]);
  });

  it("leaves the demo, and a failure closes the confirmation with the reason", async () => {
    const { model, focused } = await setup();
    model.askLeaveDemo();
    expect(model.confirm).toEqual({ kind: "leave_demo" });
    ipc.leaveDemo.mockRejectedValue({ code: "store", message: "the store is locked" });
    await model.confirmed();
    expect(model.confirm).toBeNull();
    expect(model.failure?.message).toBe("The store is locked");
    expect(focused.at(-1)).toBe("accounts-failure");
  });
});

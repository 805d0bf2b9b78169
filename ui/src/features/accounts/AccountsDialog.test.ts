// @vitest-environment jsdom
// The Accounts dialog wired to its model, on the ids and focus the window
// tests rely on: the token form takes the focus and says why a token was
// refused, a connection is announced in #accounts-notice (focused), and
// closing while the browser's sign-in is under way cancels it.

import { fireEvent, render, screen } from "@testing-library/svelte";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { AccountView } from "../../ipc";

const ipc = vi.hoisted(() => ({
  listAccounts: vi.fn(),
  connectAccount: vi.fn(),
  cancelConnect: vi.fn(),
  connectTodoistToken: vi.fn(),
  onSync: vi.fn(async () => () => {}),
}));
vi.mock("../../ipc", async (original) => ({ ...(await original<typeof import("../../ipc")>()), ...ipc }));

const { default: AccountsDialog } = await import("./AccountsDialog.svelte");

const todoist: AccountView = {
  id: 2,
  provider: "todoist",
  provider_name: "Todoist",
  label: "Todoist",
  is_demo: false,
  state: "connected",
  error: null,
  reason: null,
  disconnected: false,
  sources: 3,
  created_at: "2026-11-01T09:00:00Z",
};

beforeAll(() => {
  // jsdom has no modal dialogs.
  HTMLDialogElement.prototype.showModal = function () {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function () {
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});

function open() {
  const onclose = vi.fn();
  const onchanged = vi.fn();
  render(AccountsDialog, { onclose, onchanged });
  return { onclose, onchanged };
}

describe("AccountsDialog", () => {
  it("connects Todoist with a token: refused first, then announced", async () => {
    ipc.listAccounts.mockResolvedValue({ accounts: [], demo: false, providers: [], config_file: null, setup_doc_url: "" });
    const { onchanged } = open();
    await screen.findByText("No account connected yet.");
    await fireEvent.click(screen.getByRole("button", { name: "Use a Todoist API token instead" }));
    const field = document.getElementById("todoist-token") as HTMLInputElement;
    await vi.waitFor(() => expect(document.activeElement).toBe(field));

    ipc.connectTodoistToken.mockRejectedValueOnce({ code: "auth", message: "todoist did not accept this API token" });
    await fireEvent.input(field, { target: { value: "not-the-right-token" } });
    await fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await vi.waitFor(() =>
      expect(document.getElementById("todoist-token-error")?.textContent).toBe("Todoist did not accept this API token"),
    );
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(field.getAttribute("aria-describedby")).toBe("todoist-token-hint todoist-token-error");

    ipc.connectTodoistToken.mockResolvedValueOnce(todoist);
    ipc.listAccounts.mockResolvedValue({ accounts: [todoist], demo: false, providers: [], config_file: null, setup_doc_url: "" });
    await fireEvent.input(field, { target: { value: "0123456789abcdef" } });
    await fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    const notice = await vi.waitFor(() => {
      const n = document.getElementById("accounts-notice");
      expect(n).not.toBeNull();
      return n!;
    });
    expect(notice.textContent).toBe("Connected Todoist (Todoist). Syncing it now…");
    await vi.waitFor(() => expect(document.activeElement).toBe(notice));
    expect(document.getElementById("todoist-token")).toBeNull();
    expect(onchanged).toHaveBeenCalledTimes(1);
    const row = document.querySelector('li.account[data-account-id="2"]');
    expect(row?.getAttribute("data-state")).toBe("connected");
    expect(row?.querySelector(".badge")?.textContent).toBe("Connected");
  });

  it("waits for the browser with Cancel focused, and closing cancels the sign-in", async () => {
    ipc.listAccounts.mockResolvedValue({ accounts: [], demo: false, providers: [], config_file: null, setup_doc_url: "" });
    ipc.connectAccount.mockReturnValue(new Promise(() => {}));
    ipc.cancelConnect.mockResolvedValue(true);
    const { onclose } = open();
    await screen.findByText("No account connected yet.");
    await fireEvent.click(screen.getByRole("button", { name: "Connect Google" }));
    await vi.waitFor(() => expect(document.activeElement?.id).toBe("accounts-cancel"));
    expect(document.getElementById("waiting-title")?.textContent).toBe("Waiting for the browser…");

    await fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(ipc.cancelConnect).toHaveBeenCalledTimes(1);
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});

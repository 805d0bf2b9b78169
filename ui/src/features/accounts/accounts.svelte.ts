// What the Accounts screen knows and does: the account list, a sign-in in
// the browser under way, the Todoist token and ICS forms, the disconnect and
// leave-demo confirmation, and what the last action said. The components
// only show it; every call goes through ../../ipc. Tested in accounts.test.ts.

import { tick } from "svelte";
import {
  addIcsCalendar,
  cancelConnect,
  connectAccount,
  connectTodoistToken,
  disconnectAccount,
  leaveDemo,
  listAccounts,
  openSetupGuide,
  toIpcError,
  type AccountView,
  type AccountsOverview,
  type IpcError,
  type Provider,
} from "../../ipc";
import { connectFailure, tokenProblem } from "../../lib/accounts";

/** Why the last action failed, and whether to offer the setup guide; `quiet` when the user asked for it. */
export type Failure = { message: string; setup: boolean; quiet: boolean };

/** What the confirmation asks about. */
export type Confirm = { kind: "disconnect"; account: AccountView } | { kind: "leave_demo" };

/** A one-field form that opens from a link or a button. Kept while the dialog is open, shown or not. */
export class FieldForm {
  open = $state(false);
  value = $state("");
  error = $state<string | null>(null);
}

export interface AccountsHooks {
  /**
   * Accounts changed. `removed`: data left the store (the week must be read
   * again); the overview says whether any account is left.
   */
  onchanged: (overview: AccountsOverview, removed: boolean) => void;
  /** Moves the focus to the element with `id` once it is on screen. */
  focus?: (id: string) => void;
}

/** Moves the focus to the element with `id` once it is on screen. */
async function focusById(id: string) {
  await tick();
  document.getElementById(id)?.focus();
}

export class AccountsModel {
  overview = $state<AccountsOverview | null>(null);
  loadError = $state<IpcError | null>(null);
  /** The OAuth sign-in under way in the browser. */
  waiting = $state<{ provider: Provider; name: string } | null>(null);
  failure = $state<Failure | null>(null);
  /** What the last action did, said politely. */
  notice = $state<string | null>(null);
  /** A form or the confirmation is being sent. */
  busy = $state(false);
  confirm = $state<Confirm | null>(null);
  /** The disconnect confirmation's choice for the account's cached data. */
  keep = $state<"keep" | "delete">("keep");
  /** The Todoist API token form. */
  readonly token = new FieldForm();
  /** The ICS form: a file, a folder or an address. */
  readonly ics = new FieldForm();

  readonly real = $derived(this.overview?.accounts.filter((a) => !a.is_demo) ?? []);
  readonly demo = $derived(this.overview?.accounts.filter((a) => a.is_demo) ?? []);

  readonly #onchanged: AccountsHooks["onchanged"];
  readonly #focus: (id: string) => void;

  constructor({ onchanged, focus = (id) => void focusById(id) }: AccountsHooks) {
    this.#onchanged = onchanged;
    this.#focus = focus;
  }

  /** Reads the accounts again; null (and `loadError`) when that failed. */
  async refresh(): Promise<AccountsOverview | null> {
    try {
      this.overview = await listAccounts();
      this.loadError = null;
      return this.overview;
    } catch (err) {
      this.loadError = toIpcError(err);
      return null;
    }
  }

  async #changed(removed: boolean) {
    const next = await this.refresh();
    if (next) this.#onchanged(next, removed);
  }

  #clear() {
    this.failure = null;
    this.notice = null;
  }

  /** Signs in to `provider` in the browser and waits for it. */
  async connect(provider: Provider, name: string): Promise<void> {
    this.#clear();
    this.waiting = { provider, name };
    this.#focus("accounts-cancel");
    try {
      const account = await connectAccount(provider);
      this.notice = `Connected ${account.provider_name} (${account.label}). Syncing it now…`;
      await this.#changed(false);
    } catch (err) {
      this.failure = connectFailure(toIpcError(err));
    } finally {
      this.waiting = null;
      this.#focus(this.failure ? "accounts-failure" : "accounts-notice");
    }
  }

  /** Todoist accounts may have used an API token: offer that form first; others sign in again. */
  reconnect(account: AccountView): void {
    if (account.provider === "todoist") {
      this.#clear();
      this.token.open = true;
      this.#focus("todoist-token");
    } else if (account.provider !== "ics") {
      void this.connect(account.provider, account.provider_name);
    }
  }

  /** Abandons the sign-in under way. */
  async cancel(): Promise<void> {
    try {
      await cancelConnect();
    } catch {
      // The attempt ends on its own (timeout) if the cancel could not reach it.
    }
  }

  openToken(): void {
    this.token.open = true;
    this.#focus("todoist-token");
  }

  /** Connects Todoist with the token typed, checked here first and then by Todoist. */
  async submitToken(): Promise<void> {
    const form = this.token;
    form.error = tokenProblem(form.value);
    if (form.error || this.busy) return;
    this.busy = true;
    this.#clear();
    try {
      const account = await connectTodoistToken(form.value.trim());
      form.value = "";
      form.open = false;
      this.notice = `Connected Todoist (${account.label}). Syncing it now…`;
      await this.#changed(false);
      this.#focus("accounts-notice");
    } catch (err) {
      form.error = connectFailure(toIpcError(err)).message;
      this.#focus("todoist-token");
    } finally {
      this.busy = false;
    }
  }

  openIcs(): void {
    this.ics.open = true;
    this.#focus("ics-location");
  }

  /** Adds the ICS calendar at the location typed. */
  async submitIcs(): Promise<void> {
    const form = this.ics;
    const location = form.value.trim();
    form.error = location === "" ? "Type the path of an .ics file or folder, or an https:// or webcal:// address." : null;
    if (form.error || this.busy) return;
    this.busy = true;
    this.#clear();
    try {
      const account = await addIcsCalendar(location);
      form.value = "";
      form.open = false;
      this.notice = `Added the calendar ${account.label}. Syncing it now…`;
      await this.#changed(false);
      this.#focus("accounts-notice");
    } catch (err) {
      form.error = connectFailure(toIpcError(err)).message;
      this.#focus("ics-location");
    } finally {
      this.busy = false;
    }
  }

  askDisconnect(account: AccountView): void {
    this.keep = "keep";
    this.#clear();
    this.confirm = { kind: "disconnect", account };
    this.#focus("confirm-title");
  }

  askLeaveDemo(): void {
    this.#clear();
    this.confirm = { kind: "leave_demo" };
    this.#focus("confirm-title");
  }

  /** Does what the confirmation asked about. */
  async confirmed(): Promise<void> {
    const confirm = this.confirm;
    if (!confirm || this.busy) return;
    this.busy = true;
    try {
      if (confirm.kind === "leave_demo") {
        await leaveDemo();
        this.notice = "Left the demo: its events and tasks are gone.";
      } else {
        const done = await disconnectAccount(confirm.account.id, this.keep === "keep");
        const note = done.revocation_note ?? "";
        const revoked =
          done.revoked === true
            ? ` ${done.provider_name} access was revoked.`
            : note
              ? ` ${note.charAt(0).toUpperCase()}${note.slice(1)}${note.endsWith(".") ? "" : "."}`
              : "";
        this.notice = `Disconnected ${done.label}${done.kept_data ? "; its cached data is kept" : " and deleted its data"}.${revoked}`;
      }
      this.confirm = null;
      await this.#changed(true);
      this.#focus("accounts-notice");
    } catch (err) {
      this.failure = connectFailure(toIpcError(err));
      this.confirm = null;
      this.#focus("accounts-failure");
    } finally {
      this.busy = false;
    }
  }

  /** Opens docs/oauth-setup.md. */
  async guide(): Promise<void> {
    try {
      await openSetupGuide();
    } catch (err) {
      this.failure = { message: toIpcError(err).message, setup: true, quiet: false };
    }
  }
}

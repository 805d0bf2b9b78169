// Debounced saving of text keyed by what it belongs to (a week). No DOM, no IPC:
// the caller passes `save`, so it is unit-tested in autosave.test.ts.
//
// Every edit carries its own key, and a save writes exactly the key it was
// edited under: switching weeks can never write one week's text into another.

/** Where the saving stands, for a quiet indicator. */
export type SaveState = "idle" | "pending" | "saving" | "saved" | "error";

export interface SaveStatus {
  state: SaveState;
  /** The key the state is about (null while idle). */
  key: string | null;
  /** Why the last save failed, when `state` is "error". */
  error: unknown;
}

export interface AutosaveOptions<T> {
  /** Writes `value` for `key`; a rejection keeps the value for the next flush. */
  save: (key: string, value: T) => Promise<void>;
  /** Called on every change of status. */
  onstatus?: (status: SaveStatus) => void;
  /** Quiet time after the last edit before saving, in milliseconds. */
  delay?: number;
}

export class Autosave<T> {
  readonly #save: AutosaveOptions<T>["save"];
  readonly #onstatus: NonNullable<AutosaveOptions<T>["onstatus"]>;
  readonly #delay: number;
  /** Edits not yet handed to `save`, the newest per key, in edit order. */
  readonly #pending = new Map<string, T>();
  /** Keys whose last save failed, with why. */
  readonly #failed = new Map<string, unknown>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Saves run one after another, so an older value never lands after a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #writing: string | null = null;
  #lastEdited: string | null = null;
  #lastSaved: string | null = null;
  #status: SaveStatus = { state: "idle", key: null, error: null };

  constructor(options: AutosaveOptions<T>) {
    this.#save = options.save;
    this.#onstatus = options.onstatus ?? (() => {});
    this.#delay = options.delay ?? 600;
  }

  get status(): SaveStatus {
    return this.#status;
  }

  /**
   * Records the latest `value` for `key` and saves it once editing pauses.
   * An edit under a new key first saves whatever is waiting under others.
   */
  edit(key: string, value: T): void {
    if (this.#lastEdited !== null && this.#lastEdited !== key) void this.flush();
    this.#lastEdited = key;
    this.#pending.delete(key);
    this.#pending.set(key, value);
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.#delay);
    this.#refresh();
  }

  /**
   * Saves every waiting edit now. Resolves once everything asked for so far
   * has been written or has failed; never rejects (failures go to `onstatus`).
   */
  flush(): Promise<void> {
    this.#clearTimer();
    const items = [...this.#pending];
    this.#pending.clear();
    for (const [key, value] of items) {
      this.#queue = this.#queue.then(() => this.#write(key, value));
    }
    return this.#queue;
  }

  async #write(key: string, value: T): Promise<void> {
    this.#writing = key;
    this.#refresh();
    try {
      await this.#save(key, value);
      this.#failed.delete(key);
      this.#lastSaved = key;
    } catch (error) {
      // Keep the text for the next flush unless something newer was typed meanwhile.
      if (!this.#pending.has(key)) this.#pending.set(key, value);
      this.#failed.set(key, error);
    } finally {
      this.#writing = null;
    }
    this.#refresh();
  }

  /** Saving beats a failure, which beats waiting, which beats saved. */
  #refresh(): void {
    const failed = [...this.#failed].at(-1);
    let next: SaveStatus;
    if (this.#writing !== null) next = { state: "saving", key: this.#writing, error: null };
    else if (failed) next = { state: "error", key: failed[0], error: failed[1] };
    else if (this.#pending.size > 0)
      next = { state: "pending", key: [...this.#pending.keys()].at(-1) ?? null, error: null };
    else if (this.#lastSaved !== null) next = { state: "saved", key: this.#lastSaved, error: null };
    else next = { state: "idle", key: null, error: null };
    const now = this.#status;
    if (now.state === next.state && now.key === next.key && now.error === next.error) return;
    this.#status = next;
    this.#onstatus(next);
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}

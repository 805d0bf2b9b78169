// Weeks read ahead: the ones before and after the week on screen, so that a
// switch shows the next week without waiting for a round trip to the core.
//
// A week read ahead is a copy of the store at the time it was read. Anything
// that changes what a week holds (a sync, a source or category change, a
// setting, a reflection saved) must call `forget()`: every read made before
// it is dropped, including the ones still on their way.

import type { Week } from "../ipc";

export class WeekAhead {
  readonly #read: (key: string) => Promise<Week>;
  readonly #onread: (week: Week) => void;
  /** Weeks read ahead, by key, with the generation they were read in. */
  #weeks = new Map<string, { week: Week; generation: number }>();
  /** Keys being read now. */
  #reading = new Set<string>();
  /** The keys the last `readAhead` asked for. */
  #wanted: string[] = [];
  #generation = 0;

  /**
   * `read` reads a week from the core; `onread` hears of each week read
   * ahead as it lands (the week view lays it out in a hidden slot).
   */
  constructor(read: (key: string) => Promise<Week>, onread: (week: Week) => void = () => {}) {
    this.#read = read;
    this.#onread = onread;
  }

  /** Drops every week read so far, and any read still under way. */
  forget(): void {
    this.#generation++;
    this.#weeks.clear();
  }

  /**
   * The week `key` if it was read ahead since the last `forget()`. It is
   * handed over once: the week on screen is never kept here, so a change
   * made to it (a reflection) is not served stale on the way back.
   */
  take(key: string): Week | null {
    const held = this.#weeks.get(key);
    this.#weeks.delete(key);
    return held && held.generation === this.#generation ? held.week : null;
  }

  /**
   * Reads `keys` ahead and keeps only them (the neighbours of the week on
   * screen). A failed read is left out: the switch will ask again and show
   * the error then.
   */
  async readAhead(keys: string[]): Promise<void> {
    this.#wanted = keys;
    for (const key of this.#weeks.keys()) {
      if (!keys.includes(key)) this.#weeks.delete(key);
    }
    const generation = this.#generation;
    await Promise.all(
      keys
        .filter((key) => !this.#weeks.has(key) && !this.#reading.has(key))
        .map(async (key) => {
          this.#reading.add(key);
          try {
            const week = await this.#read(key);
            if (generation === this.#generation && this.#wanted.includes(key)) {
              this.#weeks.set(key, { week, generation });
              this.#onread(week);
            }
          } catch {
            // Not read ahead; the switch reads it itself.
          } finally {
            this.#reading.delete(key);
          }
        }),
    );
  }

  /** The keys held now (for tests). */
  held(): string[] {
    return [...this.#weeks.keys()].sort();
  }
}

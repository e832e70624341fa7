// Rooms whose untrimmed writes are counted; past this many, the counts start over (bounded memory): a
// room forgotten so is trimmed at most one step later.
const MAX_ROOMS = 10_000;

/**
 * When a room's count retention runs: once every `step` of its messages (1 % of the limit, at least 1),
 * not after every commit. Finding a room's (max+1)-th newest message walks `max` index entries, about
 * 30 µs at 1 000, which was half of what a one-message commit cost; between two trims a room so keeps
 * at most `step - 1` messages past its limit (at most 1 009 of 1 000), and a limit under 200 is exact.
 *
 * @example
 * ```ts
 * const trims = new RoomTrims(1000);
 * trims.wrote('ops');
 * if (trims.due('ops')) trimRoom('ops');
 * ```
 */
export class RoomTrims {
  /** Messages a room takes between two trims. */
  readonly step: number;
  readonly #untrimmed = new Map<string | null, number>();

  constructor(maxMessagesPerRoom: number) {
    this.step = Math.max(1, Math.floor(maxMessagesPerRoom / 100));
  }

  /** Rooms with messages counted since their last trim. */
  get tracked(): number {
    return this.#untrimmed.size;
  }

  /** Counts a message written to `room`. */
  wrote(room: string | null): void {
    if (this.#untrimmed.size >= MAX_ROOMS && !this.#untrimmed.has(room)) this.#untrimmed.clear();
    this.#untrimmed.set(room, (this.#untrimmed.get(room) ?? 0) + 1);
  }

  /** Whether `room` is to be trimmed now; its count starts over when it is. */
  due(room: string | null): boolean {
    if ((this.#untrimmed.get(room) ?? 0) < this.step) return false;
    this.#untrimmed.delete(room);
    return true;
  }
}

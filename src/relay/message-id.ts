import { randomBytes } from 'node:crypto';

// Random bytes are drawn in blocks: one randomBytes call per id would cost more than the rest of the id.
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolOffset = 0;
let lastMs = -1;
// 42 bits: the 12 bits of rand_a and the first 30 of rand_b count the ids made within one millisecond.
let counter = 0;
const COUNTER_LIMIT = 2 ** 42;
const LOW_BITS = 2 ** 30;

function random32(): number {
  if (poolOffset + 4 > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const value = pool.readUInt32BE(poolOffset);
  poolOffset += 4;
  return value;
}

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');

/**
 * A new message id: a UUIDv7 (RFC 9562) whose text sorts in the order this process made the ids. The
 * first 48 bits are the Unix time in ms; within one millisecond a counter (started at a random value
 * below half its range, so that it has room to count) makes each id larger than the one before, and a
 * clock that goes back is treated as standing still. The last 32 bits are random.
 *
 * @example
 * ```ts
 * newMessageId(); // '0192f3a4-5b6c-7d8e-9f01-23456789abcd'
 * ```
 */
export function newMessageId(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms !== lastMs) {
    lastMs = ms;
    counter = random32() * 2 ** 9 + (random32() & 0x1ff);
  } else {
    counter += 1;
    if (counter >= COUNTER_LIMIT) {
      // 4 trillion ids in one millisecond: borrow the next millisecond rather than repeat an id.
      ms += 1;
      lastMs = ms;
      counter = 0;
    }
  }
  const high = Math.floor(counter / LOW_BITS);
  const low = counter % LOW_BITS;
  const time = hex(ms, 12);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(high, 3)}-${hex(0x8000 | (low >>> 16), 4)}-${hex(low & 0xffff, 4)}${hex(random32(), 8)}`;
}

/**
 * The millisecond a message id from {@link newMessageId} holds (its first 48 bits): when it was made, or
 * later if the clock went back meanwhile.
 *
 * @example
 * ```ts
 * messageIdTime('0192f3a4-5b6c-7d8e-9f01-23456789abcd'); // 1730000000000 or so
 * ```
 */
export function messageIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

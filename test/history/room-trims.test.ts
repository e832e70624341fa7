// When count retention runs: once every 1 % of the limit of a room's messages, with bounded memory.
import { describe, expect, it } from 'vitest';
import { RoomTrims } from '../../src/history/room-trims.js';

const write = (trims: RoomTrims, room: string | null, count: number) => {
  let due = 0;
  for (let i = 0; i < count; i += 1) {
    trims.wrote(room);
    if (trims.due(room)) due += 1;
  }
  return due;
};

describe('RoomTrims', () => {
  it('steps by 1 % of the limit: exact under 200, every 2nd at 200, every 10th at 1 000', () => {
    expect(new RoomTrims(1).step).toBe(1);
    expect(new RoomTrims(199).step).toBe(1);
    expect(new RoomTrims(200).step).toBe(2);
    expect(new RoomTrims(1000).step).toBe(10);
  });

  it('is due at the step and not one before, then counts again; each room on its own', () => {
    const trims = new RoomTrims(1000);
    expect(write(trims, 'ops', 9)).toBe(0);
    expect(write(trims, null, 9)).toBe(0);
    expect(write(trims, 'ops', 1)).toBe(1);
    expect(write(trims, 'ops', 9)).toBe(0);
    expect(write(trims, 'ops', 1)).toBe(1);
    // The relay-wide room kept its own count.
    expect(write(trims, null, 1)).toBe(1);
  });

  it('counts at most 10 000 rooms: at the limit it keeps them, one past it starts over', () => {
    const trims = new RoomTrims(1000);
    write(trims, 'first', 9);
    for (let i = 1; i < 10_000; i += 1) trims.wrote(`room-${i}`);
    expect(trims.tracked).toBe(10_000);
    // A room already counted does not make room for itself.
    trims.wrote('room-1');
    expect(trims.tracked).toBe(10_000);
    trims.wrote('one-more');
    expect(trims.tracked).toBe(1);
    // 'first' was forgotten: it is due a step later than it would have been, never later.
    expect(write(trims, 'first', 9)).toBe(0);
    expect(write(trims, 'first', 1)).toBe(1);
  });
});

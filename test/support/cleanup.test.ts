import { describe, expect, it } from 'vitest';
import { closeAll, track } from './cleanup.js';

describe('test cleanup', () => {
  it('runs every closer when some throw, and reports each failure', async () => {
    const closed: string[] = [];
    const closer =
      (name: string, fails = false) =>
      () => {
        closed.push(name);
        if (fails) throw new Error(`${name} failed`);
      };
    const outcome = await closeAll([
      closer('a'),
      closer('b', true),
      async () => {
        await Promise.resolve();
        closed.push('c');
        throw new Error('c failed');
      },
      closer('d'),
    ]).catch((error: unknown) => error);
    expect(closed).toEqual(['a', 'b', 'c', 'd']);
    expect(outcome).toBeInstanceOf(AggregateError);
    const aggregate = outcome as AggregateError;
    expect(aggregate.errors.map((error: Error) => error.message)).toEqual(['b failed', 'c failed']);
    expect(aggregate.message).toBe('2 closers failed: b failed; c failed');
  });

  it('rethrows a single failure as it is, and resolves when none failed', async () => {
    const failure = new Error('only one');
    await expect(
      closeAll([
        () => {
          throw failure;
        },
        () => undefined,
      ]),
    ).rejects.toBe(failure);
    await expect(closeAll([() => undefined])).resolves.toBeUndefined();
  });

  const order: string[] = [];
  it('closes what a test tracked after it, newest first', () => {
    track('first', (name) => order.push(name));
    track('second', (name) => order.push(name));
    expect(order).toEqual([]);
  });

  it('(the previous test was cleaned up)', () => {
    expect(order).toEqual(['second', 'first']);
  });
});

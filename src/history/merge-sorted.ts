/**
 * Merges two lists sorted by `order` into one sorted list (a room's history and the relay-wide one).
 *
 * @example
 * ```ts
 * mergeSorted([1, 4], [2, 3], (a, b) => a - b); // [1, 2, 3, 4]
 * ```
 */
export function mergeSorted<T>(a: readonly T[], b: readonly T[], order: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length)
    out.push(order(a[i] as T, b[j] as T) <= 0 ? (a[i++] as T) : (b[j++] as T));
  while (i < a.length) out.push(a[i++] as T);
  while (j < b.length) out.push(b[j++] as T);
  return out;
}

/**
 * One page of history from a room's rows and the relay-wide ones, each list at most `limit + 1` rows
 * sorted away from the cursor (by `seq` ascending `forward`, past an `after` cursor; else descending,
 * before a `before` cursor or from the newest). The page is the `limit` nearest the cursor, oldest
 * first; `more` says whether rows lie past it.
 *
 * @example
 * ```ts
 * mergePage([{ seq: 1 }, { seq: 4 }], [{ seq: 2 }], 2, true); // { rows: [{ seq: 1 }, { seq: 2 }], more: true }
 * ```
 */
export function mergePage<T extends { readonly seq: number }>(
  mine: readonly T[],
  everyone: readonly T[],
  limit: number,
  forward: boolean,
): { rows: T[]; more: boolean } {
  if (forward) {
    const rows = mergeSorted(mine, everyone, (a, b) => a.seq - b.seq).slice(0, limit + 1);
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }
  let rows = mergeSorted(mine, everyone, (a, b) => b.seq - a.seq)
    .slice(0, limit + 1)
    .reverse();
  if (rows.length > limit) rows = rows.slice(1);
  return { rows, more: mine.length + everyone.length > limit };
}

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

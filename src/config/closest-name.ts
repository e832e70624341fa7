/**
 * The candidate a mistyped name most likely meant, for "did you mean …?" hints: the nearest by edit
 * distance (a swap of two neighbouring letters counts as one edit, so `prot` is one edit from `port`),
 * case ignored, when it is close enough to be a typo — at most one edit for a name of up to 5 letters,
 * else one edit per 3 letters. Undefined when nothing is that close.
 *
 * @example
 * ```ts
 * closestName('greting', ['greeting', 'routing']); // 'greeting'
 * closestName('colour', ['port', 'host']); // undefined
 * ```
 */
export function closestName(given: string, candidates: Iterable<string>): string | undefined {
  const wanted = given.toLowerCase();
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance > 0 && distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Optimal string alignment distance: Levenshtein plus transpositions of neighbours.
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  const row0 = rows[0] as number[];
  for (let j = 0; j <= b.length; j++) row0[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = value;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

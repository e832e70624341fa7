/**
 * A client's value as an error message quotes it: its JSON, cut to `max` characters. Values JSON cannot
 * write — nested too deep for the stack (a 15 000-level array overflows it), cyclic, `BigInt` — are named
 * by their type instead, so that describing bad input can never fail itself.
 *
 * @example
 * ```ts
 * showValue('ops room'); // '"ops room"'
 * showValue(undefined); // 'undefined'
 * ```
 */
export function showValue(value: unknown, max = 80): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  }
  text ??= String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

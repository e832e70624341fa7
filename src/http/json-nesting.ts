/**
 * Deepest nesting of objects and arrays a JSON body may have. Message content nests at most 32 levels
 * and the API's envelopes add 3; past 64 a body is refused before anything walks it, so that no
 * JSON.stringify or recursive check of a route can run out of stack on it.
 */
export const MAX_JSON_NESTING = 64;

/**
 * Whether the JSON text `text` nests objects and arrays deeper than `max` levels: one pass over the
 * characters, skipping strings, no recursion.
 *
 * @example
 * ```ts
 * nestsDeeperThan('{"a":[1]}', 1); // true
 * nestsDeeperThan('{"a":"[[["}', 1); // false
 * ```
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

import { RE2JS } from 're2js';
import type { MessageContent } from '../relay/events.js';

/** What makes a message go to an endpoint: a command prefix, one of some words, a regular expression, or every message. */
export type WebhookTrigger =
  | { readonly prefix: string }
  | { readonly words: readonly string[] }
  | { readonly regex: string }
  | { readonly all: true };

/** Longest `regex` trigger accepted, in characters. */
export const MAX_TRIGGER_REGEX_LENGTH = 200;
const MAX_WORDS = 100;
const MAX_PREFIX_LENGTH = 64;

/** A checked trigger's test of a message. */
export type TriggerMatcher = (content: MessageContent) => boolean;

/**
 * Checks `trigger` (as given in a config file or a request body) and returns the function that tests a
 * message's text, or the reason it is refused.
 *
 * A `regex` runs on the relay's event loop, so one that can backtrack for ever would stall every socket.
 * It is matched by RE2's algorithm (re2js, in JavaScript), in time linear in the text, which the relay
 * already limits to maxContentBytes: V8's own engine backtracks, and refusing the patterns behind it was
 * not enough (`a*a*a*a*a*a*b` passes any such check and took 32 s on 100 characters). A pattern must
 * parse as a JavaScript expression (`u` flag), with at most {@link MAX_TRIGGER_REGEX_LENGTH} characters,
 * no backreferences and no lookarounds, and no quantifier applied to a group that holds a quantifier or
 * an alternation (`(a+)+`, `(a|ab)*`). One that uses JavaScript-only syntax RE2 cannot read runs on V8's
 * engine, guarded by those checks only.
 *
 * @example
 * ```ts
 * const match = compileTrigger({ prefix: '!deploy' });
 * if (match.ok) match.matcher('!deploy api'); // true
 * ```
 */
export function compileTrigger(
  trigger: unknown,
): { ok: true; trigger: WebhookTrigger; matcher: TriggerMatcher } | { ok: false; problem: string } {
  if (typeof trigger !== 'object' || trigger === null || Array.isArray(trigger)) {
    return { ok: false, problem: 'expected an object: { prefix }, { words }, { regex } or { all: true }' };
  }
  const keys = Object.keys(trigger);
  if (keys.length !== 1) {
    return {
      ok: false,
      problem: `expected exactly one of prefix, words, regex, all; got ${keys.join(', ') || 'none'}`,
    };
  }
  const value: unknown = (trigger as Record<string, unknown>)[keys[0] as string];
  switch (keys[0]) {
    case 'all':
      if (value !== true) return { ok: false, problem: 'all: expected true' };
      return { ok: true, trigger: { all: true }, matcher: () => true };
    case 'prefix': {
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PREFIX_LENGTH) {
        return { ok: false, problem: `prefix: expected a string of 1 to ${MAX_PREFIX_LENGTH} characters` };
      }
      return {
        ok: true,
        trigger: { prefix: value },
        matcher: (content) => textOf(content).startsWith(value),
      };
    }
    case 'words': {
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        value.length > MAX_WORDS ||
        !value.every((word) => typeof word === 'string' && /^[\p{L}\p{N}_-]{1,64}$/u.test(word))
      ) {
        return {
          ok: false,
          problem: `words: expected 1 to ${MAX_WORDS} words of letters, digits, "_" or "-"`,
        };
      }
      // One regular expression for all the words, tested without splitting or copying the text: this runs
      // for every message in the endpoint's rooms, and most match no endpoint.
      const alternatives = [...new Set(value as string[])].join('|');
      const regex = new RegExp(`(?<![\\p{L}\\p{N}_-])(?:${alternatives})(?![\\p{L}\\p{N}_-])`, 'iu');
      return {
        ok: true,
        trigger: { words: [...value] as string[] },
        // Whole words, any case: "deploy" matches "Deploy now!" but not "redeployed".
        matcher: (content) => regex.test(textOf(content)),
      };
    }
    case 'regex': {
      const problem = typeof value === 'string' ? unsafeRegex(value) : 'regex: expected a string';
      if (problem) return { ok: false, problem };
      return { ok: true, trigger: { regex: value as string }, matcher: regexMatcher(value as string) };
    }
    default:
      return { ok: false, problem: `unknown trigger "${keys[0]}"; expected prefix, words, regex or all` };
  }
}

function textOf(content: MessageContent): string {
  if (typeof content === 'string') return content;
  const text = content?.text;
  return typeof text === 'string' ? text : '';
}

// Returns why `source` is refused, or undefined. A small scan of the pattern: groups are tracked on a stack
// with whether they hold a quantifier or an alternation, and a quantifier after a group that does is refused.
function unsafeRegex(source: string): string | undefined {
  if (source.length === 0 || source.length > MAX_TRIGGER_REGEX_LENGTH) {
    return `regex: expected 1 to ${MAX_TRIGGER_REGEX_LENGTH} characters`;
  }
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return `regex: ${(error as Error).message}`;
  }
  const stack: { risky: boolean }[] = [{ risky: false }];
  let lastGroupRisky = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const top = stack[stack.length - 1] as { risky: boolean };
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return 'regex: backreferences are not allowed (they can backtrack for ever)';
      i++;
      lastGroupRisky = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      lastGroupRisky = false;
    } else if (c === '(') {
      if (
        source.startsWith('(?=', i) ||
        source.startsWith('(?!', i) ||
        source.startsWith('(?<=', i) ||
        source.startsWith('(?<!', i)
      ) {
        return 'regex: lookarounds are not allowed';
      }
      stack.push({ risky: false });
    } else if (c === ')') {
      const group = stack.pop() as { risky: boolean };
      lastGroupRisky = group.risky;
      const parent = stack[stack.length - 1] as { risky: boolean };
      parent.risky ||= group.risky;
      continue;
    } else if (c === '|') {
      top.risky = true;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      const unbounded =
        c === '*' ||
        c === '+' ||
        (c === '{' && /^\{\d+,\d*\}/.test(source.slice(i)) && !/^\{\d+,\d+\}/.test(source.slice(i)));
      if (lastGroupRisky && (unbounded || c === '{')) {
        return 'regex: a repeated group may not hold a quantifier or an alternation (e.g. (a+)+ or (a|ab)*): it can backtrack for ever';
      }
      top.risky = true;
      if (c === '{') i = source.indexOf('}', i);
    }
    lastGroupRisky = false;
  }
  return undefined;
}

// RE2's algorithm where RE2 reads the pattern; V8's own engine for the JavaScript-only syntax RE2 lacks
// (`\u00e9`, `\u{1F680}`, `\p{Script=Greek}`, `\cJ`, `[^]`), which such patterns had before, with the
// shape check above as their only guard, so that no trigger accepted before is refused now.
function regexMatcher(source: string): TriggerMatcher {
  try {
    const regex = RE2JS.compile(asRe2(source));
    return (content) => regex.matcher(textOf(content)).find();
  } catch {
    const regex = new RegExp(source, 'u');
    return (content) => regex.test(textOf(content));
  }
}

// JavaScript's `\s` and `.` are Unicode-aware where RE2's are not (its `\s` misses the no-break space,
// its `.` takes `\r`): spelled out, so that a pattern matches the same text on either engine. `\S`
// inside a class has no such spelling: RE2 is not used for it.
const JS_SPACES =
  '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
function asRe2(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (next === 's') out += inClass ? JS_SPACES : `[${JS_SPACES}]`;
      else if (next === 'S' && !inClass) out += `[^${JS_SPACES}]`;
      else if (next === 'S') throw new Error('\\S in a class');
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading `]` or `^]` is a literal in RE2 but an empty class in JavaScript: left to V8.
      if (source[i + 1] === ']' || source.startsWith('^]', i + 1)) throw new Error('empty class');
      continue;
    }
    out += c === '.' ? '[^\\n\\r\\x{2028}\\x{2029}]' : c;
  }
  return out;
}

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
/** Largest RE2 program a `regex` trigger may compile to (`.{400}` is about 400 steps). */
export const MAX_TRIGGER_REGEX_STEPS = 400;
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
 * an alternation (`(a+)+`, `(a|ab)*`). JavaScript-only syntax is rewritten for RE2 with the same meaning
 * (`[^]`, `\u00e9`, `\p{Script=Greek}`); what RE2 cannot run is refused, never matched by V8.
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
      if (typeof value !== 'string') return { ok: false, problem: 'regex: expected a string' };
      const problem = unsafeRegex(value);
      if (problem) return { ok: false, problem };
      const matcher = re2Matcher(value);
      if (typeof matcher === 'string') return { ok: false, problem: matcher };
      return { ok: true, trigger: { regex: value }, matcher };
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

// RE2's algorithm for every pattern, never V8's backtracking engine, which a pattern that passes the
// shape check can still hold for seconds (`[^]*[^]*[^]*[^]*[^]*[^]*b`): what RE2 cannot run is refused.
function re2Matcher(source: string): TriggerMatcher | string {
  let translated: string;
  try {
    translated = asRe2(source);
  } catch (error) {
    return `regex: ${(error as Error).message}`;
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(translated);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `regex: RE2 cannot run it (${reason}); use a smaller count, or + and *`;
  }
  // RE2's time is linear in the text but also in the program, which a count multiplies: `.{1000}` took
  // 23 ms on 4 KiB, twenty of them 226 ms. Patterns without counts stay near 200 steps.
  if (regex.programSize() > MAX_TRIGGER_REGEX_STEPS) {
    return `regex: ${regex.programSize()} steps for RE2, at most ${MAX_TRIGGER_REGEX_STEPS}: each repeat a count asks for is a step; use a smaller count, or + and *`;
  }
  return (content) => regex.matcher(textOf(content)).find();
}

// JavaScript's `\s` and `.` are Unicode-aware where RE2's are not (its `\s` misses the no-break space,
// its `.` takes `\r`): spelled out, so that a pattern matches the same text on either engine.
const JS_SPACES =
  '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
// `\S` inside a class, where `[^…]` cannot be nested: every code point JS_SPACES lacks.
const JS_NON_SPACES =
  '\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}' +
  '\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}';
const ANY = '\\x{0}-\\x{10FFFF}';
const hex = (code: number) => `\\x{${code.toString(16).toUpperCase()}}`;

// Rewrites a pattern JavaScript has read (`u` flag) in RE2's syntax with the same meaning, or throws
// with how to write what has none. Only the syntax listed here is passed on, so that RE2 never reads
// a JavaScript pattern its own way (`[[:alpha:]`, inline flags).
function asRe2(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const [re2, length] = escapeAsRe2(source, i, inClass);
      out += re2;
      i += length - 1;
    } else if (inClass) {
      if (c === ']') inClass = false;
      // Escaped so that RE2 does not read `[:alpha:]` as a POSIX class.
      out += c === '[' ? '\\[' : c;
    } else if (c === '[') {
      // JavaScript's `[]` matches nothing and `[^]` anything; RE2 reads a leading `]` as a literal.
      if (source.startsWith('[]', i)) out += `[^${ANY}]`;
      else if (source.startsWith('[^]', i)) out += `[${ANY}]`;
      else {
        inClass = true;
        out += c;
        continue;
      }
      i += source[i + 1] === ']' ? 1 : 2;
    } else if (c === '(' && source[i + 1] === '?') {
      // Groups only decide whether a pattern matches (backreferences are refused): a named one is a group.
      const name = /^\(\?<[^>=!]*>/.exec(source.slice(i));
      if (name) {
        out += '(?:';
        i += name[0].length - 1;
      } else if (source.startsWith('(?:', i)) {
        out += '(?:';
        i += 2;
      } else {
        throw new Error('inline flags such as (?i:…) are not supported; spell the cases out, e.g. [Dd]eploy');
      }
    } else out += c === '.' ? '[^\\n\\r\\x{2028}\\x{2029}]' : c;
  }
  return out;
}

// The RE2 spelling of the escape at `source[at]` and how many characters it takes.
function escapeAsRe2(source: string, at: number, inClass: boolean): [string, number] {
  const next = source[at + 1] ?? '';
  if (next === 's') return [inClass ? JS_SPACES : `[${JS_SPACES}]`, 2];
  if (next === 'S') return [inClass ? JS_NON_SPACES : `[^${JS_SPACES}]`, 2];
  if (next === 'b' && inClass) return ['\\x{8}', 2];
  if (next === '0') return ['\\x{0}', 2];
  // The same in both (`\x41` too: its digits follow as they are).
  if (/[dDwWbBfnrtvx^$\\.*+?()[\]{}|/-]/.test(next)) return [`\\${next}`, 2];
  if (next === 'c') return [hex((source.charCodeAt(at + 2) as number) % 32), 3];
  if (next === 'u') {
    const braced = /^\\u\{([0-9a-fA-F]+)\}/.exec(source.slice(at));
    if (braced) return [hex(Number.parseInt(braced[1] as string, 16)), braced[0].length];
    const high = Number.parseInt(source.slice(at + 2, at + 6), 16);
    const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(source.slice(at + 6));
    // With the `u` flag a pair of escaped surrogates is one code point, as in the text.
    if (high >= 0xd800 && high <= 0xdbff && low) {
      const code = 0x10000 + (high - 0xd800) * 0x400 + (Number.parseInt(low[1] as string, 16) - 0xdc00);
      return [hex(code), 12];
    }
    return [hex(high), 6];
  }
  if (next === 'p' || next === 'P') {
    const end = source.indexOf('}', at);
    return [propertyAsRe2(next, source.slice(at + 3, end)), end - at + 1];
  }
  throw new Error(`\\${next} is not supported`);
}

// JavaScript's `\p{Script=Greek}` is RE2's `\p{Greek}`, its `\p{gc=Lu}` RE2's `\p{Lu}`; RE2 knows the
// one- and two-letter categories, the scripts' long names and a few binary properties (`Emoji`).
function propertyAsRe2(p: string, name: string): string {
  const [key, value] = name.includes('=') ? name.split('=') : [undefined, name];
  const re2 = `\\${p}{${value}}`;
  try {
    if (key === undefined || ['Script', 'sc', 'General_Category', 'gc'].includes(key)) {
      RE2JS.compile(re2);
      return re2;
    }
  } catch {
    // RE2 lacks the name (`Letter`, `ASCII`, `Grek`): refused below, with the names that do work.
  }
  throw new Error(
    `\\${p}{${name}} is not supported; use a one- or two-letter category (\\p{L}, \\p{Lu}, \\p{Nd}) or \\p{Script=Name} with a script's long name (\\p{Script=Greek})`,
  );
}

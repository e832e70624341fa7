// Triggers: what sends a message to an endpoint, and the regular expressions refused as unsafe.
import { describe, expect, it, vi } from 'vitest';
import {
  compileTrigger,
  MAX_TRIGGER_REGEX_LENGTH,
  MAX_TRIGGER_REGEX_STEPS,
} from '../../src/webhooks/webhook-trigger.js';

const matcher = (trigger: unknown) => {
  const compiled = compileTrigger(trigger);
  if (!compiled.ok) throw new Error(compiled.problem);
  return compiled.matcher;
};
const problem = (trigger: unknown) => {
  const compiled = compileTrigger(trigger);
  return compiled.ok ? undefined : compiled.problem;
};

describe('webhook triggers', () => {
  it('matches a prefix, whole words in any case, a regex and everything, on strings and objects with text', () => {
    expect(matcher({ prefix: '!deploy' })('!deploy api')).toBe(true);
    expect(matcher({ prefix: '!deploy' })('please !deploy')).toBe(false);
    expect(matcher({ words: ['deploy', 'rollback'] })('Time to ROLLBACK, now')).toBe(true);
    expect(matcher({ words: ['deploy'] })('redeployed')).toBe(false);
    expect(matcher({ regex: '^ticket-\\d+$' })({ text: 'ticket-42' })).toBe(true);
    expect(matcher({ regex: '^ticket-\\d+$' })({ body: 'ticket-42' })).toBe(false);
    expect(matcher({ all: true })({ any: 'thing' })).toBe(true);
  });

  it('matches words as whole words of letters, digits, "_" and "-", at either end, in any case and script', () => {
    const words = matcher({ words: ['deploy', 'on-call', 'déploiement'] });
    for (const text of [
      'deploy',
      'Deploy!',
      'who is ON-CALL?',
      'go: deploy',
      '(deploy)',
      'DÉPLOIEMENT demain',
    ])
      expect(words(text), text).toBe(true);
    for (const text of ['deploy-now', 'deploy_2', 'on', 'call', 'redeploy', 'deploys', 'déploiements', ''])
      expect(words(text), text).toBe(false);
    expect(words({ text: 'please deploy' })).toBe(true);
  });

  it('refuses regexes that can backtrack for ever: nested quantifiers, quantified alternations, backreferences', () => {
    for (const source of [
      '(a+)+$',
      '(a*)*',
      '(a|aa)+',
      '((ab)*)+',
      '(?:x+y?)*z',
      '(a+){2,}',
      '(a)\\1',
      '(?<n>a)\\k<n>',
      '(?=a)b',
    ]) {
      expect(problem({ regex: source }), source).toMatch(/regex:/);
    }
    for (const source of ['^!(help|h)\\b', 'a+b+c*', '(ab)+', '[a+]+', '\\(a+\\)+', '(a+)?', 'x{2,5}']) {
      expect(problem({ regex: source }), source).toBeUndefined();
    }
    expect(problem({ regex: '(' })).toMatch(/regex:.*Invalid/);
  });

  it('matches in time linear in the text what no check refuses: chains of quantifiers over the same characters', () => {
    // V8's backtracking engine takes ~5 s and ~1 s on 55 characters, 32 s on 100 for the first one.
    for (const source of ['a*a*a*a*a*a*b', '\\w*\\w*\\w*\\w*\\w*!']) {
      const test = matcher({ regex: source });
      for (const length of [55, 4000]) {
        const started = performance.now();
        expect(test('a'.repeat(length)), source).toBe(false);
        expect(performance.now() - started, `${source} on ${length} characters`).toBeLessThan(1000);
      }
    }
    // JavaScript-only syntax is rewritten for RE2 and matches the same text: Unicode spaces for \s, no
    // line terminator for `.`, `[^]` anything, `[]` nothing, an escaped surrogate pair one code point.
    const same: Array<[string, string]> = [
      ['caf\\u00e9', 'un café'],
      ['\\u{1F680}', 'to the 🚀'],
      ['^\\uD83D\\uDE80$', '🚀'],
      ['\\p{Script=Greek}+', 'αβγ'],
      ['\\p{sc=Greek}', 'abc'],
      ['\\P{gc=Lu}', 'A'],
      ['deploy\\s+prod', 'deploy\u00a0prod'],
      ['^a.b$', 'a\rb'],
      ['^.$', '🚀'],
      ['[\\s]x', '\u3000x'],
      ['\\Sx', ' x'],
      ['[\\S]x', '\u00a0x'],
      ['[\\S]x', 'ax'],
      ['[^\\S]x', '\u00a0x'],
      ['[^]', 'x'],
      ['[^]', '\n'],
      ['x[]', 'x'],
      ['\\cJ', 'a\nb'],
      ['[\\cA-\\cZ]', 'tab\there'],
      ['[\\b]', '\b'],
      ['\\0', 'a\u0000'],
      ['[[:alpha:]x', ':x'],
      ['(?<tag>v\\d)', 'v2'],
      ['a$', 'a\n'],
    ];
    for (const [source, text] of same) {
      expect(matcher({ regex: source })(text), `${source} on ${JSON.stringify(text)}`).toBe(
        new RegExp(source, 'u').test(text),
      );
    }
    // The same matches as before for the usual shapes.
    expect(matcher({ regex: '^!deploy\\s+(\\w+)' })('!deploy  api')).toBe(true);
    expect(matcher({ regex: '\\p{L}+ é' })('déjà é')).toBe(true);
    expect(matcher({ regex: 'release|deploy' })('we deploy today')).toBe(true);
  });

  it('never matches with V8: `[^]` and other JavaScript-only syntax run on RE2, in linear time', () => {
    // Left to V8's engine, this took 292 ms on 40 characters and 3.9 s on 60.
    const test = matcher({ regex: '[^]*[^]*[^]*[^]*[^]*[^]*b' });
    // Checked and compiled first: only matching, which runs for every message, must not use RegExp.
    const others = ['caf\\u00e9', '\\p{Script=Greek}', '\\cJ', '[\\S]x', '[]'].map((regex) =>
      matcher({ regex }),
    );
    const v8 = vi.spyOn(RegExp.prototype, 'test');
    try {
      for (const length of [60, 4000]) {
        const started = performance.now();
        expect(test('a'.repeat(length))).toBe(false);
        expect(performance.now() - started, `on ${length} characters`).toBeLessThan(1000);
      }
      expect(test('aaab')).toBe(true);
      for (const other of others) other('un café αβγ\nx');
      expect(v8).not.toHaveBeenCalled();
    } finally {
      v8.mockRestore();
    }
  });

  it('refuses, saying what to write instead, what RE2 cannot run, next to what it can', () => {
    // Property names: RE2 knows the short categories and the scripts' long names.
    expect(problem({ regex: '\\p{Script=Greek}' })).toBeUndefined();
    expect(problem({ regex: '\\p{gc=L}' })).toBeUndefined();
    for (const source of [
      '\\p{Letter}',
      '\\p{ASCII}',
      '\\p{Script=Grek}',
      '[\\p{Script_Extensions=Greek}]',
    ]) {
      expect(problem({ regex: source }), source).toMatch(
        /^regex: \\[pP]\{.*\} is not supported; use .*\\p\{L\}.*\\p\{Script=Greek\}/,
      );
    }
    // RE2's own limit on a count, then the relay's on the program a count makes.
    expect(problem({ regex: 'a{1001}' })).toMatch(
      /^regex: RE2 cannot run it \(invalid repeat count.*use a smaller count/,
    );
    const steps = MAX_TRIGGER_REGEX_STEPS - 2; // the match's start and end are steps too
    expect(problem({ regex: `a{${steps}}` })).toBeUndefined();
    expect(problem({ regex: `[^]{${steps}}` })).toBeUndefined();
    expect(problem({ regex: `a{${steps + 1}}` })).toMatch(
      new RegExp(
        `^regex: ${MAX_TRIGGER_REGEX_STEPS + 1} steps for RE2, at most ${MAX_TRIGGER_REGEX_STEPS}: .*smaller count`,
      ),
    );
    expect(problem({ regex: '.{1000}.{1000}' })).toMatch(/2002 steps for RE2/);
    // The longest patterns without counts stay well under it.
    expect(problem({ regex: 'a?'.repeat(MAX_TRIGGER_REGEX_LENGTH / 2) })).toBeUndefined();
    expect(problem({ regex: '(a)'.repeat(MAX_TRIGGER_REGEX_LENGTH / 3) })).toBeUndefined();
  });

  it('takes a regex at its length limit and refuses one character more', () => {
    expect(problem({ regex: 'a'.repeat(MAX_TRIGGER_REGEX_LENGTH) })).toBeUndefined();
    expect(problem({ regex: 'a'.repeat(MAX_TRIGGER_REGEX_LENGTH + 1) })).toMatch(/1 to 200 characters/);
  });

  it('refuses shapes that are not one trigger', () => {
    expect(problem(null)).toMatch(/expected an object/);
    expect(problem({})).toMatch(/exactly one/);
    expect(problem({ all: false })).toMatch(/all: expected true/);
    expect(problem({ words: [] })).toMatch(/words:/);
    expect(problem({ prefix: '' })).toMatch(/prefix:/);
    expect(problem({ glob: '*' })).toMatch(/unknown trigger/);
  });
});

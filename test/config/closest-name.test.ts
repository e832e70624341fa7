import { describe, expect, it } from 'vitest';
import { closestName } from '../../src/config/closest-name.js';

describe('closestName', () => {
  it('finds a typo: a swap, a missing, an extra or a wrong letter, any case', () => {
    expect(closestName('prot', ['host', 'port', 'routing'])).toBe('port');
    expect(closestName('greting', ['greeting', 'greetingText'])).toBe('greeting');
    expect(closestName('Greeting', ['greeting'])).toBeUndefined(); // the same name is no suggestion
    expect(closestName('GRETING', ['greeting'])).toBe('greeting');
    expect(closestName('rate-limit-brust', ['rate-limit-burst', 'rate-limit-per-second'])).toBe(
      'rate-limit-burst',
    );
  });

  it('allows one edit for up to 5 letters, then one per 3 letters, and no more', () => {
    // 5 letters: 1 edit allowed, 2 are too many.
    expect(closestName('axcde', ['abcde'])).toBe('abcde');
    expect(closestName('axxde', ['abcde'])).toBeUndefined();
    // 6 letters: 2 edits allowed, 3 are too many.
    expect(closestName('axxdef', ['abcdef'])).toBe('abcdef');
    expect(closestName('axxxef', ['abcdef'])).toBeUndefined();
    expect(closestName('colour', ['port', 'host'])).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });
});

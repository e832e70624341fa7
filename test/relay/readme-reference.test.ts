// The README's error table and configuration reference must list exactly what the code has.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { settingLeaves } from '../../src/config/setting-leaves.js';
import { RELAY_ERRORS } from '../../src/index.js';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
// Table cells, trimmed, of the rows whose first cell starts with `prefix` (columns may be padded).
const rowsStartingWith = (prefix: string) =>
  readme
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells[0] === '' && cells[1]?.startsWith(`\`${prefix}`));

describe('README reference', () => {
  it('documents every error code with its status, and no other', () => {
    const documented = new Map(
      rowsStartingWith('RELAY_ERR_').map((cells) => [cells[1]?.replaceAll('`', ''), cells[2]]),
    );
    const actual = new Map(Object.entries(RELAY_ERRORS).map(([code, entry]) => [code, String(entry.status)]));
    expect(documented).toEqual(actual);
  });

  it('documents every setting with its flag and environment variable', () => {
    for (const leaf of settingLeaves()) {
      const row = rowsStartingWith(`${leaf.key}\``).find(
        (cells) => cells[1] === `\`${leaf.key}\`` && cells[2]?.startsWith('`--'),
      );
      expect(row, `README row for ${leaf.key}`).toBeDefined();
      expect(row?.[2]).toBe(`\`${leaf.flag}\``);
      expect(row?.[3]).toContain(`\`${leaf.env}\``);
    }
  });
});

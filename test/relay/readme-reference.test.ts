// The error table (docs/errors.md) and the configuration reference (docs/configuration.md) must list
// exactly what the code has.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { settingLeaves } from '../../src/config/setting-leaves.js';
import { RELAY_ERRORS } from '../../src/index.js';

const page = (name: string) => readFile(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const errorsPage = await page('errors.md');
const configurationPage = await page('configuration.md');
// Table cells, trimmed, of the rows whose first cell starts with `prefix` (columns may be padded).
const rowsStartingWith = (markdown: string, prefix: string) =>
  markdown
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells[0] === '' && cells[1]?.startsWith(`\`${prefix}`));

describe('reference tables in docs/', () => {
  it('documents every error code with its status, and no other', () => {
    const documented = new Map(
      rowsStartingWith(errorsPage, 'RELAY_ERR_').map((cells) => [cells[1]?.replaceAll('`', ''), cells[2]]),
    );
    const actual = new Map(Object.entries(RELAY_ERRORS).map(([code, entry]) => [code, String(entry.status)]));
    expect(documented).toEqual(actual);
  });

  it('documents every setting with its flag and environment variable', () => {
    for (const leaf of settingLeaves()) {
      const row = rowsStartingWith(configurationPage, `${leaf.key}\``).find(
        (cells) => cells[1] === `\`${leaf.key}\`` && cells[2]?.startsWith('`--'),
      );
      expect(row, `docs/configuration.md row for ${leaf.key}`).toBeDefined();
      expect(row?.[2]).toBe(`\`${leaf.flag}\``);
      expect(row?.[3]).toContain(`\`${leaf.env}\``);
    }
  });

  it('documents no setting the code does not have', () => {
    const documented = rowsStartingWith(configurationPage, '')
      .filter((cells) => cells[2]?.startsWith('`--'))
      .map((cells) => cells[1]?.replaceAll('`', ''));
    expect(documented.sort()).toEqual(
      settingLeaves()
        .map((leaf) => leaf.key)
        .sort(),
    );
  });
});

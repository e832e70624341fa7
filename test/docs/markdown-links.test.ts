// Every relative link of the READMEs and docs/ leads somewhere: the file exists and, for
// a `#anchor` into a Markdown page, that page has the heading (by GitHub's anchor rules).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const PAGES = [
  'README.md',
  'bench/README.md',
  'examples/react-native-chat/README.md',
  ...readdirSync(path.join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

// The page without its fenced code blocks: `# relay.config.yaml` in a block is no heading, and
// `[…](…)` in code is no link.
function prose(markdown: string): string {
  let fence: string | undefined;
  const kept: string[] = [];
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) kept.push(line);
  }
  return kept.join('\n');
}

/** GitHub's anchor for a heading: the rendered text, lower-cased, punctuation dropped, spaces as `-`. */
function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replaceAll('`', '');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const match of prose(readFileSync(path.join(REPO, page), 'utf8')).matchAll(
    /^#{1,6} +(.+?) *#* *$/gm,
  )) {
    const base = slug(match[1] ?? '');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** Links whose target is missing, as `page: target`. */
function brokenLinks(page: string): { checked: number; broken: string[] } {
  const broken: string[] = [];
  let checked = 0;
  const text = prose(readFileSync(path.join(REPO, page), 'utf8'));
  for (const match of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    checked += 1;
    const [file = '', anchor] = decodeURIComponent(target).split('#');
    const resolved = file === '' ? page : path.posix.join(path.posix.dirname(page), file);
    if (!existsSync(path.join(REPO, resolved))) broken.push(`${page}: ${target} (no file ${resolved})`);
    else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
      broken.push(`${page}: ${target} (no heading #${anchor} in ${resolved})`);
  }
  return { checked, broken };
}

describe('documentation links', () => {
  it("makes anchors as GitHub does, from the heading's text", () => {
    expect(slug('Acknowledgements, limits and bad input')).toBe('acknowledgements-limits-and-bad-input');
    expect(slug('The client kit: `relaykit/client` and `relaykit/react`')).toBe(
      'the-client-kit-relaykitclient-and-relaykitreact',
    );
    expect(slug('Write your first bot in five minutes')).toBe('write-your-first-bot-in-five-minutes');
    expect(slug('`RELAY_ERR_*` codes')).toBe('relay_err_-codes');
  });

  it.each(PAGES)('%s: every relative link leads to an existing file and heading', (page) => {
    const { checked, broken } = brokenLinks(page);
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });
});

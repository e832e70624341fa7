// The folders of src/ are its architecture: the core (relay/) imports no feature, features never import
// the composition root (server/) or the CLI, and no two folders import each other, directly or not.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0] ?? '';

// Static imports and re-exports (`import type` included: a type cycle is a design cycle too) and dynamic
// `import('…')` of relative paths.
const IMPORT = /(?:\b(?:import|export)\b[^'"`;]*?\bfrom\s*|\bimport\s*\(\s*)['"](\.[^'"]+)['"]/g;

/** folder → the folders it imports, with one import that shows it. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    // src/index.ts is the curated public API: it re-exports from every folder and nothing imports it.
    if (path.extname(from)) continue;
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), specifier as string);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = folderOf(target);
      if (to === from || !to.length || path.extname(to)) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${path.relative(SRC, file)} → ${specifier}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

function cycles(graph: Map<string, Map<string, string>>): string[] {
  const found = new Set<string>();
  const walk = (start: string, node: string, trail: string[]) => {
    for (const next of graph.get(node)?.keys() ?? []) {
      if (next === start) {
        const hops = [...trail, start].map((folder, i, all) =>
          i < all.length - 1 ? graph.get(folder)?.get(all[i + 1] as string) : '',
        );
        found.add(`${[...trail, start].join(' → ')} (${hops.filter(Boolean).join('; ')})`);
      } else if (!trail.includes(next)) walk(start, next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) walk(start, start, [start]);
  return [...found];
}

describe('import graph of src/', () => {
  const graph = folderGraph();

  it('has no cycle between folders', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps the core (relay/) free of every other folder', () => {
    expect([...(graph.get('relay')?.values() ?? [])]).toEqual([]);
  });

  it('lets only the CLI and the testing kit import the composition root, and nothing import the CLI', () => {
    const importers = (folder: string) =>
      [...graph.entries()].filter(([, edges]) => edges.has(folder)).map(([from]) => from);
    expect(importers('cli')).toEqual([]);
    expect(importers('server').filter((from) => from !== 'cli' && from !== 'testing')).toEqual([]);
  });

  it('sees the imports it checks (a cycle planted in a fixture is found)', () => {
    const planted = new Map([
      ['a', new Map([['b', 'a/x.ts → ../b/y.js']])],
      ['b', new Map([['a', 'b/y.ts → ../a/x.js']])],
    ]);
    expect(cycles(planted)).toHaveLength(2);
    expect(graph.get('server')?.has('relay')).toBe(true);
  });
});

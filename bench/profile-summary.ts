// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time by function and by
// package/file, to find where a server spends its time. Usage: tsx bench/profile-summary.ts FILE [TOP]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [TOP]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
});
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1] ?? url;
  if (url.includes('/src/')) return `src/${url.split('/src/')[1] ?? ''}`;
  return url.startsWith('node:') ? url : url === '' ? '(native/gc/idle)' : url.replace(/^file:\/\//, '');
};
const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
const fns = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  add(fns, `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`, ms);
  add(places, where(url), ms);
}
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${total.toFixed(0)} ms sampled)`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms.toFixed(1).padStart(9)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show('self time by package or file', places);
show('self time by function', fns);

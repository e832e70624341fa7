#!/usr/bin/env node
// The `relay` command. An installed package runs its compiled dist/; a checkout runs the TypeScript
// sources through tsx, with `relaykit` imports (plugins) resolving to those sources too.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  register('./source-conditions.js', import.meta.url);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}

// The committed types must be what openapi-typescript makes of the spec today (`npm run gen`).
import { readFileSync } from 'node:fs';
import createClient from 'openapi-fetch';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseRelayConfig } from '../../src/config/parse-relay-config.js';
import type { paths } from '../../src/http/openapi-types.js';
import { startApiRelay } from './api-relay.js';

describe('src/http/openapi-types.ts', () => {
  it('is up to date with src/http/openapi.yaml (run npm run gen when this fails)', async () => {
    const spec = new URL('../../src/http/openapi.yaml', import.meta.url);
    // The same call as the openapi-typescript CLI that `npm run gen` runs.
    const expected = `${COMMENT_HEADER}${astToString(await openapiTS(spec, { silent: true }))}`;
    const committed = readFileSync(new URL('../../src/http/openapi-types.ts', import.meta.url), 'utf8');
    expect(
      committed === expected,
      'src/http/openapi-types.ts has drifted from openapi.yaml: run npm run gen',
    ).toBe(true);
  });
});

describe('src/http/openapi.yaml servers', () => {
  it('declares one server whose defaults are a relay on this machine at the default port, and that reaches a relay when host is set', async () => {
    const spec = parseYaml(readFileSync(new URL('../../src/http/openapi.yaml', import.meta.url), 'utf8')) as {
      servers: { url: string; variables: Record<string, { default: string }> }[];
    };
    const [server] = spec.servers;
    const resolve = (values: Record<string, string>) =>
      (server?.url ?? '').replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? '');
    const defaults = Object.fromEntries(
      Object.entries(server?.variables ?? {}).map(([name, variable]) => [name, variable.default]),
    );
    expect(resolve(defaults)).toBe(`http://localhost:${parseRelayConfig({}).port}`);

    // What a generated client does: the server URL with the caller's host as its base URL.
    const { url } = await startApiRelay();
    const baseUrl = resolve({ ...defaults, host: new URL(url).host });
    const client = createClient<paths>({ baseUrl });
    const { data, response } = await client.GET('/healthz');
    expect(response.status).toBe(200);
    expect(data).toEqual({ status: 'ok' });
  });
});

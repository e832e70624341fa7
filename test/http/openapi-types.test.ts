// The committed types must be what openapi-typescript makes of the spec today (`npm run gen`).
import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

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

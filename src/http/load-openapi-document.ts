import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

let cached: Record<string, unknown> | undefined;

/**
 * The API's OpenAPI document (src/http/openapi.yaml, next to this module), parsed once.
 *
 * @example
 * ```ts
 * app.get('/openapi.json', (_req, res) => res.json(loadOpenApiDocument()));
 * ```
 */
export function loadOpenApiDocument(): Record<string, unknown> {
  cached ??= parseYaml(readFileSync(new URL('./openapi.yaml', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  return cached;
}

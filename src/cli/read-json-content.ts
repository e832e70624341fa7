import type { components } from '../http/openapi-types.js';

type MessageContent = components['schemas']['MessageContent'];

/**
 * The content of `--json` commands (`announce`, `schedule add`): the text read as JSON, which must be an
 * object (the relay's structured content). Returns the reason as a string when it is not.
 *
 * @example
 * ```ts
 * readJsonContent('{"type":"deploy","version":"1.4"}'); // { content: { type: 'deploy', version: '1.4' } }
 * readJsonContent('[1]'); // { problem: '--json: the content must be a JSON object, got an array' }
 * ```
 */
export function readJsonContent(text: string): { content: MessageContent } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `--json: the content is not JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { problem: `--json: the content must be a JSON object, got ${kind}` };
  }
  return { content: value as MessageContent };
}

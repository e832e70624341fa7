// Helpers for the webhook tests: a relay with an admin token, hooks added over its API, deliveries.
import { readFileSync } from 'node:fs';
import type { components } from '../../src/http/openapi-types.js';
import type { RelayServerOptions } from '../../src/index.js';
import { startApiRelay } from '../http/api-relay.js';

export type HookIssued = components['schemas']['HookIssued'];

/** A fixture payload of test/hooks/fixtures, parsed. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

/** A relay with an admin token (`ops-s3cr3t`) and a way to add hooks and post deliveries. */
export async function startHookRelay(options: RelayServerOptions = {}) {
  const relay = await startApiRelay(options);
  const addHook = async (spec: Record<string, unknown>): Promise<HookIssued> => {
    const response = await relay.send('/v1/hooks', { body: spec, token: 'ops-s3cr3t' });
    if (response.status !== 201) throw new Error(`addHook: ${response.status} ${await response.text()}`);
    return (await response.json()) as HookIssued;
  };
  const deliver = (
    url: string,
    body: unknown,
    init: { headers?: Record<string, string>; raw?: string } = {},
  ) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.raw ?? JSON.stringify(body),
    });
  return { ...relay, addHook, deliver };
}

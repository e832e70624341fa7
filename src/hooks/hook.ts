import { createHash, randomBytes } from 'node:crypto';

/** How a hook reads what its sender posts (see docs/hooks.md); `auto` tells the format by the body. */
export type HookFormat = 'slack' | 'alertmanager' | 'grafana' | 'github' | 'generic' | 'auto';

/** Every {@link HookFormat}, in the order the docs list them. */
export const HOOK_FORMATS: readonly HookFormat[] = [
  'slack',
  'alertmanager',
  'grafana',
  'github',
  'generic',
  'auto',
];

/** An incoming webhook: where its announcements go, under which name, and how it reads them. */
export interface Hook {
  /** Public id (`hk_…`): names the hook in the API, the metrics and the signed route `/hooks/{id}`. */
  readonly id: string;
  /** Display name of its announcements (`meta.from.name`). */
  readonly name: string;
  /** Target room; `null`: every connected client. */
  readonly room: string | null;
  readonly format: HookFormat;
  /** SHA-256 (hex) of the URL key: the key itself is never kept. */
  readonly keyHash: string;
  /**
   * The signing secret of a `github` hook: an HMAC can only be checked with the secret itself, so such a
   * hook keeps it (its URL key is still only kept hashed).
   */
  readonly signingSecret?: string;
  /** Slack senders may pick another room with `channel` only when this is true. */
  readonly allowChannel: boolean;
  /** The `generic` format's mustache template, rendered with the delivery's JSON as its view. */
  readonly template?: string;
  /** From the config file (`hooks.declared`): read-only over the API. */
  readonly declared: boolean;
  readonly createdAt: string;
}

/** SHA-256 of a URL key, hex: what the store keeps and what a delivery's key is looked up by. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random URL key (32 bytes, base64url). */
export function newHookKey(): string {
  return randomBytes(32).toString('base64url');
}

/** A new public hook id. */
export function newHookId(): string {
  return `hk_${randomBytes(9).toString('base64url')}`;
}

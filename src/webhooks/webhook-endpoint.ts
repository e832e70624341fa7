import { isIP } from 'node:net';
import { isPrivateAddress } from './guard-destination.js';
import { isWebhookSecret } from './webhook-signature.js';
import { compileTrigger, type TriggerMatcher, type WebhookTrigger } from './webhook-trigger.js';

/** An outgoing-webhook endpoint as stored and configured. */
export interface WebhookEndpointSpec {
  readonly id: string;
  /** The name its answers are published under (a bot). */
  readonly name: string;
  readonly url: string;
  readonly rooms: readonly string[];
  readonly trigger: WebhookTrigger;
  /** The signing secret, `whsec_<base64>`. */
  readonly secret: string;
}

/** An endpoint ready to match messages. */
export interface WebhookEndpoint extends WebhookEndpointSpec {
  readonly origin: 'config' | 'api';
  readonly createdAt: string;
  readonly matches: TriggerMatcher;
  /** The sender id of its answers, stable across restarts. */
  readonly botId: string;
}

const MAX_ROOMS = 100;
const MAX_URL_LENGTH = 2048;

/**
 * Checks an endpoint as given (config file, request body or store): `{ id, name?, url, rooms, trigger,
 * secret }`. Returns the endpoint, or the field at fault and why. A URL whose host is a private IP literal
 * is refused here already unless `allowPrivateNetworks`; host names are checked when each attempt connects.
 *
 * @example
 * ```ts
 * const checked = checkWebhookEndpoint({ id: 'deploy', url: 'https://bots.example.com/hook', rooms: ['ops'], trigger: { prefix: '!deploy' }, secret }, { origin: 'config', createdAt, allowPrivateNetworks: false });
 * ```
 */
export function checkWebhookEndpoint(
  input: unknown,
  context: {
    readonly origin: 'config' | 'api';
    readonly createdAt: string;
    readonly allowPrivateNetworks: boolean;
  },
):
  | { ok: true; endpoint: WebhookEndpoint }
  | { ok: false; field: string; problem: string; refused?: boolean } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: '(endpoint)', problem: 'expected an object { url, rooms, trigger }' };
  }
  const fields = input as Record<string, unknown>;
  const known = new Set(['id', 'name', 'url', 'rooms', 'trigger', 'secret']);
  const unknown = Object.keys(fields).find((key) => !known.has(key));
  if (unknown)
    return {
      ok: false,
      field: unknown,
      problem: 'unknown field; expected id, name, url, rooms, trigger, secret',
    };
  const { id, url, rooms, secret } = fields;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
    return { ok: false, field: 'id', problem: 'expected 1 to 64 letters, digits, "_", "-" or "."' };
  }
  const name = fields.name ?? id;
  if (typeof name !== 'string' || !/^[^\p{C}]{1,40}$/u.test(name) || name.trim() !== name) {
    return {
      ok: false,
      field: 'name',
      problem: 'expected 1 to 40 printable characters, no leading or trailing space',
    };
  }
  const checkedUrl = checkUrl(url, context.allowPrivateNetworks);
  if (checkedUrl) return { ok: false, field: 'url', ...checkedUrl };
  if (
    !Array.isArray(rooms) ||
    rooms.length === 0 ||
    rooms.length > MAX_ROOMS ||
    !rooms.every((room) => typeof room === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(room))
  ) {
    return {
      ok: false,
      field: 'rooms',
      problem: `expected 1 to ${MAX_ROOMS} room names (letters, digits, "-", "_", ".")`,
    };
  }
  const trigger = compileTrigger(fields.trigger);
  if (!trigger.ok) return { ok: false, field: 'trigger', problem: trigger.problem };
  if (!isWebhookSecret(secret)) {
    return { ok: false, field: 'secret', problem: 'expected whsec_ and at least 16 bytes in base64' };
  }
  return {
    ok: true,
    endpoint: {
      id,
      name,
      url: url as string,
      rooms: [...new Set(rooms as string[])],
      trigger: trigger.trigger,
      secret,
      origin: context.origin,
      createdAt: context.createdAt,
      matches: trigger.matcher,
      botId: `webhook:${id}`,
    },
  };
}

function checkUrl(
  url: unknown,
  allowPrivateNetworks: boolean,
): { problem: string; refused?: boolean } | undefined {
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH)
    return { problem: `expected an http(s) URL of at most ${MAX_URL_LENGTH} characters` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: 'expected an absolute http:// or https:// URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { problem: 'expected an http:// or https:// URL' };
  if (parsed.username || parsed.password)
    return { problem: 'credentials in the URL are not allowed: put a token in its path or query' };
  // `localhost.` is localhost: a fully qualified name's trailing dot changes nothing to the resolver.
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  if (
    !allowPrivateNetworks &&
    (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host)))
  ) {
    return {
      problem: `${host} is a private, loopback or link-local destination; set webhooks.allowPrivateNetworks (RELAY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true) to allow it`,
      refused: true,
    };
  }
  return undefined;
}

/** What the API shows of an endpoint: everything but its secret. */
export function describeEndpoint(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    name: endpoint.name,
    url: endpoint.url,
    rooms: [...endpoint.rooms],
    trigger: 'words' in endpoint.trigger ? { words: [...endpoint.trigger.words] } : { ...endpoint.trigger },
    origin: endpoint.origin,
    createdAt: endpoint.createdAt,
  };
}

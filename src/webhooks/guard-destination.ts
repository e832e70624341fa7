import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { RelayError } from '../relay/relay-error.js';

// Addresses a webhook may not reach unless the operator allows private networks: loopback, private,
// carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unspecified, multicast, reserved.
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IPv4 or IPv6 literal) is loopback, private, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4-mapped (::ffff:127.0.0.1) and NAT64 (64:ff9b::7f00:1) addresses reach the IPv4 address inside.
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const n = (Number.parseInt(hex[1] as string, 16) << 16) | Number.parseInt(hex[2] as string, 16);
    return PRIVATE.check([24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.'), 'ipv4');
  }
  return PRIVATE.check(address, 'ipv6');
}

/** The refusal of a destination on a private network. */
export function refusedDestination(host: string, address: string): RelayError {
  return new RelayError(
    'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED',
    `webhook destination ${host} resolves to ${address}, a private, loopback or link-local address; set webhooks.allowPrivateNetworks (RELAY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true) to allow it`,
  );
}

/**
 * A `lookup` for sockets (http.request's option) that resolves as usual and then refuses a host any of
 * whose addresses is private. It runs when the socket connects, on the very addresses it connects to, so a
 * name that resolved to a public address when the endpoint was added and to 127.0.0.1 now (DNS
 * rebinding) is refused too. IP literals skip `lookup` in Node: check them with {@link isPrivateAddress}.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const refused = addresses.find((entry) => isPrivateAddress(entry.address));
    if (refused) {
      callback(refusedDestination(hostname, refused.address) as unknown as NodeJS.ErrnoException, '', 0);
      return;
    }
    if (options.all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return;
    }
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

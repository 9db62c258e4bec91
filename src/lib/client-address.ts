import ipaddr from 'ipaddr.js';
import { memoizeString } from './memo';

/**
 * The caller's address, as the audit trail records it.
 *
 * - Workers: `cf-connecting-ip`, which Cloudflare sets on every request (a
 *   client cannot override it there).
 * - Node: the socket's peer address. Only when that peer is a trusted proxy
 *   (TRUSTED_PROXIES) are forwarding headers believed: `cf-connecting-ip` if
 *   present, else the right-most address of `X-Forwarded-For` that is not
 *   itself a trusted proxy. A client talking to the gateway directly cannot
 *   choose the address recorded for it.
 */

export type TrustedProxies = ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

/** Parses `10.0.0.0/8, 127.0.0.1, ::1` (addresses or CIDR ranges); throws naming the bad entry. */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      try {
        if (entry.includes('/')) return ipaddr.parseCIDR(entry);
        const address = ipaddr.parse(entry);
        return [address, address.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
      } catch {
        throw new Error(`"${entry}" is not an IP address or CIDR range`);
      }
    });
}

function isTrusted(address: string, trusted: TrustedProxies): boolean {
  if (trusted.length === 0) return false; // (the usual case: no proxy, nothing to parse)
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return trusted.some(([range, bits]) => {
    const candidate =
      parsed.kind() === range.kind()
        ? parsed
        : parsed.kind() === 'ipv4' && range.kind() === 'ipv6'
          ? (parsed as ipaddr.IPv4).toIPv4MappedAddress()
          : undefined;
    return candidate !== undefined && candidate.match(range, bits);
  });
}

/** A syntactically valid address, or undefined (a header can carry anything). */
function address(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? normalizedAddress(trimmed) : undefined;
}

/**
 * An address in its normal form (IPv4-mapped IPv6 as IPv4), or undefined.
 * Remembered per string: the same peers and proxies come back call after
 * call, and parsing costs more than the lookup.
 */
const normalizedAddress = memoizeString((value: string) => (ipaddr.isValid(value) ? ipaddr.process(value).toString() : undefined), {
  maxKeyLength: 64,
});

export function clientAddress(input: {
  /** The socket's peer (Node); undefined on Workers. */
  peer: string | undefined;
  header: (name: string) => string | undefined;
  trusted: TrustedProxies;
}): string | null {
  if (input.peer === undefined) return address(input.header('cf-connecting-ip')) ?? null;
  const peer = address(input.peer) ?? input.peer;
  if (!isTrusted(peer, input.trusted)) return peer;
  const viaCloudflare = address(input.header('cf-connecting-ip'));
  if (viaCloudflare) return viaCloudflare;
  const hops = (input.header('x-forwarded-for') ?? '').split(',').map((h) => address(h)).filter((h): h is string => !!h);
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i]!, input.trusted)) return hops[i]!;
  return hops[0] ?? peer;
}

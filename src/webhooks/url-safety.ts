import ipaddr from 'ipaddr.js';

/**
 * Which webhook destinations the gateway will send to. A destination URL comes
 * from a tenant and the gateway POSTs to it from inside its own network, so it
 * must not be usable to reach the gateway's neighbours (server-side request
 * forgery):
 *
 * - `https` only, no user name or password in the URL, no fragment;
 * - its host must not be, or resolve to, a loopback, private, link-local
 *   (cloud metadata lives at 169.254.169.254 and fd00:ec2::254), carrier-grade
 *   NAT, multicast, reserved or unspecified address, nor an IPv6 form that
 *   embeds one (IPv4-mapped, NAT64, 6to4, Teredo);
 * - `allowLoopback` (WEBHOOK_ALLOW_LOOPBACK=true, development and tests only)
 *   also admits `http://` and `https://` URLs on loopback addresses and
 *   `localhost`, and nothing else.
 *
 * The check runs when a URL is saved (literal addresses and names) and again at
 * delivery time on every address the host resolves to (see safeLookup in
 * src/webhooks/node-dispatch.ts), so a name that later points inside is refused.
 */

export type UnsafeReason =
  | 'not_a_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'fragment_in_url'
  | 'address_not_public'
  | 'host_not_allowed';

export interface UrlPolicy {
  allowLoopback: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: UnsafeReason };

/** Host names that always mean this machine or the cloud provider's metadata service. */
const LOCAL_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback|metadata|metadata\.google\.internal)$/i;
const LOCAL_SUFFIXES = /\.(localhost|local|internal|localdomain|home\.arpa)$/i;

/** Checks a destination URL as saved (no DNS here: see isPublicAddress for resolved addresses). */
export function checkDestinationUrl(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not_a_url' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials_in_url' };
  if (url.hash) return { ok: false, reason: 'fragment_in_url' };
  const host = hostOf(url);
  const loopbackHost = isLoopbackHost(host);
  if (policy.allowLoopback && loopbackHost && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return { ok: true, url };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'scheme_not_allowed' };
  if (ipaddr.isValid(host)) {
    return isPublicAddress(host) ? { ok: true, url } : { ok: false, reason: 'address_not_public' };
  }
  if (LOCAL_NAMES.test(host) || LOCAL_SUFFIXES.test(host) || !host.includes('.')) {
    return { ok: false, reason: 'host_not_allowed' };
  }
  return { ok: true, url };
}

/**
 * Whether an address (as resolved) may be sent to. `allowLoopback` admits
 * loopback addresses only (the development/test switch).
 */
export function isDeliverableAddress(address: string, policy: UrlPolicy): boolean {
  if (policy.allowLoopback && isLoopbackAddress(address)) return true;
  return isPublicAddress(address);
}

/** True for a globally routable unicast address; false for anything internal or special. */
export function isPublicAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // Forms that carry an IPv4 address are judged by that address.
    if (v6.isIPv4MappedAddress()) return isPublicAddress(v6.toIPv4Address().toString());
    const range = v6.range();
    if (range === 'rfc6052' || range === '6to4' || range === 'teredo' || range === 'rfc6145') return false;
    return range === 'unicast';
  }
  return (parsed as ipaddr.IPv4).range() === 'unicast';
}

function isLoopbackAddress(address: string): boolean {
  try {
    const parsed = ipaddr.process(address);
    return parsed.range() === 'loopback';
  } catch {
    return false;
  }
}

function isLoopbackHost(host: string): boolean {
  return /^localhost$/i.test(host) || isLoopbackAddress(host);
}

/** The URL's host without IPv6 brackets or the root's trailing dot ("localhost." is localhost). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
}

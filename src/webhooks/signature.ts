import { timingSafeEqual } from '../lib/ids';

/**
 * The gateway's signature on the webhooks it delivers.
 *
 *   Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<…>]
 *
 * One `v1` per signing secret of the destination: after a rotation the previous
 * secret keeps signing beside the new one for a day, so a receiver can switch
 * secrets without missing a webhook. A receiver recomputes the HMAC over the
 * exact bytes it received, accepts if any `v1` matches one of its secrets, and
 * refuses a `t` older than its tolerance (replays). verifyGatewaySignature()
 * does all of that; the README shows the same in a dozen lines of node:crypto.
 */

export const SIGNATURE_HEADER = 'gateway-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The header value for `body` signed at `timestamp` (seconds) with each secret. */
export async function signatureHeader(secrets: readonly string[], timestamp: number, body: string): Promise<string> {
  const macs = await Promise.all(secrets.map((secret) => hmacHex(secret, `${timestamp}.${body}`)));
  return [`t=${timestamp}`, ...macs.map((mac) => `v1=${mac}`)].join(',');
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/** Checks a Gateway-Signature header against the raw body and the receiver's secret(s). */
export async function verifyGatewaySignature(input: {
  header: string | null | undefined;
  body: string;
  secrets: readonly string[];
  /** Seconds since the epoch (default: now). */
  now?: number;
  toleranceSeconds?: number;
}): Promise<SignatureCheck> {
  const parts = (input.header ?? '').split(',').map((p) => p.trim());
  const t = parts.find((p) => p.startsWith('t='))?.slice(2);
  const macs = parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));
  if (!t || !/^\d{1,12}$/.test(t) || macs.length === 0) return { ok: false, reason: 'malformed' };
  const timestamp = Number(t);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale' };
  for (const secret of input.secrets) {
    const expected = await hmacHex(secret, `${t}.${input.body}`);
    if (macs.some((mac) => timingSafeEqual(mac, expected))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'mismatch' };
}

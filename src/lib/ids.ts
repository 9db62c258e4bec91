/** Random identifiers, secrets and hashes (same code on Workers and Node). */
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A short public id such as `ptn_7k2m...` (20 random base36 chars, ~103 bits). */
export function publicId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** A secret with 256 random bits, base64url. */
export function randomSecret(bytes = 32): string {
  return base64url(randomBytes(bytes));
}

const REQUEST_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const REQUEST_ID_LENGTH = 15;

/**
 * Random bytes for request ids, drawn 4 KiB at a time from the same CSPRNG:
 * crypto.getRandomValues costs microseconds a call on Node whatever the
 * length (profiled at ~2% of the partner hot path with one call per id).
 * Request ids are public (every answer carries its own); nothing secret is
 * ever drawn from this pool.
 */
const requestIdPool = new Uint8Array(4096);
let requestIdPoolOffset = requestIdPool.length;

/** Plaid-style request id: 15 alphanumeric characters. */
export function requestId(): string {
  if (requestIdPoolOffset + REQUEST_ID_LENGTH > requestIdPool.length) {
    crypto.getRandomValues(requestIdPool);
    requestIdPoolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < REQUEST_ID_LENGTH; i++) out += REQUEST_ID_CHARS[requestIdPool[requestIdPoolOffset + i]! % REQUEST_ID_CHARS.length];
  requestIdPoolOffset += REQUEST_ID_LENGTH;
  return out;
}

/**
 * SHA-256 in hex. node:crypto's synchronous hash (available on Workers through
 * nodejs_compat) instead of crypto.subtle.digest: on Node every Web Crypto call
 * is a thread-pool job whose bookkeeping cost more than the hash itself
 * (profiled on the partner hot path, which hashes twice per request). The
 * one-shot crypto.hash() where the runtime has it (Node >= 20.12): no Hash
 * object per call.
 */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  if (oneShotHash) return oneShotHash('sha256', input, 'hex');
  return createHash('sha256').update(input).digest('hex');
}
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

/** Constant-time comparison of two strings (no early exit on the first difference). */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const len = Math.max(ea.length, eb.length);
  for (let i = 0; i < len; i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

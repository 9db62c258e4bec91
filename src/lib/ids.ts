/** Random identifiers, secrets and hashes (same code on Workers and Node). */
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

/** Plaid-style request id: 15 alphanumeric characters. */
export function requestId(): string {
  const bytes = randomBytes(15);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (const b of bytes) out += chars[b % chars.length];
  return out;
}

/**
 * SHA-256 in hex. node:crypto's synchronous hash (available on Workers through
 * nodejs_compat) instead of crypto.subtle.digest: on Node every Web Crypto call
 * is a thread-pool job whose bookkeeping cost more than the hash itself
 * (profiled on the partner hot path, which hashes twice per request).
 */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  return createHash('sha256').update(input).digest('hex');
}

/** Constant-time comparison of two strings (no early exit on the first difference). */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const len = Math.max(ea.length, eb.length);
  for (let i = 0; i < len; i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

import { sha256Hex, timingSafeEqual } from '../lib/ids';

/**
 * Gateway-issued secrets are 256-bit random values, so a plain SHA-256 is as
 * strong as a slow KDF here and keeps authentication cheap on the hot path.
 */
export function hashSecret(secret: string): Promise<string> {
  return sha256Hex(`gw-secret:v1:${secret}`);
}

/** Compares a presented secret with a stored hash in constant time. */
export async function secretMatches(presented: string, storedHash: string): Promise<boolean> {
  return timingSafeEqual(await hashSecret(presented), storedHash);
}

/** A hash that matches nothing: compared against when a client id is unknown, so timing does not tell. */
export const NO_MATCH_HASH = '0'.repeat(64);

import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import type { PlaidCredentials, PlaidUpstream } from '../upstream/client';
import { sha256Hex, timingSafeEqual } from '../lib/ids';

/**
 * Verifies a webhook from Plaid the way Plaid documents it:
 *
 * 1. the `Plaid-Verification` header is a JWT whose protected header says
 *    `alg: ES256` (anything else is refused before any key is looked at);
 * 2. its `kid` names a key fetched from /webhook_verification_key/get with the
 *    partner's Plaid keys, cached per Plaid client for at most an hour (Plaid
 *    allows a day; an hour bounds how long a key Plaid has since expired can be
 *    used), and refused once its `expired_at` has passed;
 * 3. the signature verifies and `iat` is at most five minutes old;
 * 4. the payload's `request_body_sha256` equals the SHA-256 of the raw body,
 *    compared in constant time.
 */

export type VerificationFailure =
  | 'signature_missing'
  | 'alg_not_allowed'
  | 'key_unknown'
  | 'key_expired'
  | 'key_unavailable'
  | 'signature_invalid'
  | 'iat_stale'
  | 'body_hash_mismatch';

export type VerificationResult = { ok: true } | { ok: false; reason: VerificationFailure };

export const MAX_WEBHOOK_AGE_SECONDS = 5 * 60;
const KEY_CACHE_MS = 60 * 60 * 1000;
const MAX_CACHED_KEYS = 1_000;
/**
 * A kid Plaid does not know is remembered this long, so forged webhooks with
 * made-up kids cannot make the gateway call Plaid (with the partner's keys,
 * against the partner's rate limit) once each.
 */
const UNKNOWN_KID_MS = 60 * 1000;

interface CachedKey {
  jwk: JWK & { expired_at?: number | null };
  fetchedAt: number;
}

/** Plaid's webhook verification keys, per Plaid client id and key id. */
export class VerificationKeyCache {
  private readonly keys = new Map<string, CachedKey>();
  private readonly unknown = new Map<string, number>();

  constructor(private readonly upstream: PlaidUpstream) {}

  /** The key, fresh from the cache or from Plaid; 'unknown' when Plaid does not know the kid. */
  async get(
    kid: string,
    credentials: PlaidCredentials,
    now: number,
  ): Promise<CachedKey['jwk'] | 'unknown' | 'unavailable'> {
    const cacheKey = `${credentials.clientId}\u0000${kid}`;
    const cached = this.keys.get(cacheKey);
    if (cached && now - cached.fetchedAt < KEY_CACHE_MS) return cached.jwk;
    const refusedAt = this.unknown.get(cacheKey);
    if (refusedAt !== undefined && now - refusedAt < UNKNOWN_KID_MS) return 'unknown';
    let answer;
    try {
      answer = await this.upstream.call('/webhook_verification_key/get', { key_id: kid }, credentials, { idempotent: true });
    } catch {
      return 'unavailable';
    }
    if (answer.status >= 500 || answer.status === 429) return 'unavailable';
    const key = answer.body.key as CachedKey['jwk'] | undefined;
    if (answer.status !== 200 || !key || typeof key !== 'object' || key.kid !== kid) {
      this.keys.delete(cacheKey);
      if (this.unknown.size >= MAX_CACHED_KEYS) this.unknown.delete(this.unknown.keys().next().value as string);
      this.unknown.set(cacheKey, now);
      return 'unknown';
    }
    this.unknown.delete(cacheKey);
    if (this.keys.size >= MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(cacheKey, { jwk: key, fetchedAt: now });
    return key;
  }
}

/** Verifies the `Plaid-Verification` header against the raw body. `now` is in ms. */
export async function verifyPlaidWebhook(input: {
  header: string | undefined;
  rawBody: Uint8Array;
  keys: VerificationKeyCache;
  credentials: PlaidCredentials;
  now: number;
}): Promise<VerificationResult> {
  if (!input.header) return { ok: false, reason: 'signature_missing' };
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(input.header);
    if (header.alg !== 'ES256') return { ok: false, reason: 'alg_not_allowed' };
    kid = header.kid;
  } catch {
    return { ok: false, reason: 'signature_invalid' };
  }
  if (!kid || kid.length > 200) return { ok: false, reason: 'key_unknown' };

  const jwk = await input.keys.get(kid, input.credentials, input.now);
  if (jwk === 'unknown') return { ok: false, reason: 'key_unknown' };
  if (jwk === 'unavailable') return { ok: false, reason: 'key_unavailable' };
  if (typeof jwk.expired_at === 'number' && jwk.expired_at * 1000 <= input.now) return { ok: false, reason: 'key_expired' };

  let payload;
  try {
    const { expired_at: _expiredAt, created_at: _createdAt, ...publicJwk } = jwk as Record<string, unknown>;
    const key = await importJWK(publicJwk as JWK, 'ES256');
    ({ payload } = await jwtVerify(input.header, key, {
      algorithms: ['ES256'],
      currentDate: new Date(input.now),
      // iat is required and checked below with Plaid's own rule (age only).
      requiredClaims: ['iat'],
      clockTolerance: 0,
    }));
  } catch {
    return { ok: false, reason: 'signature_invalid' };
  }
  const ageSeconds = input.now / 1000 - Number(payload.iat);
  if (!Number.isFinite(ageSeconds) || ageSeconds > MAX_WEBHOOK_AGE_SECONDS) return { ok: false, reason: 'iat_stale' };
  // A token dated in the future by more than clock skew is as suspicious as an old one.
  if (ageSeconds < -60) return { ok: false, reason: 'iat_stale' };

  const claimed = typeof payload.request_body_sha256 === 'string' ? payload.request_body_sha256.toLowerCase() : '';
  const actual = await sha256Hex(input.rawBody);
  if (!timingSafeEqual(claimed, actual)) return { ok: false, reason: 'body_hash_mismatch' };
  return { ok: true };
}

import type { Context } from 'hono';
import type { AppEnv } from '../context';
import { countInWindow, type WindowCount } from '../ratelimit/window-counter';
import { errors } from '../plaid/errors';
import { plaidCredentials } from './credentials';

/**
 * Throttling of failed authentications, per presented client_id and per
 * client address, in fixed one-minute windows counted in Postgres (shared by
 * every instance).
 *
 * - Only failures count, and only failures are refused: a client presenting
 *   the right keys is never throttled, so nobody can lock a partner out by
 *   failing in its name.
 * - Past the limit a failure answers 429 (Plaid's RATE_LIMIT_EXCEEDED shape,
 *   with Retry-After) instead of INVALID_API_KEYS.
 * - The audit trail gets each failure up to the limit, then one
 *   `auth.throttled` record for the rest of the window (with the count so far),
 *   then nothing until the window ends: a client failing 400 times a second
 *   adds at most limit + 1 records a minute per client id and per address,
 *   not 24,000.
 */

export const AUTH_FAILURE_WINDOW_SECONDS = 60;

export interface AuthFailureLimits {
  perClientId: number;
  perAddress: number;
}

export async function throttleFailedAuthentication(c: Context<AppEnv>, clientIp: string | null): Promise<void> {
  const deps = c.get('deps');
  const limits = deps.config.authFailureLimits;
  const { clientId } = await plaidCredentials(c).catch(() => ({ clientId: undefined }));
  const buckets: Array<{ scope: 'client_id' | 'address'; key: string; limit: number }> = [];
  if (clientId) buckets.push({ scope: 'client_id', key: `af:c:${clientId.slice(0, 128)}`, limit: limits.perClientId });
  if (clientIp) buckets.push({ scope: 'address', key: `af:a:${clientIp}`, limit: limits.perAddress });
  if (buckets.length === 0) return;

  let counted: WindowCount;
  try {
    counted = await countInWindow(
      deps.db,
      buckets.map((b) => b.key),
      { windowSeconds: AUTH_FAILURE_WINDOW_SECONDS, nowMs: deps.clock().getTime(), timeoutMs: deps.config.databaseTimeoutMs },
    );
  } catch {
    // Counting failures is a safeguard; the failure itself is answered either way.
    return;
  }
  const over = buckets
    .map((b) => ({ ...b, count: counted.counts.get(b.key) ?? 0 }))
    .filter((b) => b.count > b.limit);
  if (over.length === 0) return;

  const audit = c.get('audit');
  const first = over.find((b) => b.count === b.limit + 1);
  if (first) {
    audit.action = 'auth.throttled';
    audit.reason = 'too_many_failed_authentications';
    audit.details = { ...audit.details, scope: first.scope, failures: first.count, window_seconds: AUTH_FAILURE_WINDOW_SECONDS };
  } else {
    audit.enabled = false;
  }
  const retryAfter = counted.retryAfterSeconds;
  const error = errors.tooManyRequests(
    `too many failed authentications; retry after ${retryAfter} seconds with valid keys`,
    retryAfter,
  );
  c.set('errorCode', error.code);
  await c.res.body?.cancel().catch(() => {});
  c.res = undefined as unknown as Response;
  c.res = error.toResponse(c.get('requestId'));
}

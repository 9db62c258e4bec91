import { PlaidError } from '../plaid/errors';

/**
 * Plaid's Sandbox rate limits, applied per Item (processor token), per client and,
 * for Signal, per transaction. Plaid publishes no rows for the /processor/* data
 * endpoints, so each mirrors its Item-endpoint
 * counterpart's Sandbox row and error code:
 *
 * | path | per Item | per client | code |
 * |---|---|---|---|
 * | /processor/auth/get | 100/min | 500/min | AUTH_LIMIT |
 * | /processor/balance/get | 25/min (BALANCE_LIMIT) | 100/min (ACCOUNTS_BALANCE_GET_LIMIT) | |
 * | /processor/identity/get | 100/min | 1,000/min | IDENTITY_LIMIT |
 * | /processor/identity/match | 100/min | 1,000/min | RATE_LIMIT (no code of its own) |
 * | /processor/transactions/sync | 50/min | 1,000/min | TRANSACTIONS_SYNC_LIMIT |
 * | /processor/transactions/refresh | 2/min | 100/min | RATE_LIMIT (no code of its own) |
 * | /processor/signal/evaluate | 70/h, 10/h per transaction | 30/s | RATE_LIMIT |
 * | /processor/signal/decision/report, /return/report | – | 4,000/min | RATE_LIMIT |
 * | /sandbox/processor_token/create | – | 500/min (as /processor/token/create) | RATE_LIMIT |
 *
 * Windows slide (a log of admission times), and refusals are not counted, so a
 * client that backs off for Retry-After seconds gets through.
 */

export interface Limit {
  limit: number;
  windowMs: number;
  code: string;
}

export interface EndpointLimits {
  item?: Limit;
  client?: Limit;
  transaction?: Limit;
}

const MINUTE = 60_000;
const per = (limit: number, windowMs: number, code: string): Limit => ({ limit, windowMs, code });

export const SANDBOX_LIMITS: Readonly<Record<string, EndpointLimits>> = {
  '/processor/auth/get': { item: per(100, MINUTE, 'AUTH_LIMIT'), client: per(500, MINUTE, 'AUTH_LIMIT') },
  '/processor/balance/get': {
    item: per(25, MINUTE, 'BALANCE_LIMIT'),
    client: per(100, MINUTE, 'ACCOUNTS_BALANCE_GET_LIMIT'),
  },
  '/processor/identity/get': { item: per(100, MINUTE, 'IDENTITY_LIMIT'), client: per(1000, MINUTE, 'IDENTITY_LIMIT') },
  '/processor/identity/match': { item: per(100, MINUTE, 'RATE_LIMIT'), client: per(1000, MINUTE, 'RATE_LIMIT') },
  '/processor/transactions/sync': {
    item: per(50, MINUTE, 'TRANSACTIONS_SYNC_LIMIT'),
    client: per(1000, MINUTE, 'TRANSACTIONS_SYNC_LIMIT'),
  },
  '/processor/transactions/refresh': { item: per(2, MINUTE, 'RATE_LIMIT'), client: per(100, MINUTE, 'RATE_LIMIT') },
  '/processor/signal/evaluate': {
    item: per(70, 60 * MINUTE, 'RATE_LIMIT'),
    transaction: per(10, 60 * MINUTE, 'RATE_LIMIT'),
    client: per(30, 1000, 'RATE_LIMIT'),
  },
  '/processor/signal/decision/report': { client: per(4000, MINUTE, 'RATE_LIMIT') },
  '/processor/signal/return/report': { client: per(4000, MINUTE, 'RATE_LIMIT') },
  '/sandbox/processor_token/create': { client: per(500, MINUTE, 'RATE_LIMIT') },
};

export interface LimitKeys {
  item?: string;
  client?: string;
  transaction?: string;
}

const MESSAGES: Record<keyof EndpointLimits, string> = {
  item: 'rate limit exceeded for attempts to access this item. please try again later',
  client: 'rate limit exceeded for attempts to access this endpoint with this client. please try again later',
  transaction: 'rate limit exceeded for attempts to evaluate this transaction. please try again later',
};

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly clock: () => Date,
    private readonly enabled: boolean,
    private readonly limits: Readonly<Record<string, EndpointLimits>> = SANDBOX_LIMITS,
  ) {}

  /** Admits one call to `path` for these keys, or throws Plaid's 429 for the first exceeded limit. */
  consume(path: string, keys: LimitKeys): void {
    if (!this.enabled) return;
    const endpoint = this.limits[path];
    if (!endpoint) return;
    const now = this.clock().getTime();
    const scopes = (['item', 'transaction', 'client'] as const).filter((scope) => endpoint[scope] && keys[scope]);
    const logs = scopes.map((scope) => {
      const limit = endpoint[scope]!;
      const key = `${scope}|${path}|${keys[scope]}`;
      const log = (this.hits.get(key) ?? []).filter((t) => now - t < limit.windowMs);
      this.hits.set(key, log);
      return { scope, limit, log };
    });
    for (const { scope, limit, log } of logs) {
      if (log.length >= limit.limit) {
        const retryAfter = Math.max(1, Math.ceil((log[0]! + limit.windowMs - now) / 1000));
        throw new PlaidError({
          type: 'RATE_LIMIT_EXCEEDED',
          code: limit.code,
          message: MESSAGES[scope],
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
    }
    for (const { log } of logs) log.push(now);
  }
}

/**
 * Which limits apply to a partner request: the gateway's defaults per partner
 * path, replaced entry by entry by the partner's `rate_limits` (resolved inside
 * the admission statement: gw_rate_rule in drizzle/0003_hot_path_functions.sql).
 *
 * Two scopes per path:
 * - `partner`: every call the partner makes to that path (Plaid's "per client" row);
 * - `token`:   every call made with one gateway token to that path (Plaid's "per Item"
 *              row; a gateway token stands for one processor token, i.e. one
 *              account of one Item as seen by this partner).
 *
 * Plaid publishes no limits for the /processor/* data endpoints, so the
 * defaults mirror the Production rows of the Item endpoints each one proxies
 * (Plaid's published rate-limit table). That is a policy choice, not documented
 * Plaid behaviour; every entry can be overridden per partner.
 */
import type { PartnerPath } from '../plaid/schemas/endpoints';

export type RateLimitScope = 'partner' | 'token';

/** A count over a fixed window. `limit: 0` refuses every call. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export interface EndpointPolicy {
  partner?: RateLimitRule;
  token?: RateLimitRule;
}

const perMinute = (limit: number): RateLimitRule => ({ limit, windowSeconds: 60 });

/**
 * Defaults (Production rows of Plaid's rate-limit table):
 *
 * | partner path                       | mirrors               | per partner   | per token   |
 * |------------------------------------|-----------------------|---------------|-------------|
 * | /processor/auth/get                | /auth/get             | 12,000 / min  | 15 / min    |
 * | /processor/balance/get             | /accounts/balance/get | 1,200 / min   | 5 / min     |
 * | /processor/identity/match          | /identity/get         | 2,000 / min   | 15 / min    |
 * | /processor/signal/evaluate         | /signal/evaluate      | 50 / second   | 70 / hour   |
 * | /processor/signal/decision/report  | /signal/decision/report | 4,000 / min | none        |
 * | /processor/signal/return/report    | /signal/return/report | 4,000 / min   | none        |
 * | /processor/transactions/sync       | /transactions/sync    | 2,500 / min   | 50 / min    |
 *
 * Signal's "10 per transaction per hour" is not enforced: the gateway does not
 * key limits on `client_transaction_id` (Plaid still enforces its own).
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<PartnerPath, Readonly<EndpointPolicy>>> = {
  '/processor/auth/get': { partner: perMinute(12_000), token: perMinute(15) },
  '/processor/balance/get': { partner: perMinute(1_200), token: perMinute(5) },
  '/processor/identity/match': { partner: perMinute(2_000), token: perMinute(15) },
  '/processor/signal/evaluate': {
    partner: { limit: 50, windowSeconds: 1 },
    token: { limit: 70, windowSeconds: 3_600 },
  },
  '/processor/signal/decision/report': { partner: perMinute(4_000) },
  '/processor/signal/return/report': { partner: perMinute(4_000) },
  '/processor/transactions/sync': { partner: perMinute(2_500), token: perMinute(50) },
};

/**
 * Plaid's `error_code` when a limit refuses, per path and scope (Plaid's error
 * reference, "Rate limit exceeded"). Plaid has a code of its own for auth, balance and
 * transactions sync. For balance, Plaid's Item endpoint distinguishes the
 * per-Item limit (BALANCE_LIMIT) from the per-client one
 * (ACCOUNTS_BALANCE_GET_LIMIT, named after /accounts/balance/get); the gateway
 * answers BALANCE_LIMIT for both, the code partners are told to expect from
 * /processor/balance/get (the emulator, mimicking Plaid, keeps the split).
 * IDENTITY_LIMIT belongs to /identity/get, not to identity match, and Signal
 * has no code: those answer RATE_LIMIT.
 */
export const RATE_LIMIT_ERROR_CODES: Readonly<Record<PartnerPath, Readonly<Record<RateLimitScope, string>>>> = {
  '/processor/auth/get': { partner: 'AUTH_LIMIT', token: 'AUTH_LIMIT' },
  '/processor/balance/get': { partner: 'BALANCE_LIMIT', token: 'BALANCE_LIMIT' },
  '/processor/identity/match': { partner: 'RATE_LIMIT', token: 'RATE_LIMIT' },
  '/processor/signal/evaluate': { partner: 'RATE_LIMIT', token: 'RATE_LIMIT' },
  '/processor/signal/decision/report': { partner: 'RATE_LIMIT', token: 'RATE_LIMIT' },
  '/processor/signal/return/report': { partner: 'RATE_LIMIT', token: 'RATE_LIMIT' },
  '/processor/transactions/sync': { partner: 'TRANSACTIONS_SYNC_LIMIT', token: 'TRANSACTIONS_SYNC_LIMIT' },
};

function isPartnerPath(path: string): path is PartnerPath {
  return Object.prototype.hasOwnProperty.call(DEFAULT_RATE_LIMITS, path);
}

export function errorCodeFor(endpoint: string, scope: RateLimitScope): string {
  return isPartnerPath(endpoint) ? RATE_LIMIT_ERROR_CODES[endpoint][scope] : 'RATE_LIMIT';
}

/** A rule as the database functions take it (drizzle/0003_hot_path_functions.sql). */
export interface StoredRule {
  limit: number;
  window_seconds: number;
}

/**
 * The defaults of one path, in the shape the database functions take: the
 * partner's overrides replace them entry by entry inside the admission
 * statement (gw_rate_rule), where the partner's row is read. An override may
 * also add a scope the defaults leave out (e.g. a per-token limit on decision
 * report); malformed stored entries are ignored there and the default applies.
 */
export function defaultsFor(endpoint: string): { partner?: StoredRule; token?: StoredRule } {
  const policy: EndpointPolicy = isPartnerPath(endpoint) ? DEFAULT_RATE_LIMITS[endpoint] : {};
  const stored = (rule: RateLimitRule | undefined) => rule && { limit: rule.limit, window_seconds: rule.windowSeconds };
  return { ...(policy.partner && { partner: stored(policy.partner) }), ...(policy.token && { token: stored(policy.token) }) };
}

// The operator API's `rate_limits` shape (the one owner of an override's bounds)
// is rateLimitsSchema in src/tenancy/schemas.ts.

/**
 * The admission of a partner call: the one place that decides whether a call
 * goes to Plaid, in ONE database statement (gw_admit(), in
 * drizzle/0003_hot_path_functions.sql):
 *
 *   authenticate   the partner's client_id and secret (compared as SHA-256);
 *   decide         the token is this partner's, not revoked, and the product is
 *                  in the token's permission set and the partner's cap;
 *   limit          the per-token and per-partner buckets of the endpoint, exact
 *                  across instances (src/ratelimit/postgres-limiter.ts);
 *   intent         for an allowed call, its audit intent, committed before the
 *                  call goes upstream (src/audit/intents.ts);
 *
 * and it answers the sealed material an allowed call needs. Nothing here is
 * cached: every call reads the partner and token rows as they are now, so a
 * revocation, a disabled partner, a narrowed permission set or a rotated
 * secret applies to the very next call on every instance.
 *
 * Node batches the admissions of concurrent calls into one statement (group
 * commit, src/lib/batcher.ts): the commit's WAL flush, while the hot partner
 * counter row is locked, is paid once per batch instead of once per call. The
 * function handles a batch call by call in arrival order, with every counter
 * row locked first in one global order, so limits stay exact and batches from
 * different instances never deadlock.
 *
 * The reason of a denial goes into the audit record; the partner sees only
 * INVALID_PROCESSOR_TOKEN for every token-related one (src/routes/partner/pipeline.ts).
 */
import type { Logger } from '../lib/logger';
import type { Database } from '../db/database';
import { jsonColumn, statement } from '../db/statement';
import { Batcher } from '../lib/batcher';
import { errors } from '../plaid/errors';
import { PRODUCT_ALIASES, type PartnerPath, type Product } from '../plaid/schemas';
import type { RateLimitDecision } from '../ratelimit/limiter';
import { defaultsFor } from '../ratelimit/policy';
import { DEFAULT_SKEW_ALLOWANCE_MS, decisionFrom, type TakeResult } from '../ratelimit/postgres-limiter';
import { hashSecret } from '../auth/hash';
import type { Keyring, Sealed } from './crypto';
import { hashGatewayToken, looksLikeGatewayToken, sealContext } from './tokens';

export type AuthFailure = 'unknown_client_id' | 'wrong_secret' | 'partner_disabled';

/**
 * Token reasons: the partner is answered the same INVALID_PROCESSOR_TOKEN for
 * each (nothing tells another partner's token from an unknown one); only the
 * operator's view of the audit trail tells them apart.
 */
export const TOKEN_DENIAL_REASONS = ['token_malformed', 'token_unknown', 'token_other_partner', 'token_revoked'] as const;

export type DenialReason =
  | (typeof TOKEN_DENIAL_REASONS)[number]
  | 'product_not_in_token_permissions'
  | 'product_not_in_partner_cap';

/** The audit intent's fields known before admission (already scrubbed: see prepareRecord). */
export interface IntentFields {
  requestId: string;
  occurredAt: string;
  method: string;
  product: string | null;
  clientIp: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export interface AdmissionRequest {
  clientId: string;
  secret: string;
  gatewayToken: string;
  endpoint: PartnerPath;
  product: Product;
  /** The instant the call is counted at (ms since epoch). */
  at: number;
  intent: IntentFields;
}

export interface SealedMaterial {
  rawToken: Sealed;
  plaidClientId: string;
  plaidSecret: Sealed;
}

interface TokenIds {
  partnerId: string;
  tokenId: string;
  fintechId: string;
}

export type Admission =
  | { outcome: 'unauthenticated'; reason: AuthFailure; partnerId?: string }
  | { outcome: 'denied'; reason: DenialReason; partnerId: string; tokenId?: string; fintechId?: string }
  | ({ outcome: 'rate_limited'; limit: RateLimitDecision } & TokenIds)
  | ({ outcome: 'allowed'; limit: RateLimitDecision; sealed: SealedMaterial } & TokenIds);

export interface Admissions {
  admit(request: AdmissionRequest): Promise<Admission>;
  /** Waits for queued admissions, then refuses new ones. */
  close(): Promise<void>;
}

export interface AdmissionOptions {
  /** Batch concurrent admissions into one statement (Node: true; Workers: false). */
  batch: boolean;
  /** Largest batch per statement (default 256). */
  maxBatch?: number;
  /** Lock wait / statement bound in ms (default 5000): past it the call fails with API_ERROR. */
  timeoutMs?: number;
  skewAllowanceMs?: number;
  /**
   * Chance per call that its admission also deletes expired rate-limit
   * counters, up to `cleanupBatch` each (default 1/100 and 500: at most two
   * counter rows are created per call, so this keeps pace with no timer).
   */
  cleanupProbability?: number;
  cleanupBatch?: number;
  random?: () => number;
  log?: Pick<Logger, 'warn'>;
}

/** Slack between the server-side lock timeout and the client-side cancel. */
const CANCEL_SLACK_MS = 1_000;

/** What one call sends to gw_admit(). */
interface AdmitCall {
  client_id: string;
  secret_hash: string;
  token_hash: string | null;
  products: string[];
  endpoint: string;
  rate_defaults: ReturnType<typeof defaultsFor>;
  now_ms: number;
  skew_ms: number;
  intent: {
    request_id: string;
    occurred_at: string;
    method: string;
    product: string | null;
    client_ip: string | null;
    user_agent: string | null;
    details: Record<string, unknown>;
  };
}

/** What gw_admit() answers for one call. */
interface AdmitResult {
  outcome: Admission['outcome'];
  reason?: string;
  partner_id?: string;
  token_id?: string;
  fintech_id?: string;
  rate?: TakeResult;
  raw_sealed?: string;
  raw_key_id?: string;
  plaid_client_id?: string;
  plaid_secret_sealed?: string;
  plaid_secret_key_id?: string;
}

export function createAdmissions(db: Database, options: AdmissionOptions): Admissions {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const skewMs = options.skewAllowanceMs ?? DEFAULT_SKEW_ALLOWANCE_MS;
  const cleanupProbability = options.cleanupProbability ?? 0.01;
  const cleanupBatch = options.cleanupBatch ?? 500;
  const random = options.random ?? Math.random;
  const admit = statement(db, 'select gw_admit($1::text::jsonb, $2::int, $3::int) as r');
  const batcher = new Batcher<AdmitCall, AdmitResult>(
    async (calls) => {
      const cleanup = calls.filter(() => random() < cleanupProbability).length * cleanupBatch;
      const rows = await admit([JSON.stringify(calls), timeoutMs, cleanup], timeoutMs + CANCEL_SLACK_MS);
      const results = jsonColumn<AdmitResult[]>(rows[0]?.r);
      if (!Array.isArray(results) || results.length !== calls.length) throw new Error('gw_admit answered no result per call');
      return results;
    },
    { enabled: options.batch, maxBatch: options.maxBatch ?? 256, name: 'admission queue' },
  );

  return {
    async admit(request) {
      const call: AdmitCall = {
        client_id: request.clientId,
        secret_hash: await hashSecret(request.secret),
        token_hash: looksLikeGatewayToken(request.gatewayToken) ? await hashGatewayToken(request.gatewayToken) : null,
        products: acceptedProducts(request.product),
        endpoint: request.endpoint,
        rate_defaults: rateDefaults(request.endpoint),
        now_ms: request.at,
        skew_ms: skewMs,
        intent: {
          request_id: request.intent.requestId,
          occurred_at: request.intent.occurredAt,
          method: request.intent.method,
          product: request.intent.product,
          client_ip: request.intent.clientIp,
          user_agent: request.intent.userAgent,
          details: request.intent.details,
        },
      };
      let result: AdmitResult;
      try {
        result = await batcher.submit(call);
      } catch (err) {
        options.log?.warn('admission unavailable', {
          error: err instanceof Error ? err.name : 'unknown',
          code: (err as { code?: unknown } | undefined)?.code,
        });
        throw admissionUnavailable(err);
      }
      return toAdmission(result, request);
    },
    close: () => batcher.close(),
  };
}

/**
 * The endpoint's default limits as the statement takes them. They are
 * constants (DEFAULT_RATE_LIMITS), so each endpoint's are worked out once and
 * shared by its calls (read-only: they are only serialized).
 */
function rateDefaults(endpoint: PartnerPath): ReturnType<typeof defaultsFor> {
  let defaults = RATE_DEFAULTS.get(endpoint);
  if (!defaults) {
    defaults = defaultsFor(endpoint);
    RATE_DEFAULTS.set(endpoint, defaults);
  }
  return defaults;
}
const RATE_DEFAULTS = new Map<PartnerPath, ReturnType<typeof defaultsFor>>();

/** The product names that grant `product` (identity_match also grants identity). */
function acceptedProducts(product: Product): string[] {
  return [product, ...(PRODUCT_ALIASES[product] ?? [])];
}

function toAdmission(result: AdmitResult, request: AdmissionRequest): Admission {
  const partnerId = result.partner_id!;
  switch (result.outcome) {
    case 'unauthenticated':
      return { outcome: 'unauthenticated', reason: result.reason as AuthFailure, ...(partnerId && { partnerId }) };
    case 'denied':
      return {
        outcome: 'denied',
        reason: result.reason as DenialReason,
        partnerId,
        ...(result.token_id && { tokenId: result.token_id, fintechId: result.fintech_id }),
      };
    case 'rate_limited':
    case 'allowed': {
      const ids = { partnerId, tokenId: result.token_id!, fintechId: result.fintech_id! };
      const limit = decisionFrom(result.rate ?? {}, request.endpoint, request.at);
      if (result.outcome === 'rate_limited') return { outcome: 'rate_limited', limit, ...ids };
      return {
        outcome: 'allowed',
        limit,
        ...ids,
        sealed: {
          rawToken: { keyId: result.raw_key_id!, value: result.raw_sealed! },
          plaidClientId: result.plaid_client_id!,
          plaidSecret: { keyId: result.plaid_secret_key_id!, value: result.plaid_secret_sealed! },
        },
      };
    }
  }
}

/** The admission statement failed or timed out: refuse, never admit blind. */
export function admissionUnavailable(cause: unknown) {
  const error = errors.internal('the gateway could not check this call against its records; try again shortly');
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/** What an allowed call needs upstream: the raw token and the partner's Plaid keys, unsealed for this call only. */
export async function unsealForCall(
  keyring: Keyring,
  admitted: Pick<TokenIds, 'tokenId' | 'partnerId'> & { sealed: SealedMaterial },
): Promise<{ rawToken: string; plaidClientId: string; plaidSecret: string }> {
  const [rawToken, plaidSecret] = await Promise.all([
    keyring.open(admitted.sealed.rawToken, sealContext.rawToken(admitted.tokenId)),
    keyring.open(admitted.sealed.plaidSecret, sealContext.plaidSecret(admitted.partnerId)),
  ]);
  return { rawToken, plaidClientId: admitted.sealed.plaidClientId, plaidSecret };
}

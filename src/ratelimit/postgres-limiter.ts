/**
 * Rate limits held in the shared database, exact across every gateway instance.
 *
 * ## Algorithm: fixed-window counters, one conditional UPDATE per bucket
 *
 * Each bucket (partner × path, token × path) counts calls in clock-aligned
 * windows of `windowSeconds`: one row of `rate_limit_counters` per
 * (bucket key, window start). The SQL lives in database functions
 * (drizzle/0003_hot_path_functions.sql), shared by this limiter and by the
 * partner admission statement (src/tenancy/admission.ts):
 *
 *   gw_rate_buckets  the rows a call counts in (override or default rule);
 *   gw_rate_lock     creates or locks those rows, token rows first, each kind
 *                    in key order: one global lock order, so admissions that
 *                    touch the same rows wait for each other but never deadlock;
 *   gw_rate_take     UPDATE ... SET count = count + 1 WHERE count < limit on
 *                    the locked rows.
 *
 * Every row is locked by the admitting transaction before it is counted, so
 * concurrent statements from any number of instances serialise on the row and
 * at most `limit` of them are ever admitted: exact, in one statement, without
 * retries or explicit transactions.
 *
 * Why not the others: a sliding log is exact over any interval but costs a row
 * per call and a range count per check; the sliding-window *counter* estimate
 * is not exact; GCRA needs one mutable timestamp per key, which the
 * (key, window_start) primary key of the shared schema does not hold without
 * rewriting the key on every call. Fixed windows are what Plaid's "N per minute"
 * tables describe, and their known cost is the edge burst: a client can get up
 * to 2×limit across a window boundary (limit at the end of one window, limit at
 * the start of the next), never more than `limit` inside one window.
 *
 * ## Both buckets, without leaking quota
 *
 * The token bucket is tried first; the partner bucket only if the token
 * admitted, so a call refused per token never consumes the partner's quota (one
 * token hammering cannot starve the partner's other tokens). When the token
 * admitted but the partner refused, the token bucket's *refund* row (`r|...`,
 * same window) is incremented: the token bucket's use is `count - refunds`.
 * The refund row is only ever touched by a holder of its token row.
 *
 * ## Housekeeping
 *
 * Rows carry `expires_at` = window end + a skew allowance (rows are not deleted
 * while an instance with a slightly late clock may still count in them). With
 * probability `cleanupProbability` a take() also deletes up to `cleanupBatch`
 * expired rows (`FOR UPDATE SKIP LOCKED`, so two cleaners never wait on each
 * other): same round trip, no timer, works on Workers.
 *
 * ## Commit durability (this limiter alone)
 *
 * The partner admission commits synchronously, because it also writes the
 * call's audit intent (batched on Node to amortise the flush). This limiter,
 * used alone, is a write transaction, and with Postgres' default
 * `synchronous_commit = on` its cost is dominated by the WAL flush at commit
 * (≈1.5-3 ms here against ≈0.25 ms without; see docs/rate-limits.md). The
 * statement therefore sets `synchronous_commit = off` for its own transaction
 * only (`set_config(..., true)`: nothing else on the pooled connection, such as
 * an audit write, is affected). Visibility and locking are unchanged (a commit
 * is visible to every other session at once, whether or not it is flushed), so
 * the limits stay exact at any concurrency and across instances. What is given
 * up: if the *database server* crashes, the increments of its last few hundred
 * milliseconds (3 × wal_writer_delay at most) are lost, so the window in
 * progress may admit that many extra calls after recovery. `synchronousCommit:
 * true` keeps the server's setting instead.
 *
 * ## When the database fails
 *
 * take() throws API_ERROR ("rate limiter unavailable"): the gateway refuses
 * rather than admitting calls it cannot count. A statement slower than
 * `timeoutMs` is treated the same way.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from '../lib/logger';
import { type Database, queryRows } from '../db/database';
import { jsonColumn, statement } from '../db/statement';
import { rateLimiterUnavailable } from './errors';
import { type BucketState, rateLimitHeaders, secondsUntil, tightest } from './headers';
import type { RateLimitDecision, RateLimiter, RateLimitRequest } from './limiter';
import { defaultsFor, errorCodeFor, type RateLimitScope } from './policy';

export interface PostgresRateLimiterOptions {
  /** The current time (ms since epoch or a Date); tests pin it. Default: Date.now. */
  clock?: () => number | Date;
  /** Chance that a take() also deletes expired counters (default 1/100). 0 turns it off. */
  cleanupProbability?: number;
  /** Rows deleted at most per cleanup (default 500). */
  cleanupBatch?: number;
  /** Rows outlive their window by this much (default 60 s): room for clock skew between instances. */
  skewAllowanceMs?: number;
  /** A statement slower than this refuses with API_ERROR (default 5 s; 0 = no limit). */
  timeoutMs?: number;
  /**
   * Wait for the WAL flush of each take() (default false: the statement commits
   * asynchronously, which only matters if the database server crashes; see above).
   */
  synchronousCommit?: boolean;
  /** Random source for the cleanup coin (tests). */
  random?: () => number;
  log?: Pick<Logger, 'warn'>;
}

export interface PostgresRateLimiter extends RateLimiter {
  /** Deletes up to `batch` expired counters now; answers how many. */
  cleanup(batch?: number): Promise<number>;
}

/** One bucket as gw_rate_take() reports it. `count` is absent when the bucket refused or was not reached. */
interface TakenBucket {
  key: string;
  window_start: number;
  window_seconds: number;
  limit: number;
  count?: number;
  /** Token bucket: refunds in this window. */
  refunds?: number;
  /** Partner bucket not counted in: its current count. */
  seen?: number;
}

/** What gw_rate_take() answers: the buckets that apply, each with its count. */
export interface TakeResult {
  token?: TakenBucket;
  partner?: TakenBucket;
}

/** Default skew allowance (ms) that counter rows outlive their window by. */
export const DEFAULT_SKEW_ALLOWANCE_MS = 60_000;

export function createPostgresRateLimiter(db: Database, options: PostgresRateLimiterOptions = {}): PostgresRateLimiter {
  const clock = options.clock ?? Date.now;
  const cleanupProbability = options.cleanupProbability ?? 0.01;
  const cleanupBatch = options.cleanupBatch ?? 500;
  const skewAllowanceMs = options.skewAllowanceMs ?? DEFAULT_SKEW_ALLOWANCE_MS;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const random = options.random ?? Math.random;
  const asyncCommit = !options.synchronousCommit;
  const takeStatement = statement(
    db,
    'select gw_rate_limit_take($1::text, $2::text, $3::text, $4::text::jsonb, $5::text::jsonb, $6::bigint, $7::bigint, $8::int, $9::boolean) as r',
  );

  const now = (): number => {
    const value = clock();
    return typeof value === 'number' ? value : value.getTime();
  };

  async function take(request: RateLimitRequest): Promise<RateLimitDecision> {
    const at = now();
    const cleanup = cleanupProbability > 0 && random() < cleanupProbability;
    let result: TakeResult;
    try {
      const rows = await takeStatement(
        [
          request.partnerId,
          request.tokenId,
          request.endpoint,
          JSON.stringify(request.overrides ?? {}),
          JSON.stringify(defaultsFor(request.endpoint)),
          at,
          skewAllowanceMs,
          cleanup ? cleanupBatch : 0,
          asyncCommit,
        ],
        timeoutMs,
      );
      if (!rows[0]) throw new Error('rate limit query returned no row');
      result = jsonColumn<TakeResult>(rows[0].r);
    } catch (err) {
      options.log?.warn('rate limiter unavailable', { error: err instanceof Error ? err.message : String(err) });
      throw rateLimiterUnavailable(err);
    }
    return decisionFrom(result, request.endpoint, at);
  }

  async function cleanup(batch = cleanupBatch): Promise<number> {
    const rows = await queryRows<{ deleted: number }>(db, sql`select gw_rate_cleanup(${now()}::bigint, ${batch}::int) as deleted`);
    return Number(rows[0]?.deleted ?? 0);
  }

  return { take, cleanup };
}

/**
 * The decision and the RateLimit headers for a take's result (shared by this
 * limiter and the partner admission).
 */
export function decisionFrom(result: TakeResult, endpoint: string, at: number): RateLimitDecision {
  const tok = result.token;
  const ptn = result.partner;
  if (!tok && !ptn) return { allowed: true, headers: {} };
  const tokenAdmitted = !tok || tok.count !== undefined;
  const allowed = tokenAdmitted && (!ptn || ptn.count !== undefined);

  const states: { scope: RateLimitScope; state: BucketState }[] = [];
  if (tok) {
    const used = tok.count !== undefined ? tok.count - (tok.refunds ?? 0) : tok.limit;
    states.push({ scope: 'token', state: stateOf(tok, used, at) });
  }
  if (ptn) {
    // Refused: full. Not reached (token refused): its current count, for information.
    const used = ptn.count ?? (tokenAdmitted ? ptn.limit : (ptn.seen ?? 0));
    states.push({ scope: 'partner', state: stateOf(ptn, used, at) });
  }
  const all = states.map((entry) => entry.state);
  if (allowed) return { allowed: true, headers: rateLimitHeaders(tightest(all)!, all) };

  const refusedScope: RateLimitScope = tokenAdmitted ? 'partner' : 'token';
  const refused = states.find((entry) => entry.scope === refusedScope)!;
  // Retry when every bucket known to be full has rolled over.
  const fullResetMs = Math.max(...all.filter((state) => state.remaining <= 0).map((state) => state.resetMs));
  const retryAfterSeconds = secondsUntil(fullResetMs);
  return {
    allowed: false,
    scope: refusedScope,
    errorCode: errorCodeFor(endpoint, refusedScope),
    retryAfterSeconds,
    headers: rateLimitHeaders(refused.state, all, retryAfterSeconds),
  };
}

function stateOf(bucket: TakenBucket, used: number, at: number): BucketState {
  const windowEnd = Number(bucket.window_start) + bucket.window_seconds * 1000;
  return {
    limit: bucket.limit,
    windowSeconds: bucket.window_seconds,
    remaining: Math.max(0, bucket.limit - used),
    resetMs: windowEnd - at,
  };
}

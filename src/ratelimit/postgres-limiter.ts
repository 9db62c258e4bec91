/**
 * Rate limits held in the shared database, exact across every gateway instance.
 *
 * ## Algorithm: fixed-window counters, one conditional UPSERT per bucket
 *
 * Each bucket (partner × path, token × path) counts calls in clock-aligned
 * windows of `windowSeconds`: one row of `rate_limit_counters` per
 * (bucket key, window start). A call is admitted by
 *
 *   INSERT ... VALUES (key, window, 1) ON CONFLICT (key, window_start)
 *   DO UPDATE SET count = count + 1 WHERE count < limit RETURNING count
 *
 * Postgres takes the row lock and evaluates the WHERE against the latest
 * committed version of the row (READ COMMITTED re-check), so concurrent
 * statements from any number of instances serialise on the row and at most
 * `limit` of them ever get a row back: exact, in one statement, without
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
 * ## Both buckets in one round trip, without leaking quota
 *
 * One statement, three data-modifying CTEs chained by data dependency:
 *
 *   tok  conditional UPSERT of the token bucket;
 *   ptn  conditional UPSERT of the partner bucket, fed by `tok`'s row: it runs
 *        only if the token bucket admitted, so a call refused per token never
 *        consumes the partner's quota (one token hammering cannot starve the
 *        partner's other tokens);
 *   ref  when `tok` admitted but `ptn` refused, increments the token bucket's
 *        *refund* row (`r|...`, same window). The token bucket's use is
 *        `count - refunds`; `tok` checks `count - refunds < limit`.
 *
 * The refund row is read from the statement's snapshot, which can only lag
 * behind the truth (refunds grow), so the check can only be stricter than
 * exact, never looser: the admitted count never exceeds the limit. (A row
 * cannot be updated twice by one statement, hence a second row instead of
 * decrementing `tok`.) Lock order is always token row, partner row, refund row,
 * and the refund row is only ever touched by a holder of its token row, so
 * concurrent statements cannot deadlock. The hot partner row is locked last,
 * just before commit, which keeps its lock hold time minimal.
 *
 * ## Housekeeping
 *
 * Rows carry `expires_at` = window end + a skew allowance (rows are not deleted
 * while an instance with a slightly late clock may still count in them). With
 * probability `cleanupProbability` a call adds a fourth CTE that deletes up to
 * `cleanupBatch` expired rows (`FOR UPDATE SKIP LOCKED`, so two cleaners never
 * wait on each other): same round trip, no timer, works on Workers.
 *
 * ## Commit durability
 *
 * Every take() is a write transaction, and with Postgres' default
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
import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from '../context';
import { type Database, queryRows } from '../db/database';
import { rateLimiterUnavailable } from './errors';
import { type BucketState, rateLimitHeaders, secondsUntil, tightest } from './headers';
import type { RateLimitDecision, RateLimiter, RateLimitRequest } from './limiter';
import { errorCodeFor, type RateLimitRule, type RateLimitScope, resolvePolicy } from './policy';

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

interface Bucket {
  scope: RateLimitScope;
  rule: RateLimitRule;
  key: string;
  windowStart: number;
  windowEnd: number;
  expiresAt: string;
}

interface TakeRow extends Record<string, unknown> {
  tok_count: number | null;
  ptn_count: number | null;
  ref_count: number | null;
  ref_seen: number | null;
  ptn_seen: number | null;
}

const TABLE = sql.raw('rate_limit_counters');

export function createPostgresRateLimiter(db: Database, options: PostgresRateLimiterOptions = {}): PostgresRateLimiter {
  const clock = options.clock ?? Date.now;
  const cleanupProbability = options.cleanupProbability ?? 0.01;
  const cleanupBatch = options.cleanupBatch ?? 500;
  const skewAllowanceMs = options.skewAllowanceMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const random = options.random ?? Math.random;
  const asyncCommit = !options.synchronousCommit;

  const now = (): number => {
    const value = clock();
    return typeof value === 'number' ? value : value.getTime();
  };

  function bucket(scope: RateLimitScope, owner: string, endpoint: string, rule: RateLimitRule, at: number): Bucket {
    const windowMs = rule.windowSeconds * 1000;
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const windowEnd = windowStart + windowMs;
    return {
      scope,
      rule,
      // The window length is part of the key: a changed window starts a fresh
      // count instead of sharing rows whose starts happen to coincide.
      key: `${scope === 'partner' ? 'p' : 't'}|${owner}|${endpoint}|${rule.windowSeconds}`,
      windowStart,
      windowEnd,
      expiresAt: new Date(windowEnd + skewAllowanceMs).toISOString(),
    };
  }

  async function run(query: SQL): Promise<TakeRow> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const rows = await (timeoutMs > 0
        ? Promise.race([
            queryRows<TakeRow>(db, query),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`rate limit query exceeded ${timeoutMs} ms`)), timeoutMs);
            }),
          ])
        : queryRows<TakeRow>(db, query));
      const row = rows[0];
      if (!row) throw new Error('rate limit query returned no row');
      return row;
    } catch (err) {
      options.log?.warn('rate limiter unavailable', { error: err instanceof Error ? err.message : String(err) });
      throw rateLimiterUnavailable(err);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async function take(request: RateLimitRequest): Promise<RateLimitDecision> {
    const at = now();
    const policy = resolvePolicy(request.endpoint, request.overrides);
    const tok = policy.token && bucket('token', request.tokenId, request.endpoint, policy.token, at);
    const ptn = policy.partner && bucket('partner', request.partnerId, request.endpoint, policy.partner, at);
    if (!tok && !ptn) return { allowed: true, headers: {} };

    const cleanup = cleanupProbability > 0 && random() < cleanupProbability;
    const row = await run(takeStatement(tok, ptn, asyncCommit, cleanup ? { now: new Date(at).toISOString(), batch: cleanupBatch } : undefined));

    const tokCount = toNumber(row.tok_count);
    const ptnCount = toNumber(row.ptn_count);
    const tokenAdmitted = !tok || tokCount !== null;
    const partnerAdmitted = tokenAdmitted && (!ptn || ptnCount !== null);
    const allowed = tokenAdmitted && partnerAdmitted;

    const states: { bucket: Bucket; state: BucketState }[] = [];
    if (tok) {
      const refunds = toNumber(row.ref_count) ?? toNumber(row.ref_seen) ?? 0;
      const used = tokenAdmitted ? tokCount! - refunds : tok.rule.limit;
      states.push({ bucket: tok, state: stateOf(tok, used, at) });
    }
    if (ptn) {
      // Refused: full. Not reached (token refused): the snapshot's count, for information.
      const used = ptnCount ?? (tokenAdmitted ? ptn.rule.limit : (toNumber(row.ptn_seen) ?? 0));
      states.push({ bucket: ptn, state: stateOf(ptn, used, at) });
    }
    const all = states.map((entry) => entry.state);

    if (allowed) {
      return { allowed: true, headers: rateLimitHeaders(tightest(all)!, all) };
    }
    const refusedScope: RateLimitScope = tokenAdmitted ? 'partner' : 'token';
    const refused = states.find((entry) => entry.bucket.scope === refusedScope)!;
    // Retry when every bucket known to be full has rolled over.
    const fullResetMs = Math.max(...all.filter((state) => state.remaining <= 0).map((state) => state.resetMs));
    const retryAfterSeconds = secondsUntil(fullResetMs);
    return {
      allowed: false,
      scope: refusedScope,
      errorCode: errorCodeFor(request.endpoint, refusedScope),
      retryAfterSeconds,
      headers: rateLimitHeaders(refused.state, all, retryAfterSeconds),
    };
  }

  async function cleanup(batch = cleanupBatch): Promise<number> {
    const rows = await queryRows<{ deleted: number }>(
      db,
      sql`WITH ${cleanupCte(new Date(now()).toISOString(), batch)} SELECT count(*)::int AS deleted FROM gc`,
    );
    return Number(rows[0]?.deleted ?? 0);
  }

  return { take, cleanup };
}

function stateOf(bucket: Bucket, used: number, at: number): BucketState {
  return {
    limit: bucket.rule.limit,
    windowSeconds: bucket.rule.windowSeconds,
    remaining: Math.max(0, bucket.rule.limit - used),
    resetMs: bucket.windowEnd - at,
  };
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}

function refundKey(tok: Bucket): string {
  return `r${tok.key.slice(1)}`;
}

/** Deletes up to `batch` expired counters, skipping rows another cleaner holds. */
function cleanupCte(nowIso: string, batch: number): SQL {
  return sql`gc AS (
    DELETE FROM ${TABLE} d
    WHERE (d.key, d.window_start) IN (
      SELECT g.key, g.window_start FROM ${TABLE} g
      WHERE g.expires_at < ${nowIso}::timestamptz
      ORDER BY g.expires_at
      LIMIT ${batch}::int
      FOR UPDATE SKIP LOCKED)
    RETURNING 1
  )`;
}

/**
 * The one statement of a take(): see the module comment. Built for the buckets
 * that apply (token and partner, only one of them), plus the optional cleanup.
 */
function takeStatement(
  tok: Bucket | undefined,
  ptn: Bucket | undefined,
  asyncCommit: boolean,
  cleanup: { now: string; batch: number } | undefined,
): SQL {
  const ctes: SQL[] = [];
  // Read by the final SELECT (an unreferenced plain CTE would not run). The
  // setting is consulted at commit, so where it runs in the statement is moot.
  ctes.push(
    asyncCommit
      ? sql`cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS synchronous_commit)`
      : sql`cfg AS (SELECT current_setting('synchronous_commit') AS synchronous_commit)`,
  );
  if (tok) {
    const refund = refundKey(tok);
    ctes.push(sql`tok AS (
      INSERT INTO ${TABLE} AS c (key, window_start, count, expires_at)
      SELECT ${tok.key}::text, ${tok.windowStart}::bigint, 1, ${tok.expiresAt}::timestamptz
      WHERE ${tok.rule.limit}::int > 0
      ON CONFLICT (key, window_start) DO UPDATE SET count = c.count + 1
      WHERE c.count - COALESCE(
        (SELECT r.count FROM ${TABLE} r WHERE r.key = ${refund}::text AND r.window_start = ${tok.windowStart}::bigint),
        0) < ${tok.rule.limit}::int
      RETURNING c.count
    )`);
  }
  if (ptn) {
    ctes.push(sql`ptn AS (
      INSERT INTO ${TABLE} AS c (key, window_start, count, expires_at)
      SELECT ${ptn.key}::text, ${ptn.windowStart}::bigint, 1, ${ptn.expiresAt}::timestamptz
      ${tok ? sql`FROM tok` : sql``}
      WHERE ${ptn.rule.limit}::int > 0
      ON CONFLICT (key, window_start) DO UPDATE SET count = c.count + 1
      WHERE c.count < ${ptn.rule.limit}::int
      RETURNING c.count
    )`);
  }
  if (tok && ptn) {
    ctes.push(sql`ref AS (
      INSERT INTO ${TABLE} AS c (key, window_start, count, expires_at)
      SELECT ${refundKey(tok)}::text, ${tok.windowStart}::bigint, 1, ${tok.expiresAt}::timestamptz
      FROM tok WHERE NOT EXISTS (SELECT 1 FROM ptn)
      ON CONFLICT (key, window_start) DO UPDATE SET count = c.count + 1
      RETURNING c.count
    )`);
  }
  if (cleanup) ctes.push(cleanupCte(cleanup.now, cleanup.batch));

  const seen = (key: string, windowStart: number) =>
    sql`(SELECT s.count FROM ${TABLE} s WHERE s.key = ${key}::text AND s.window_start = ${windowStart}::bigint)`;
  return sql`WITH ${sql.join(ctes, sql`, `)}
    SELECT
      ${tok ? sql`(SELECT count FROM tok)` : sql`NULL::int`} AS tok_count,
      ${ptn ? sql`(SELECT count FROM ptn)` : sql`NULL::int`} AS ptn_count,
      ${tok && ptn ? sql`(SELECT count FROM ref)` : sql`NULL::int`} AS ref_count,
      ${tok ? seen(refundKey(tok), tok.windowStart) : sql`NULL::int`} AS ref_seen,
      ${ptn ? seen(ptn.key, ptn.windowStart) : sql`NULL::int`} AS ptn_seen,
      cfg.synchronous_commit
    FROM cfg`;
}

import type { Database } from '../db/database';
import { statement, type Statement } from '../db/statement';

/**
 * Fixed-window counters for the gateway's own guards (failed authentications,
 * full audit verifications), in the rate-limit counters table shared by every
 * instance and cleaned with it. One fixed statement, prepared once per
 * connection: counts one event in each key's current window and answers the
 * counts.
 */
const COUNT = `insert into rate_limit_counters as r (key, window_start, count, expires_at)
  select k, $2::bigint, 1, to_timestamp($3::double precision) from jsonb_array_elements_text($1::text::jsonb) as k
  on conflict (key, window_start) do update set count = r.count + 1
  returning r.key, r.count`;

const statements = new WeakMap<Database, Statement>();

export interface WindowCount {
  counts: Map<string, number>;
  /** Seconds until the current window ends (a Retry-After). */
  retryAfterSeconds: number;
}

export async function countInWindow(
  db: Database,
  keys: readonly string[],
  options: { windowSeconds: number; nowMs: number; timeoutMs: number },
): Promise<WindowCount> {
  let count = statements.get(db);
  if (!count) statements.set(db, (count = statement(db, COUNT)));
  const windowMs = options.windowSeconds * 1000;
  const windowStart = Math.floor(options.nowMs / windowMs) * windowMs;
  const rows = await count([JSON.stringify(keys), windowStart, (windowStart + 2 * windowMs) / 1000], options.timeoutMs);
  return {
    counts: new Map(rows.map((r) => [String(r.key), Number(r.count)])),
    retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - options.nowMs) / 1000)),
  };
}

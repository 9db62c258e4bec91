/**
 * What the rate limiter costs per request: take() against a `select 1` baseline
 * (the floor of any database round trip) and a single hot-row UPSERT (the floor
 * of any exact shared counter), at a few concurrencies.
 *
 *   npx tsx bench/ratelimit.ts                       # PGlite, in memory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_dev npx tsx bench/ratelimit.ts
 *
 * On Postgres it creates a scratch database next to DATABASE_URL's (local
 * servers only), migrates it, and drops it at the end. Bounded: at most
 * BENCH_OPS operations (default 3000; 600 on PGlite) or BENCH_SECONDS seconds
 * (default 8) per measurement, whichever comes first. The pool has 10
 * connections, as the Node entry's.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type DatabaseHandle, queryRows } from '../src/db/database';
import { runMigrations } from '../src/db/migrate';
import { openPglite } from '../src/db/pglite';
import { openPostgres } from '../src/db/postgres';
import type { RateLimitRequest } from '../src/ratelimit/limiter';
import { createPostgresRateLimiter } from '../src/ratelimit/postgres-limiter';

const databaseUrl = process.env.DATABASE_URL ?? '';
const isPostgres = databaseUrl !== '';
const MAX_OPS = Number(process.env.BENCH_OPS ?? (isPostgres ? 3000 : 600));
const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,10,50').split(',').map(Number);
const POOL = 10;

interface Result {
  name: string;
  concurrency: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `op` with `concurrency` workers until MAX_OPS or MAX_SECONDS. */
async function measure(name: string, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Result> {
  // Warm-up: connections open, statements prepared.
  await Promise.all(Array.from({ length: Math.min(concurrency, POOL) }, (_, i) => op(-1 - i)));
  const latencies: number[] = [];
  let next = 0;
  const deadline = performance.now() + MAX_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < MAX_OPS && performance.now() < deadline) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    concurrency,
    ops: latencies.length,
    opsPerSec: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function openDatabase(): Promise<{ handle: DatabaseHandle; dispose(): Promise<void> }> {
  if (!isPostgres) {
    const handle = await openPglite(undefined);
    await runMigrations(handle);
    return { handle, dispose: () => handle.close() };
  }
  const url = new URL(databaseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`bench/ratelimit.ts only runs against a local server (got ${url.hostname})`);
  }
  const name = `gw_bench_rl_${process.pid}`;
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const benchUrl = new URL(databaseUrl);
  benchUrl.pathname = `/${name}`;
  const handle = openPostgres(benchUrl.toString(), { max: POOL });
  await runMigrations(handle);
  return {
    handle,
    async dispose() {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function main() {
  const { handle, dispose } = await openDatabase();
  const db = handle.db;
  const limiter = createPostgresRateLimiter(db); // real clock, default 1% cleanup, async commit
  const durable = createPostgresRateLimiter(db, { synchronousCommit: true });
  const endpoint = '/processor/auth/get';
  const unbounded = {
    partner: { [endpoint]: { limit: 1_000_000_000, window_seconds: 60 } },
    token: { [endpoint]: { limit: 1_000_000_000, window_seconds: 60 } },
  };
  const rand = (n: number) => Math.floor(Math.random() * n);
  const results: Result[] = [];

  try {
    for (const concurrency of CONCURRENCIES) {
      results.push(await measure('select 1', concurrency, () => queryRows(db, sql`select 1 as one`)));
      results.push(
        await measure('hot-row upsert (1 row, reference)', concurrency, () =>
          queryRows(
            db,
            sql`insert into rate_limit_counters as c (key, window_start, count, expires_at)
                values ('bench|hot', 0, 1, now() + interval '1 hour')
                on conflict (key, window_start) do update set count = c.count + 1
                where c.count < 1000000000 returning c.count`,
          ),
        ),
      );
      results.push(
        await measure('take(): 100 partners, 10k tokens', concurrency, () =>
          limiter.take({
            partnerId: `ptn_${rand(100)}`,
            tokenId: `tok_${rand(10_000)}`,
            endpoint,
            overrides: unbounded,
          } satisfies RateLimitRequest),
        ),
      );
      results.push(
        await measure('take(): 1 partner (hot row), 10k tokens', concurrency, () =>
          limiter.take({ partnerId: 'ptn_hot', tokenId: `tok_${rand(10_000)}`, endpoint, overrides: unbounded }),
        ),
      );
      results.push(
        await measure('take(), synchronousCommit: true: 1 partner, 10k tokens', concurrency, () =>
          durable.take({ partnerId: 'ptn_hot_sync', tokenId: `tok_${rand(10_000)}`, endpoint, overrides: unbounded }),
        ),
      );
      results.push(
        await measure('take(): refused per token', concurrency, () =>
          limiter.take({
            partnerId: 'ptn_refused',
            tokenId: 'tok_refused',
            endpoint,
            overrides: { token: { [endpoint]: { limit: 1, window_seconds: 60 } } },
          }),
        ),
      );
    }
  } finally {
    await dispose();
  }

  const baseline = new Map(results.filter((r) => r.name === 'select 1').map((r) => [r.concurrency, r]));
  console.log(
    `\nrate limiter bench: ${isPostgres ? 'Postgres (postgres.js, pool 10)' : 'PGlite (in memory)'}, ` +
      `up to ${MAX_OPS} ops or ${MAX_SECONDS}s per row, node ${process.version}\n`,
  );
  console.log('| operation | concurrency | ops | ops/s | p50 ms | p99 ms | ops/s vs select 1 | p50 vs select 1 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const base = baseline.get(r.concurrency)!;
    console.log(
      `| ${r.name} | ${r.concurrency} | ${r.ops} | ${r.opsPerSec.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ` +
        `${(r.opsPerSec / base.opsPerSec).toFixed(2)}× | ${(r.p50 / base.p50).toFixed(1)}× |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * What group commit buys the audit writer: appends/s and latency with group
 * commit (concurrent appends share one transaction) against one transaction per
 * record, at concurrency 1, 16 and 64 (concurrent requests each awaiting its
 * record, as the audit middleware does).
 *
 *   npx tsx bench/audit.ts                       # PGlite, in memory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_dev npx tsx bench/audit.ts
 *
 * On Postgres it creates a scratch database next to DATABASE_URL's (local
 * servers only), migrates it, and drops it at the end. Bounded: at most
 * BENCH_OPS appends (default 3000; 1000 on PGlite) or BENCH_SECONDS seconds
 * (default 8) per measurement. Pool of 10 connections, as the Node entry's.
 * Afterwards the whole chain is verified (and the verification timed).
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { createAuditWriter } from '../src/audit/postgres-writer';
import { verifyChain } from '../src/audit/verify';
import type { AuditRecordInput } from '../src/audit/writer';
import type { DatabaseHandle } from '../src/db/database';
import { runMigrations } from '../src/db/migrate';
import { openPglite } from '../src/db/pglite';
import { openPostgres } from '../src/db/postgres';

const databaseUrl = process.env.DATABASE_URL ?? '';
const isPostgres = databaseUrl !== '';
const MAX_OPS = Number(process.env.BENCH_OPS ?? (isPostgres ? 3000 : 1000));
const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);

interface Result {
  mode: string;
  concurrency: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

let n = 0;
function sample(): AuditRecordInput {
  n += 1;
  return {
    occurredAt: new Date().toISOString(),
    requestId: `bench${String(n).padStart(10, '0')}`,
    actorType: 'partner',
    actorId: 'ptn_benchbenchbenchbench',
    partnerId: 'ptn_benchbenchbenchbench',
    fintechId: 'ftc_benchbenchbenchbench',
    tokenId: 'tok_benchbenchbenchbench',
    action: 'partner.call',
    method: 'POST',
    endpoint: '/processor/auth/get',
    product: 'auth',
    decision: 'allow',
    reason: null,
    httpStatus: 200,
    plaidRequestId: 'AbCdEfGhIjKlMnO',
    plaidStatus: 200,
    latencyMs: 42,
    clientIp: '203.0.113.7',
    userAgent: 'Plaid Node v47.0.0',
    details: { fields_present: ['processor_token'] },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(handle: DatabaseHandle, groupCommit: boolean, concurrency: number): Promise<Result> {
  const writer = createAuditWriter(handle.db, { groupCommit });
  const latencies: number[] = [];
  const deadline = performance.now() + MAX_SECONDS * 1000;
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < MAX_OPS && performance.now() < deadline) {
        started += 1;
        const t = performance.now();
        await writer.append(sample());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await writer.close();
  latencies.sort((a, b) => a - b);
  return {
    mode: groupCommit ? 'group commit' : 'one transaction per record',
    concurrency,
    ops: latencies.length,
    opsPerSec: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function openScratch(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (!isPostgres) {
    const handle = await openPglite(undefined);
    await runMigrations(handle);
    return { handle, drop: async () => handle.close() };
  }
  const url = new URL(databaseUrl);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname)) {
    throw new Error('bench/audit.ts only runs against a local Postgres (127.0.0.1/localhost)');
  }
  const name = `gw_bench_audit_${process.pid}`;
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const adminSql = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  await adminSql.unsafe(`drop database if exists ${name}`);
  await adminSql.unsafe(`create database ${name}`);
  url.pathname = `/${name}`;
  const handle = openPostgres(url.toString(), { max: 10 });
  await runMigrations(handle);
  return {
    handle,
    drop: async () => {
      await handle.close();
      await adminSql.unsafe(`drop database if exists ${name} with (force)`);
      await adminSql.end();
    },
  };
}

const fmt = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const { handle, drop } = await openScratch();
  try {
    const results: Result[] = [];
    for (const concurrency of CONCURRENCIES) {
      for (const group of [false, true]) results.push(await measure(handle, group, concurrency));
    }
    console.log(`audit writer on ${isPostgres ? 'Postgres' : 'PGlite (in memory)'}; max ${MAX_OPS} appends or ${MAX_SECONDS}s per row`);
    console.log('| c | one tx per record: appends/s (p50 / p99 ms) | group commit: appends/s (p50 / p99 ms) | ratio |');
    console.log('|---:|---:|---:|---:|');
    for (const concurrency of CONCURRENCIES) {
      const single = results.find((r) => r.concurrency === concurrency && r.mode !== 'group commit')!;
      const group = results.find((r) => r.concurrency === concurrency && r.mode === 'group commit')!;
      console.log(
        `| ${concurrency} | ${fmt(single.opsPerSec)} (${fmt(single.p50, 1)} / ${fmt(single.p99, 1)}) | ${fmt(group.opsPerSec)} (${fmt(group.p50, 1)} / ${fmt(group.p99, 1)}) | ${fmt(group.opsPerSec / single.opsPerSec, 1)}x |`,
      );
    }
    const t = performance.now();
    const verdict = await verifyChain(handle.db);
    const ms = performance.now() - t;
    console.log(`verify: ok=${verdict.ok}, ${fmt(verdict.checked)} records in ${fmt(ms)} ms (${fmt(verdict.checked / (ms / 1000))} records/s)`);
    if (!verdict.ok) process.exitCode = 1;
  } finally {
    await drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * The gateway's database for a benchmark run:
 *   default              a fresh database gw_bench_<pid>_<time> on the local
 *                        PostgreSQL (127.0.0.1:5432), dropped at the end
 *   BENCH_DATABASE_URL   an existing database, used as it is (never dropped)
 *   BENCH_DB=pglite      PGlite in a temp dir, removed at the end
 * `env` is what the gateway process gets (DATABASE_URL or PGLITE_DATA_DIR).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export interface BenchDatabase {
  kind: 'postgres (fresh database)' | 'postgres (BENCH_DATABASE_URL)' | 'pglite';
  /** What to print: the URL without credentials, or the PGlite dir. */
  where: string;
  env: Record<string, string>;
  /** The server processes serving the bench database (local PostgreSQL, fresh database only): their CPU is the database's share. */
  backendPids?: () => Promise<number[]>;
  drop(): Promise<void>;
}

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function openBenchDatabase(source: NodeJS.ProcessEnv = process.env): Promise<BenchDatabase> {
  if (source.BENCH_DB === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'gw-bench-pglite-'));
    return {
      kind: 'pglite',
      where: dir,
      env: { PGLITE_DATA_DIR: join(dir, 'data') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (source.BENCH_DB && source.BENCH_DB !== 'postgres') throw new Error(`BENCH_DB: "${source.BENCH_DB}" is not postgres or pglite`);
  if (source.BENCH_DATABASE_URL) {
    return {
      kind: 'postgres (BENCH_DATABASE_URL)',
      where: redact(source.BENCH_DATABASE_URL),
      env: { DATABASE_URL: source.BENCH_DATABASE_URL },
      drop: async () => {},
    };
  }
  const name = `gw_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(LOCAL_SERVER, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    await admin.end({ timeout: 5 });
    throw new Error(`cannot create ${name} on ${LOCAL_SERVER}: ${err instanceof Error ? err.message : err}`);
  }
  let dropped = false;
  return {
    kind: 'postgres (fresh database)',
    where: `postgres://127.0.0.1:5432/${name}`,
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` },
    backendPids: async () => {
      const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${name}`;
      return rows.map((r) => r.pid);
    },
    drop: async () => {
      if (dropped) return;
      dropped = true;
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

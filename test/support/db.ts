/**
 * A fresh, migrated database for one test file: PGlite (default) or, when
 * DATABASE_URL is set, a new Postgres database cloned from the migrated template.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { inject } from 'vitest';
import { queryRows, type Database, type DatabaseHandle } from '../../src/db/database';
import { wrapPglite } from '../../src/db/pglite';
import { runMigrations } from '../../src/db/migrate';
import { openPostgres } from '../../src/db/postgres';
import { serverUrl, withDatabase } from './pg-url';

let counter = 0;

export function usingPostgres(): boolean {
  return inject('databaseUrl') !== '';
}

export interface TestDatabase extends DatabaseHandle {
  /** A connection string to the same database (Postgres only), for a second instance. */
  url: string | undefined;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const databaseUrl = inject('databaseUrl');
  if (!databaseUrl) {
    const blob = new Blob([readFileSync(inject('pgliteDump'))]);
    const pg = await PGlite.create({ loadDataDir: blob });
    return { ...wrapPglite(pg), url: undefined };
  }
  const name = `gw_t_${inject('pgTemplate').split('_').pop()}_${process.pid}_${Date.now()}_${counter++}`;
  const admin = postgres(serverUrl(databaseUrl), { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${inject('pgTemplate')}`);
        break;
      } catch (err) {
        // Two files cloning the template at the same instant: try again shortly.
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return testDatabaseAt(withDatabase(databaseUrl, name));
}

/**
 * A fresh migrated database on a real Postgres server, whichever database the
 * run uses (see test/support/pg-server.ts for which server): for the tests that
 * need Postgres itself (a wire protocol to count, a second session holding a lock).
 */
export async function scratchPostgres(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = inject('pgServerUrl');
  const name = `${prefix}_${process.pid}_${Date.now()}_${counter++}`;
  const admin = postgres(serverUrl(base), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(base, name);
  const migrator = openPostgres(url, { max: 1 });
  await runMigrations(migrator);
  await migrator.close();
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    },
  };
}

/** Every row of every table in the public schema as JSON text (to search for what must never be stored). */
export async function everyTableText(db: Database): Promise<string> {
  const tables = await queryRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await queryRows<{ j: string }>(db, sql.raw(`select row_to_json(t)::text as j from "${table_name}" t`));
    parts.push(`${table_name}: ${rows.map((r) => r.j).join('\n')}`);
  }
  return parts.join('\n');
}

/** A pooled handle on the Postgres database at `url` (a second pool, or a proxy in front of it) for a test stack. */
export function testDatabaseAt(url: string): TestDatabase {
  return { ...openPostgres(url, { max: 10 }), url };
}

/**
 * A scratch Postgres database (scratchPostgres) with a pooled handle for the
 * gateway (`db`) and one more session of the test's own (`other`), to look at
 * the tables and hold locks behind the gateway's back (`whileLocked`).
 */
export async function scratchPostgresWithSession(prefix: string) {
  const scratch = await scratchPostgres(prefix);
  const db = testDatabaseAt(scratch.url);
  const other = postgres(scratch.url, { max: 1, onnotice: () => {} });
  return {
    url: scratch.url,
    db,
    other,
    /** Runs `body` while `other` holds what `lock` takes; its advisory locks and any open transaction are released after. */
    async whileLocked<T>(lock: (session: postgres.ReservedSql) => Promise<unknown>, body: () => Promise<T>): Promise<T> {
      const session = await other.reserve();
      try {
        await lock(session);
        return await body();
      } finally {
        await session`rollback`.catch(() => {});
        await session`select pg_advisory_unlock_all()`;
        session.release();
      }
    },
    /** Closes both (the gateway's stack first) and drops the database. */
    async close() {
      await db.close();
      await other.end();
      await scratch.drop();
    },
  };
}

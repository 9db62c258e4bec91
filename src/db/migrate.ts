import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { DatabaseHandle } from './database';

/** drizzle/ at the repository root, wherever this module is run from. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies the SQL migrations in drizzle/ (Node only; the Worker expects a
 * migrated database: `npm run db:migrate`). On Postgres a session advisory lock,
 * held on one dedicated connection, keeps several instances starting at once
 * from racing each other.
 */
export async function runMigrations(handle: DatabaseHandle, folder = MIGRATIONS_FOLDER): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder: folder });
    return;
  }
  if (!handle.url) throw new Error('runMigrations: the Postgres handle has no connection string');
  const client = postgres(handle.url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(727274001)`;
    await migratePostgres(drizzle(client), { migrationsFolder: folder });
    await client`select pg_advisory_unlock(727274001)`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import type { schema } from './schema';

/**
 * The drizzle handle every part of the app uses. PGlite and postgres.js give
 * different concrete classes; both are a PgDatabase over our schema.
 */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** What a transaction callback receives; it has the same query API as Database. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Runs raw SQL and returns its rows, whichever driver is underneath
 * (postgres.js answers an array, PGlite an object with `rows`).
 */
export async function queryRows<T extends Record<string, unknown>>(
  db: Database | Transaction,
  query: SQL,
): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** A database the app can use, with its way to shut down. */
export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Connection string (Postgres only). */
  url?: string;
  close(): Promise<void>;
}

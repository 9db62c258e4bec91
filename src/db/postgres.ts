import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database, DatabaseHandle } from './database';
import { schema } from './schema';

export interface PostgresOptions {
  /** Pool size. Node: a pool per process. Workers: 1 per request (Hyperdrive pools). */
  max?: number;
  /** Prepared statements are off on Workers/Hyperdrive transaction pooling. */
  prepare?: boolean;
  /**
   * Look up the database's array types when a connection opens (postgres.js'
   * default). Off on Workers, where every request opens a connection and the
   * lookup would be a third statement per call; drizzle parses array columns
   * from their text form itself.
   */
  fetchTypes?: boolean;
}

/** Opens Postgres through postgres.js (works in Node and, via cloudflare:sockets, in workerd). */
export function openPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? 10,
    prepare: options.prepare ?? true,
    fetch_types: options.fetchTypes ?? true,
    onnotice: () => {},
    // Fail fast when the database is unreachable instead of hanging a request.
    connect_timeout: 5,
    idle_timeout: 30,
  });
  const db = drizzle(client, { schema }) as unknown as Database;
  return { db, kind: 'postgres', url, close: () => client.end({ timeout: 5 }) };
}
